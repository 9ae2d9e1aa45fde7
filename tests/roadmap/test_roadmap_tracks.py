"""Roadmap track files: the bundled tracks validate, and broken ones are reported precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.knowledge import DataFileError, KnowledgeBase, ValidationIssue
from bot.roadmap.tracks import load_tracks
from bot.services import open_services

GOOD_TRACK = """\
id: demo
title: Demo track
description: A small track for tests.
steps:
  - id: first
    title: First step
    items:
      - id: learn-python
        title: Learn Python
        learn: [python]
      - id: learn-sql
        title: Learn SQL
        learn: [sql]
  - id: second
    title: Second step
    items:
      - id: ship-project
        title: Ship a project
        learn: [portfolio-deployment]
        replaces: old-project
"""


def write_track(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    directory = tmp_path / "knowledge" / "roadmaps"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def issues_for(directory: Path, knowledge: KnowledgeBase) -> list[ValidationIssue]:
    with pytest.raises(DataFileError) as caught:
        load_tracks(directory, knowledge)
    return caught.value.issues


def only_issue(directory: Path, knowledge: KnowledgeBase) -> ValidationIssue:
    issues = issues_for(directory, knowledge)
    assert len(issues) == 1, issues
    return issues[0]


def test_bundled_tracks_validate(bundled_knowledge: KnowledgeBase) -> None:
    tracks = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps", bundled_knowledge)
    assert tracks.ids() == ["ml-engineer", "portfolio", "networking"]
    ml = tracks.get("ml-engineer")
    assert ml is not None and len(ml.steps) == 8
    assert all(2 <= len(step.items) <= 8 for step in ml.steps)
    assert [step.optional for step in ml.steps].count(True) == 1  # further education
    for track in tracks:
        assert track.sources, track.id
        for _, item in track.items():
            assert all(entry_id in bundled_knowledge for entry_id in item.learn)


def test_portfolio_and_networking_cover_the_issue(bundled_knowledge: KnowledgeBase) -> None:
    tracks = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps", bundled_knowledge)
    portfolio, networking = tracks.get("portfolio"), tracks.get("networking")
    assert portfolio is not None and networking is not None
    learned = {entry for _, item in portfolio.items() for entry in item.learn}
    assert {"portfolio-projects", "portfolio-deployment", "portfolio-documentation"} <= learned
    assert {"kaggle", "open-source"} <= learned
    assert len(portfolio) == 7 and len(networking) == 5
    assert {"mentorship", "linkedin", "online-communities"} <= {
        entry for _, item in networking.items() for entry in item.learn
    }


def test_a_good_track_loads(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    tracks = load_tracks(write_track(tmp_path, GOOD_TRACK), bundled_knowledge)
    demo = tracks.get("demo")
    assert demo is not None and len(demo) == 3
    ship = demo.item("ship-project")
    assert ship is not None and ship.lineage == ("ship-project", "old-project")
    assert demo.step_of("learn-sql") is not None and demo.step_of("learn-sql").id == "first"


def test_missing_directory_means_no_tracks(tmp_path: Path) -> None:
    assert len(load_tracks(tmp_path / "nowhere")) == 0


def test_broken_yaml_names_the_line(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = GOOD_TRACK.replace("title: Learn SQL", "title: [Learn SQL")
    issue = only_issue(write_track(tmp_path, broken), bundled_knowledge)
    assert issue.file == "knowledge/roadmaps/demo.yaml"
    assert issue.line >= 13 and "invalid YAML" in issue.message


def test_unknown_learn_id(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = GOOD_TRACK.replace("learn: [sql]", "learn: [sql, no-such-entry]")
    issue = only_issue(write_track(tmp_path, broken), bundled_knowledge)
    assert (issue.file, issue.line, issue.entry_id, issue.field) == (
        "knowledge/roadmaps/demo.yaml",
        13,
        "demo/learn-sql",
        "learn",
    )
    assert "no-such-entry" in issue.message
    assert str(issue).startswith("knowledge/roadmaps/demo.yaml:13: demo/learn-sql.learn: ")


def test_learn_ids_are_not_checked_without_a_knowledge_base(tmp_path: Path) -> None:
    broken = GOOD_TRACK.replace("learn: [sql]", "learn: [no-such-entry]")
    assert len(load_tracks(write_track(tmp_path, broken))) == 1


def test_schema_errors_name_item_and_field(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = GOOD_TRACK.replace("        title: Learn SQL\n", "").replace(
        "learn: [python]", "learn: []"
    )
    issues = issues_for(write_track(tmp_path, broken), bundled_knowledge)
    found = {(issue.line, issue.entry_id, issue.field) for issue in issues}
    assert (10, "demo/learn-python", "learn") in found
    assert (11, "demo/learn-sql", "title") in found  # reported at the item that lacks it


def test_bad_item_id_falls_back_to_the_path(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = GOOD_TRACK.replace("id: learn-sql", "id: Learn_SQL")
    issue = only_issue(write_track(tmp_path, broken), bundled_knowledge)
    assert (issue.line, issue.entry_id, issue.field) == (11, "demo/first", "items.1.id")
    assert "kebab-case" in issue.message


def test_unknown_field_and_duplicate_key(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = GOOD_TRACK.replace(
        "        learn: [sql]\n",
        "        learn: [sql]\n        colour: blue\n        learn: [sql]\n",
    )
    issues = issues_for(write_track(tmp_path, broken), bundled_knowledge)
    messages = {(issue.line, issue.field, issue.message) for issue in issues}
    assert (14, "colour", "unknown field") in {(m[0], m[1], m[2]) for m in messages}
    assert (15, "learn", "duplicate key") in messages


def test_duplicate_item_ids_across_steps(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    broken = GOOD_TRACK.replace("id: ship-project", "id: learn-python")
    issue = only_issue(write_track(tmp_path, broken), bundled_knowledge)
    assert (issue.line, issue.entry_id, issue.field) == (17, "demo/learn-python", "id")
    assert "duplicate item id (first at line 8)" in issue.message


def test_replaces_must_not_name_a_live_item(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = GOOD_TRACK.replace("replaces: old-project", "replaces: learn-sql")
    issue = only_issue(write_track(tmp_path, broken), bundled_knowledge)
    assert (issue.line, issue.entry_id, issue.field) == (20, "demo/ship-project", "replaces")
    assert "still an item" in issue.message


def test_items_replacing_each_other_are_rejected(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    cycle = GOOD_TRACK.replace("replaces: old-project", "replaces: learn-sql").replace(
        "        learn: [sql]\n", "        learn: [sql]\n        replaces: ship-project\n"
    )
    issues = issues_for(write_track(tmp_path, cycle), bundled_knowledge)
    assert {(issue.entry_id, issue.field) for issue in issues} == {
        ("demo/learn-sql", "replaces"),
        ("demo/ship-project", "replaces"),
    }


def test_replaces_itself_and_twice_claimed(
    tmp_path: Path, bundled_knowledge: KnowledgeBase
) -> None:
    broken = GOOD_TRACK.replace("replaces: old-project", "replaces: [ship-project]").replace(
        "        learn: [sql]\n", "        learn: [sql]\n        replaces: [gone, gone]\n"
    )
    issues = issues_for(write_track(tmp_path, broken), bundled_knowledge)
    messages = sorted(issue.message for issue in issues)
    assert len(messages) == 2
    assert "already replaced by 'learn-sql' (line 14)" in messages[0]
    assert messages[1] == "an item cannot replace itself"


def test_track_id_must_match_file_name(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    issue = only_issue(write_track(tmp_path, GOOD_TRACK, "other.yaml"), bundled_knowledge)
    assert (issue.file, issue.line, issue.entry_id, issue.field) == (
        "knowledge/roadmaps/other.yaml",
        1,
        "demo",
        "id",
    )


def test_a_track_must_be_a_mapping(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    issue = only_issue(write_track(tmp_path, "- just\n- a list\n"), bundled_knowledge)
    assert issue.message == "a track file must be a mapping"


def test_every_file_is_reported_at_once(tmp_path: Path, bundled_knowledge: KnowledgeBase) -> None:
    directory = write_track(tmp_path, GOOD_TRACK.replace("learn: [sql]", "learn: [nope]"))
    write_track(tmp_path, "id: second\n", "second.yaml")
    files = {issue.file for issue in issues_for(directory, bundled_knowledge)}
    assert files == {"knowledge/roadmaps/demo.yaml", "knowledge/roadmaps/second.yaml"}


def copy_bundled(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, target)
    return target


def test_kb_validate_covers_tracks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "validate"]) == 0
    assert "3 roadmap tracks" in capsys.readouterr().out
    knowledge = copy_bundled(tmp_path)
    track = knowledge / "roadmaps" / "portfolio.yaml"
    track.write_text(track.read_text().replace("learn: [kaggle]", "learn: [kagle]"))
    assert run_cli(["kb", "validate", str(knowledge)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/roadmaps/portfolio.yaml:" in err
    assert "portfolio/kaggle-competition.learn: unknown knowledge entry 'kagle'" in err


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
