"""Roadmap skills and tracks as data: the bundled ones validate and are well ordered, and
broken files are reported precisely (file, line, subject, field), all at once."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.knowledge import DataFileError, KnowledgeBase, ValidationIssue
from bot.roadmap.tracks import TrackSet, load_tracks
from bot.services import open_services

SKILLS = """\
- id: learn-python
  title: Learn Python
  learn: [python]
- id: learn-sql
  title: Learn SQL
  learn: [sql]
- id: ship-project
  title: Ship a project
  learn: [portfolio-deployment]
  requires: [learn-python]
  replaces: old-project
"""

TRACK = """\
id: demo
title: Demo track
description: A small track for tests.
steps:
  - id: first
    title: First step
    skills: [learn-python, learn-sql]
  - id: second
    title: Second step
    skills:
      - ship-project
"""

ROLES = ("ml-engineer", "data-scientist", "mlops-engineer", "ai-engineer", "research-engineer")


@pytest.fixture(scope="module")
def bundled(bundled_knowledge: KnowledgeBase) -> TrackSet:
    return load_tracks(BUNDLED_KNOWLEDGE / "roadmaps", bundled_knowledge)


def write(tmp_path: Path, skills: str = SKILLS, track: str = TRACK, name: str = "demo") -> Path:
    """knowledge/roadmaps/<name>.yaml and knowledge/roadmaps/skills/basics.yaml."""
    directory = tmp_path / "knowledge" / "roadmaps"
    (directory / "skills").mkdir(parents=True, exist_ok=True)
    (directory / "skills" / "basics.yaml").write_text(skills)
    (directory / f"{name}.yaml").write_text(track)
    return directory


def issues_for(directory: Path, knowledge: KnowledgeBase | None) -> list[ValidationIssue]:
    with pytest.raises(DataFileError) as caught:
        load_tracks(directory, knowledge)
    return caught.value.issues


def only_issue(directory: Path, knowledge: KnowledgeBase | None) -> ValidationIssue:
    issues = issues_for(directory, knowledge)
    assert len(issues) == 1, issues
    return issues[0]


def where(issue: ValidationIssue) -> tuple[str, int, str | None, str | None]:
    return issue.file, issue.line, issue.entry_id, issue.field


SKILL_FILE = "knowledge/roadmaps/skills/basics.yaml"
TRACK_FILE = "knowledge/roadmaps/demo.yaml"


# ---- the bundled tracks -----------------------------------------------------------------------


def test_bundled_tracks_validate(bundled: TrackSet, bundled_knowledge: KnowledgeBase) -> None:
    assert bundled.ids() == [*ROLES, "portfolio", "networking"]
    assert [track.id for track in bundled.roles()] == list(ROLES)
    ml = bundled.get("ml-engineer")
    assert ml is not None and len(ml.steps) == 8 and len(ml) == 40
    assert ml.steps[6].title == "Apply and interview" and len(ml.steps[6].skills) == 7
    assert [step.optional for step in ml.steps].count(True) == 1  # further education
    for track in bundled:
        assert track.sources, track.id
        for _, skill in track.skills():
            assert all(entry_id in bundled_knowledge for entry_id in skill.learn)
    used = {skill.id for track in bundled for _, skill in track.skills()}
    assert used == {skill.id for skill in bundled.graph}  # no skill that no track uses


def test_role_tracks_are_whole_and_ordered(bundled: TrackSet) -> None:
    """Each role lists every prerequisite of its skills, before the skills that need them."""
    for role in bundled.roles():
        assert 20 <= len(role) <= 45, role.id
        seen: set[str] = set()
        for _, skill in role.skills():
            assert set(skill.requires) <= seen, (role.id, skill.id)
            seen.add(skill.id)


def test_shared_skills_are_defined_once_and_used_by_several_tracks(bundled: TrackSet) -> None:
    shared = {skill.id for skill in bundled.graph if len(bundled.using(skill.id)) > 1}
    repeated_before = {
        "deployed-project", "open-source-contribution", "linkedin-profile",
        "meetup-or-conference", "project-readmes", "supervised-project", "community-help",
    }  # fmt: skip
    assert repeated_before <= shared
    assert [t.id for t in bundled.using("linkedin-profile")] == [
        "ml-engineer",
        "data-scientist",
        "networking",
    ]


def test_new_role_tracks_teach_what_the_role_needs(bundled: TrackSet) -> None:
    def learned(track_id: str) -> set[str]:
        track = bundled.get(track_id)
        assert track is not None
        return {entry for _, skill in track.skills() for entry in skill.learn}

    assert {
        "what-is-rag", "what-is-vector-database", "what-are-ai-agents", "llm-engineer-interview",
        "llm-learning-resources", "model-serving",
    } <= learned("ai-engineer")  # fmt: skip
    assert {"rag-pipeline", "llm-evaluation", "ai-agent", "llm-fine-tuning", "llm-serving"} <= {
        skill.id
        for _, skill in bundled.get("ai-engineer").skills()  # type: ignore[union-attr]
    }
    assert {
        "experiment-tracking", "model-serving", "model-monitoring-drift", "pipeline-orchestration",
        "ci-cd-ml", "feature-stores",
    } <= learned("mlops-engineer")  # fmt: skip
    assert {"stats-ab-testing-interview", "sql-interview", "causal-inference-resources"} <= learned(
        "data-scientist"
    )
    assert {"research-engineer", "publishing-ml-papers", "research-engineer-interview"} <= learned(
        "research-engineer"
    )


def test_portfolio_and_networking_keep_their_shape(bundled: TrackSet) -> None:
    portfolio, networking = bundled.get("portfolio"), bundled.get("networking")
    assert portfolio is not None and networking is not None
    assert len(portfolio) == 7 and len(networking) == 5
    assert portfolio.role is None and networking.role is None
    learned = {entry for _, skill in portfolio.skills() for entry in skill.learn}
    assert {"portfolio-projects", "portfolio-deployment", "portfolio-documentation"} <= learned
    assert {"mentorship", "linkedin", "online-communities"} <= {
        entry for _, skill in networking.skills() for entry in skill.learn
    }
    readme = bundled.graph.owner("readme")  # the old portfolio item id
    assert readme is not None and readme.id == "project-readmes"


# ---- a good set ------------------------------------------------------------------------------


def test_a_good_set_loads(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    tracks = load_tracks(write(tmp_path), bundled_knowledge)
    demo = tracks.get("demo")
    assert demo is not None and len(demo) == 3 and demo.role is None
    ship = demo.skill("ship-project")
    assert ship is not None and ship.lineage == ("ship-project", "old-project")
    assert ship.requires == ("learn-python",)
    assert tracks.graph.owner("old-project") is ship and tracks.graph.owner("nope") is None
    step = demo.step_of("learn-sql")
    assert step is not None and step.id == "first"
    assert tracks.using("learn-sql") == (demo,)


def test_missing_directory_means_no_tracks(tmp_path: Path) -> None:
    assert len(load_tracks(tmp_path / "nowhere")) == 0


# ---- files and schema ---------------------------------------------------------------------------


def test_broken_yaml_names_the_line(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = SKILLS.replace("title: Learn SQL", "title: [Learn SQL")
    issue = only_issue(write(tmp_path, skills=broken), bundled_knowledge)
    assert issue.file == SKILL_FILE and issue.line >= 5 and "invalid YAML" in issue.message


def test_unknown_learn_id(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = SKILLS.replace("learn: [sql]", "learn: [sql, no-such-entry]")
    issue = only_issue(write(tmp_path, skills=broken), bundled_knowledge)
    assert where(issue) == (SKILL_FILE, 6, "learn-sql", "learn")
    assert str(issue) == (
        f"{SKILL_FILE}:6: learn-sql.learn: unknown knowledge entry 'no-such-entry'"
    )


def test_learn_ids_are_not_checked_without_a_knowledge_base(tmp_path: Path) -> None:
    broken = SKILLS.replace("learn: [sql]", "learn: [no-such-entry]")
    assert len(load_tracks(write(tmp_path, skills=broken))) == 1


def test_schema_errors_name_skill_and_field(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = SKILLS.replace("  title: Learn SQL\n", "").replace("learn: [python]", "learn: []")
    issues = issues_for(write(tmp_path, skills=broken), bundled_knowledge)
    assert {(i.line, i.entry_id, i.field) for i in issues} == {
        (3, "learn-python", "learn"),
        (4, "learn-sql", "title"),  # reported at the skill that lacks it
    }


def test_bad_skill_id_falls_back_to_the_position(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    skills = SKILLS.replace("- id: learn-sql", "- id: Learn_SQL")
    track = TRACK.replace("[learn-python, learn-sql]", "[learn-python]")
    issue = only_issue(write(tmp_path, skills, track), bundled_knowledge)
    assert where(issue) == (SKILL_FILE, 4, None, "1.id") and "kebab-case" in issue.message


def test_unknown_field_and_duplicate_key(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = SKILLS.replace("  learn: [sql]\n", "  learn: [sql]\n  colour: blue\n  learn: [sql]\n")
    issues = issues_for(write(tmp_path, skills=broken), bundled_knowledge)
    found = {(issue.line, issue.field, issue.message) for issue in issues}
    assert (7, "colour", "unknown field") in found
    assert (8, "learn", "duplicate key") in found


def test_files_must_have_the_right_shape(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    issues = issues_for(write(tmp_path, "id: not-a-list\n", "- a list\n"), bundled_knowledge)
    assert {(i.file, i.message) for i in issues} == {
        (SKILL_FILE, "a skill file must be a list"),
        (TRACK_FILE, "a track file must be a mapping"),
    }


def test_track_id_must_match_file_name(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    issue = only_issue(write(tmp_path, name="other"), bundled_knowledge)
    assert where(issue) == ("knowledge/roadmaps/other.yaml", 1, "demo", "id")
    assert issue.message == "must match the file name (other.yaml)"


# ---- the graph --------------------------------------------------------------------------------


def test_unknown_skill_in_a_track_suggests_the_closest(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = TRACK.replace("      - ship-project\n", "      - ship-project\n      - lern-sql\n")
    issues = issues_for(write(tmp_path, track=broken), bundled_knowledge)
    [issue] = [i for i in issues if i.field == "skills"]
    assert where(issue) == (TRACK_FILE, 12, "demo/second", "skills")
    assert issue.message == "unknown skill 'lern-sql' (did you mean 'learn-sql'?)"
    assert [i.message for i in issues if i is not issue] == []


def test_a_replaced_id_in_a_track_names_its_successor(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = TRACK.replace("      - ship-project\n", "      - old-project\n")
    issues = issues_for(write(tmp_path, track=broken), bundled_knowledge)
    messages = {(i.line, i.message) for i in issues}
    assert (11, "unknown skill 'old-project': it was replaced by 'ship-project'") in messages


def test_a_skill_twice_in_one_track(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = TRACK.replace("      - ship-project\n", "      - ship-project\n      - learn-sql\n")
    issue = only_issue(write(tmp_path, track=broken), bundled_knowledge)
    assert where(issue) == (TRACK_FILE, 12, "demo/second", "skills")
    assert issue.message == "'learn-sql' is already in this track (line 7)"


def test_duplicate_skill_ids_across_files(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    directory = write(tmp_path)
    (directory / "skills" / "more.yaml").write_text(
        "# another area\n- id: learn-sql\n  title: SQL again\n  learn: [sql]\n"
    )
    issue = only_issue(directory, bundled_knowledge)
    assert where(issue) == ("knowledge/roadmaps/skills/more.yaml", 2, "learn-sql", "id")
    assert issue.message == f"duplicate skill id (first at {SKILL_FILE}:4)"


def test_unknown_and_self_prerequisites(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = SKILLS.replace("requires: [learn-python]", "requires: [learn-pyton, ship-project]")
    issues = issues_for(write(tmp_path, skills=broken), bundled_knowledge)
    assert {(i.line, i.entry_id, i.field, i.message) for i in issues} == {
        (
            10,
            "ship-project",
            "requires",
            "unknown skill 'learn-pyton' (did you mean 'learn-python'?)",
        ),
        (10, "ship-project", "requires", "a skill cannot require itself"),
    }


def test_a_prerequisite_cycle_is_reported_once_with_its_path(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    cycle = SKILLS.replace(
        "  learn: [python]\n", "  learn: [python]\n  requires: learn-sql\n"
    ).replace("  learn: [sql]\n", "  learn: [sql]\n  requires: ship-project\n")
    issue = only_issue(write(tmp_path, skills=cycle), bundled_knowledge)
    assert where(issue) == (SKILL_FILE, 12, "ship-project", "requires")
    assert issue.message == (
        "prerequisite cycle: ship-project → learn-python → learn-sql → ship-project"
    )


def test_a_prerequisite_listed_later_in_the_track(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    later = TRACK.replace("[learn-python, learn-sql]", "[learn-sql]").replace(
        "      - ship-project\n", "      - ship-project\n      - learn-python\n"
    )
    issue = only_issue(write(tmp_path, track=later), bundled_knowledge)
    assert where(issue) == (TRACK_FILE, 11, "demo/second", "skills")
    assert issue.message == (
        "'ship-project' requires 'learn-python', which comes later in this track (line 12); "
        "list prerequisites first"
    )


def test_a_prerequisite_may_live_in_another_track_but_not_for_a_role(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    other = TRACK.replace("[learn-python, learn-sql]", "[learn-sql]")
    basics = "id: basics\ntitle: Basics\ndescription: x\nsteps:\n"
    basics += "  - {id: only, title: Only, skills: [learn-python]}\n"
    directory = write(tmp_path, track=other)
    (directory / "basics.yaml").write_text(basics)
    assert len(load_tracks(directory, bundled_knowledge)) == 2
    (directory / "demo.yaml").write_text(
        other.replace("title: Demo track", "role: Demo role\ntitle: Demo track")
    )
    issue = only_issue(directory, bundled_knowledge)
    assert where(issue) == (TRACK_FILE, 12, "demo/second", "skills")
    assert "'ship-project' requires 'learn-python', which this role track does not list" in (
        issue.message
    )


def test_a_skill_no_track_uses(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    unused = SKILLS + "- id: forgotten\n  title: Forgotten\n  learn: [sql]\n"
    issue = only_issue(write(tmp_path, skills=unused), bundled_knowledge)
    assert where(issue) == (SKILL_FILE, 12, "forgotten", None)
    assert issue.message == "no track uses this skill; add it to a track's steps or remove it"


def test_replaces_must_name_a_removed_skill_once(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    live = SKILLS.replace("replaces: old-project", "replaces: learn-sql")
    issue = only_issue(write(tmp_path, skills=live), bundled_knowledge)
    assert where(issue) == (SKILL_FILE, 11, "ship-project", "replaces")
    assert "'learn-sql' is still a skill" in issue.message

    twice = SKILLS.replace("replaces: old-project", "replaces: [ship-project]").replace(
        "  learn: [sql]\n", "  learn: [sql]\n  replaces: [gone, gone]\n"
    )
    messages = sorted(i.message for i in issues_for(write(tmp_path, skills=twice), None))
    assert messages == [
        f"'gone' is already replaced by 'learn-sql' ({SKILL_FILE}:7); its progress can carry "
        "over to one skill only",
        "a skill cannot replace itself",
    ]


def test_every_problem_in_every_file_at_once(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    directory = write(tmp_path, skills=SKILLS.replace("learn: [sql]", "learn: [nope]"))
    (directory / "second.yaml").write_text("id: second\n")
    issues = issues_for(directory, bundled_knowledge)
    assert {issue.file for issue in issues} == {SKILL_FILE, "knowledge/roadmaps/second.yaml"}


# ---- kb validate, start-up and reload -----------------------------------------------------------


def copy_bundled(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, target)
    return target


def test_kb_validate_covers_skills_and_tracks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["kb", "validate"]) == 0
    assert "7 roadmap tracks" in capsys.readouterr().out
    knowledge = copy_bundled(tmp_path)
    skills = knowledge / "roadmaps" / "skills" / "career.yaml"
    skills.write_text(skills.read_text().replace("learn: [kaggle]", "learn: [kagle]"))
    assert run_cli(["kb", "validate", str(knowledge)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/roadmaps/skills/career.yaml:" in err
    assert "kaggle-competition.learn: unknown knowledge entry 'kagle'" in err


def test_kb_validate_reports_a_cycle_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = copy_bundled(tmp_path)
    skills = knowledge / "roadmaps" / "skills" / "foundations.yaml"
    text = skills.read_text()
    skills.write_text(
        text.replace(
            "  learn: [calculus]\n", "  learn: [calculus]\n  requires: data-structures\n"
        ).replace(
            "  requires: python-fluency\n", "  requires: [python-fluency, calculus-gradients]\n", 1
        )
    )
    assert run_cli(["kb", "validate", str(knowledge)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/roadmaps/skills/foundations.yaml:" in err
    assert "prerequisite cycle: calculus-gradients → data-structures → calculus-gradients" in err


def test_kb_validate_reports_knowledge_and_track_errors_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = copy_bundled(tmp_path)
    (knowledge / "roles.yaml").write_text("- id: Bad Id\n")
    (knowledge / "roadmaps" / "networking.yaml").write_text("id: networking\n")
    assert run_cli(["kb", "validate", str(knowledge)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/roles.yaml:1" in err
    assert "knowledge/roadmaps/networking.yaml:1: networking.title: required field" in err


async def test_start_up_refuses_invalid_tracks(tmp_path: Path) -> None:
    knowledge = copy_bundled(tmp_path)
    (knowledge / "roadmaps" / "networking.yaml").write_text("id: networking\n")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", knowledge_dir=knowledge
    )
    with pytest.raises(DataFileError, match=r"networking\.yaml"):
        await open_services(settings)


async def test_reload_keeps_the_old_tracks_on_a_cycle_or_unknown_id(
    settings: Settings, tmp_path: Path
) -> None:
    knowledge = copy_bundled(tmp_path)
    services = await open_services(dataclasses.replace(settings, knowledge_dir=knowledge))
    try:
        old = services.roadmaps.tracks
        track = knowledge / "roadmaps" / "ai-engineer.yaml"
        good = track.read_text()
        track.write_text(good.replace("[llm-evaluation, llm-guardrails]", "[llm-evals]"))
        with pytest.raises(DataFileError) as caught:
            await services.reload_content()
        assert any(
            issue.file == "knowledge/roadmaps/ai-engineer.yaml"
            and issue.message.startswith("unknown skill 'llm-evals' (did you mean")
            for issue in caught.value.issues
        ), caught.value.issues
        assert services.roadmaps.tracks is old
        await services.roadmaps.set_status(5, "ai-engineer", "llm-evaluation", "done")  # served

        track.write_text(good)
        skills = knowledge / "roadmaps" / "skills" / "llm-apps.yaml"
        good_skills = skills.read_text()
        skills.write_text(  # serving needs monitoring, which needs serving: a cycle
            good_skills.replace(
                "  requires: [llm-basics, docker-model]\n",
                "  requires: [llm-basics, docker-model, llm-production-monitoring]\n",
            ).replace(
                "  requires: llm-evaluation\n\n- id: transformer",
                "  requires: [llm-evaluation, llm-serving]\n\n- id: transformer",
            )
        )
        with pytest.raises(DataFileError, match=r"skills/llm-apps\.yaml:\d+: .*prerequisite cycle"):
            await services.reload_content()
        assert services.roadmaps.tracks is old

        skills.write_text(good_skills)
        assert (await services.reload_content()).tracks is services.roadmaps.tracks
        assert services.roadmaps.tracks is not old
    finally:
        await services.close()
