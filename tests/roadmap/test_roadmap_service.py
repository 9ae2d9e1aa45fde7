"""RoadmapService on a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import BUNDLED_KNOWLEDGE
from bot.db.engine import DatabaseUnavailable, create_engine, session_factory
from bot.db.models import SkillProgress, User
from bot.discord.limits import CHOICES_MAX
from bot.roadmap.fit import next_missing
from bot.roadmap.progress import OPEN, read_progress
from bot.roadmap.service import Changed, RoadmapError, RoadmapService
from bot.roadmap.tracks import load_tracks
from bot.services import Services

ALICE, BOB = 111, 222
ROLES = ["ml-engineer", "data-scientist", "mlops-engineer", "ai-engineer", "research-engineer"]


async def count(services: Services, model: type, **where: object) -> int:
    async with services.sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


async def stored(services: Services, user_id: int) -> dict[str, tuple[str, str | None]]:
    """skill id -> (status, marked_in) as stored."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(SkillProgress.skill_id, SkillProgress.status, SkillProgress.marked_in).where(
                SkillProgress.user_id == user_id
            )
        )
        return {skill: (status, marked) for skill, status, marked in rows}


async def test_open_services_loads_the_bundled_tracks(services: Services) -> None:
    assert services.roadmaps.tracks.ids() == [*ROLES, "portfolio", "networking"]


async def test_a_new_member_sees_everything_to_do(services: Services) -> None:
    view = await services.roadmaps.view(ALICE, "ml-engineer")
    assert (view.done, view.counted, view.total, view.percent) == (0, 40, 40, 0)
    assert all(
        skill.status == "todo" and skill.changed_at is None and skill.elsewhere is None
        for step in view.steps
        for skill in step.skills
    )
    assert await count(services, User) == 0  # reading stores nothing


async def test_set_status_and_percentages(services: Services) -> None:
    roadmaps = services.roadmaps
    for skill_id in ("supervised-project", "unsupervised-project", "project-readmes"):
        await roadmaps.set_status(ALICE, "portfolio", skill_id, "done")
    await roadmaps.set_status(ALICE, "portfolio", "blog-post", "skipped")
    await roadmaps.set_status(ALICE, "portfolio", "kaggle-competition", "doing")
    view = await roadmaps.view(ALICE, "portfolio")
    assert [(s.step.id, s.done, s.counted, s.percent) for s in view.steps] == [
        ("projects", 2, 3, 66),
        ("presentation", 1, 1, 100),  # a skipped skill does not count
        ("community", 0, 2, 0),
    ]
    assert (view.done, view.counted, view.total, view.percent) == (3, 6, 7, 50)
    kaggle = view.skill("kaggle-competition")
    assert kaggle is not None and kaggle.status == "doing" and kaggle.changed_at is not None
    assert kaggle.changed_at.tzinfo is not None and kaggle.elsewhere is None
    assert (await roadmaps.view(BOB, "portfolio")).done == 0  # progress is per member
    assert await count(services, User) == 1
    assert await count(services, SkillProgress, user_id=ALICE) == 5


async def test_a_skill_shows_in_every_track_that_lists_it(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "portfolio", "deployed-project", "done")
    await roadmaps.set_status(ALICE, "networking", "linkedin-profile", "doing")
    ml = await roadmaps.view(ALICE, "ml-engineer")
    deployed, linkedin = ml.skill("deployed-project"), ml.skill("linkedin-profile")
    assert deployed is not None and deployed.status == "done"
    assert deployed.elsewhere == "Build your ML portfolio"  # marked in another track
    assert linkedin is not None and linkedin.status == "doing"
    assert linkedin.elsewhere == "Grow your ML network"
    assert ml.done == 1 and ml.marked == 0 and ml.marked_elsewhere == 2
    portfolio = await roadmaps.view(ALICE, "portfolio")
    assert portfolio.skill("deployed-project").elsewhere is None  # type: ignore[union-attr]
    assert portfolio.marked == 1
    # one row per skill, whichever track it is marked in
    await roadmaps.set_status(ALICE, "ml-engineer", "deployed-project", "doing")
    assert await stored(services, ALICE) == {
        "deployed-project": ("doing", "ml-engineer"),
        "linkedin-profile": ("doing", "networking"),
    }
    moved = (await roadmaps.view(ALICE, "portfolio")).skill("deployed-project")
    assert moved is not None and moved.elsewhere == "Become an ML engineer"


async def test_changing_a_status_updates_the_same_row(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "doing")
    first = (await roadmaps.view(ALICE, "networking")).skill("mentor")
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    second = (await roadmaps.view(ALICE, "networking")).skill("mentor")
    assert first is not None and second is not None and second.status == "done"
    assert first.changed_at is not None and second.changed_at is not None
    assert second.changed_at >= first.changed_at
    assert await count(services, SkillProgress) == 1


async def test_an_old_item_id_is_written_under_its_skill(services: Services) -> None:
    skill = await services.roadmaps.set_status(ALICE, "portfolio", "readme", "done")
    assert skill.id == "project-readmes"  # `replaces: readme`
    assert await stored(services, ALICE) == {"project-readmes": ("done", "portfolio")}


async def test_undo_goes_back_to_todo(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    await roadmaps.undo(ALICE, "networking", "mentor")
    view = await roadmaps.view(ALICE, "networking")
    mentor = view.skill("mentor")
    assert mentor is not None and mentor.status == "todo" and mentor.changed_at is not None
    assert view.done == 0


async def test_reset_clears_what_was_marked_in_the_track(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    await roadmaps.set_status(ALICE, "networking", "blog-post", "skipped")  # portfolio has it too
    await roadmaps.set_status(ALICE, "ml-engineer", "linkedin-profile", "done")  # and networking
    await roadmaps.set_status(ALICE, "portfolio", "project-readmes", "done")
    await roadmaps.set_status(BOB, "networking", "mentor", "done")
    assert await roadmaps.reset(ALICE, "networking") == 2
    networking = await roadmaps.view(ALICE, "networking")
    assert networking.done == 1 and networking.marked == 0  # LinkedIn, ticked elsewhere, stays
    assert (await roadmaps.view(ALICE, "portfolio")).skill("blog-post").status == "todo"  # type: ignore[union-attr]
    assert (await roadmaps.view(ALICE, "portfolio")).done == 1
    assert (await roadmaps.view(BOB, "networking")).done == 1
    assert await roadmaps.reset(ALICE, "networking") == 0


async def test_next_item_prefers_the_skill_in_progress(services: Services) -> None:
    roadmaps = services.roadmaps
    first = await roadmaps.next_item(ALICE, "ml-engineer")
    assert first is not None and first.skill.id == "linear-algebra-course"
    assert [entry.id for entry in first.entries] == [
        "linear-algebra",
        "math-foundations",
        "math-refresher-resources",
    ]
    await roadmaps.set_status(ALICE, "ml-engineer", "linear-algebra-course", "done")
    following = await roadmaps.next_item(ALICE, "ml-engineer")
    assert following is not None and following.skill.id == "statistics-probability"
    await roadmaps.set_status(ALICE, "ml-engineer", "docker-model", "doing")
    started = await roadmaps.next_item(ALICE, None)  # the track changed last
    assert started is not None and started.skill.id == "docker-model"
    assert started.step.id == "tools" and started.status == "doing"


async def test_next_item_is_none_when_everything_is_done_or_skipped(services: Services) -> None:
    roadmaps = services.roadmaps
    track = roadmaps.track("networking")
    for index, (_, skill) in enumerate(track.skills()):
        await roadmaps.set_status(ALICE, "networking", skill.id, "skipped" if index else "done")
    assert await roadmaps.next_item(ALICE, "networking") is None
    assert (await roadmaps.view(ALICE, "networking")).percent == 100


async def test_default_track_is_the_last_one_changed(services: Services) -> None:
    roadmaps = services.roadmaps
    assert (await roadmaps.default_track(ALICE)).id == "ml-engineer"
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    assert (await roadmaps.default_track(ALICE)).id == "networking"
    await roadmaps.set_status(ALICE, "portfolio", "project-readmes", "doing")
    assert (await roadmaps.view(ALICE)).track.id == "portfolio"


async def test_unknown_track_item_and_status(services: Services) -> None:
    roadmaps = services.roadmaps
    with pytest.raises(RoadmapError, match="no roadmap 'nope'"):
        await roadmaps.view(ALICE, "nope")
    with pytest.raises(RoadmapError, match="Did you mean: ai-engineer"):
        await roadmaps.view(ALICE, "ai-engineers")
    with pytest.raises(RoadmapError, match="has no item 'nope'"):
        await roadmaps.set_status(ALICE, "portfolio", "nope", "done")
    with pytest.raises(RoadmapError, match="has no item 'mentor'"):  # a skill, not of this track
        await roadmaps.set_status(ALICE, "portfolio", "mentor", "done")
    with pytest.raises(RoadmapError, match="Unknown status"):
        await roadmaps.set_status(ALICE, "portfolio", "project-readmes", "finished")
    assert await count(services, User) == 0


async def test_marking_without_prerequisites_is_allowed_with_a_note(services: Services) -> None:
    roadmaps = services.roadmaps
    changed = await roadmaps.mark(ALICE, "ai-engineer:llm-fine-tuning", "done")
    assert isinstance(changed, Changed) and changed.choice.skill.id == "llm-fine-tuning"
    assert [skill.id for skill in changed.missing] == ["deep-learning-framework", "llm-evaluation"]
    assert (await roadmaps.view(ALICE, "ai-engineer")).skill("llm-fine-tuning").status == "done"  # type: ignore[union-attr]
    await roadmaps.set_status(ALICE, "ai-engineer", "deep-learning-framework", "done")
    await roadmaps.set_status(ALICE, "ai-engineer", "llm-evaluation", "skipped")
    undone = await roadmaps.mark(ALICE, "llm-fine-tuning", "todo")
    assert isinstance(undone, Changed) and undone.missing == ()  # undo never nags
    again = await roadmaps.mark(ALICE, "llm-fine-tuning", "doing")
    assert isinstance(again, Changed) and again.missing == ()  # done or skipped: settled


async def test_search_is_fuzzy_lists_a_shared_skill_once_and_ranks_open_first(
    services: Services,
) -> None:
    roadmaps = services.roadmaps
    hits = await roadmaps.search(ALICE, "linear algbra")
    assert hits[0].skill.id == "linear-algebra-course" and hits[0].status == "todo"
    assert hits[0].value == "ml-engineer:linear-algebra-course"
    assert hits[0].label.startswith("○ Finish a linear algebra course")
    assert hits[0].label.endswith("· Become an ML engineer +2")  # also data science, research
    await roadmaps.set_status(ALICE, "portfolio", "deployed-project", "done")
    deployed = await roadmaps.search(ALICE, "deployed project")
    assert [hit.skill.id for hit in deployed].count("deployed-project") == 1
    done = next(hit for hit in deployed if hit.skill.id == "deployed-project")
    assert done.status == "done" and done.value == "portfolio:deployed-project"  # current track
    projects = await roadmaps.search(ALICE, "project")
    place = [hit.skill.id for hit in projects].index("deployed-project")
    assert place > 0 and all(hit.status in OPEN for hit in projects[:place])  # done: lower
    undo = await roadmaps.search(ALICE, "deployed project", wanted={"done", "doing", "skipped"})
    assert undo[0].value == "portfolio:deployed-project"


async def test_search_lists_at_most_25_and_respects_a_track(services: Services) -> None:
    roadmaps = services.roadmaps
    everything = await roadmaps.search(ALICE, "", limit=CHOICES_MAX)
    assert len(everything) == CHOICES_MAX
    assert len({hit.skill.id for hit in everything}) == CHOICES_MAX
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    networking = await roadmaps.search(ALICE, "", "networking")
    assert [hit.skill.id for hit in networking][-1] == "mentor"  # open skills first
    assert all(hit.status in OPEN for hit in networking[:-1])
    assert all(hit.track.id == "networking" for hit in networking)
    assert all(len(hit.value) <= 100 for hit in everything)
    assert await roadmaps.search(ALICE, "zzzzqqqq") == []


async def test_resolve(services: Services) -> None:
    roadmaps = services.roadmaps
    old_id = (await roadmaps.resolve(ALICE, "readme")).choice  # an id a skill replaces
    assert old_id is not None and old_id.skill.id == "project-readmes"
    sure = await roadmaps.resolve(ALICE, "Package a trained model in a Docker container")
    assert sure.choice is not None and sure.choice.skill.id == "docker-model"
    typo = await roadmaps.resolve(ALICE, "find a mentr")
    assert typo.choice is not None and typo.choice.skill.id == "mentor"
    shared = await roadmaps.resolve(ALICE, "linkedin-profile")  # one skill, three tracks
    assert shared.choice is not None and shared.choice.value == "networking:linkedin-profile"
    assert [t.id for t in shared.choice.others] == ["ml-engineer", "data-scientist"]  # a topic
    # track first, unless the member is working in a track that lists it
    await roadmaps.set_status(ALICE, "data-scientist", "python-fluency", "doing")
    current = await roadmaps.resolve(ALICE, "linkedin-profile")
    assert current.choice is not None and current.choice.value == "data-scientist:linkedin-profile"
    picked = await roadmaps.resolve(ALICE, "ml-engineer:linkedin-profile")
    assert picked.choice is not None and picked.choice.track.id == "ml-engineer"
    assert (await roadmaps.resolve(ALICE, "linkedin-profile", "networking")).choice is not None
    assert (await roadmaps.resolve(ALICE, "nope:readme")).choice is None
    vague = await roadmaps.resolve(ALICE, "project")
    assert vague.choice is None and 1 < len(vague.candidates) <= 5


async def test_find_track_by_id_title_or_role(services: Services) -> None:
    roadmaps = services.roadmaps
    found = {
        text: getattr(roadmaps.find_track(text), "id", None)
        for text in (
            "ml engineer", "portfolo", "Grow your ML network", "data scientist", "AI engineer",
            "research engineer", "mlops", "cooking",
        )
    }  # fmt: skip
    assert found == {
        "ml engineer": "ml-engineer",
        "portfolo": "portfolio",
        "Grow your ML network": "networking",
        "data scientist": "data-scientist",
        "AI engineer": "ai-engineer",
        "research engineer": "research-engineer",
        "mlops": "mlops-engineer",
        "cooking": None,
    }
    assert [t.id for t in roadmaps.closest_tracks("engineer")][:2] == [
        "ml-engineer",
        "mlops-engineer",
    ]
    assert roadmaps.closest_tracks("cooking") == []
    assert roadmaps.unknown_track("cooking").endswith(
        "Tracks: ml-engineer, data-scientist, mlops-engineer, ai-engineer, research-engineer, "
        "portfolio, networking."
    )


async def test_fit_shares_and_next_missing_skills_prerequisites_first(services: Services) -> None:
    roadmaps = services.roadmaps
    empty = await roadmaps.fit(ALICE)
    assert [fit.view.track.id for fit in empty.roles] == ROLES  # all 0%: display order
    assert not empty.started and all(fit.percent == 0 for fit in empty.roles)
    for skill_id in ("python-fluency", "statistics-probability", "sql-data-prep"):
        await roadmaps.set_status(ALICE, "data-scientist", skill_id, "done")
    await roadmaps.set_status(ALICE, "ai-engineer", "rag-pipeline", "done")  # ahead of itself
    report = await roadmaps.fit(ALICE)
    shares = {fit.view.track.id: (fit.view.done, fit.view.counted) for fit in report.roles}
    assert shares == {
        "ml-engineer": (3, 40),
        "data-scientist": (3, 31),
        "mlops-engineer": (3, 28),
        "ai-engineer": (4, 29),
        "research-engineer": (2, 24),
    }
    assert [fit.role for fit in report.roles] == [
        "AI engineer", "MLOps engineer", "Data scientist", "Research engineer", "ML engineer"
    ]  # fmt: skip
    ai = report.roles[0]
    assert [m.skill.id for m in ai.missing] == [
        "tested-python",
        "data-structures",
        "git-experiment-tracking",
    ]
    data = next(fit for fit in report.roles if fit.view.track.id == "data-scientist")
    assert [m.skill.id for m in data.missing] == [
        "linear-algebra-course",
        "exploratory-analysis",
        "sql-analytics",
    ]
    assert [m.entry.id if m.entry else None for m in data.missing] == [
        "linear-algebra",
        "data-analyst",
        "sql-interview",
    ]  # the first entry that teaches each


async def test_next_missing_skills_put_missing_prerequisites_first(services: Services) -> None:
    """Prerequisites come first, recursively, even from outside the track (a portfolio
    project needs the ML skill behind it); done or skipped ones need nothing more."""
    roadmaps = services.roadmaps
    graph = roadmaps.tracks.graph
    portfolio = await roadmaps.view(ALICE, "portfolio")
    progress = read_progress(graph, [])
    assert [s.id for s in next_missing(portfolio, progress, graph, 4)] == [
        "python-fluency",
        "statistics-probability",
        "supervised-learning",
        "supervised-project",
    ]
    await roadmaps.set_status(ALICE, "ml-engineer", "python-fluency", "done")
    await roadmaps.set_status(ALICE, "ml-engineer", "supervised-learning", "skipped")
    await roadmaps.set_status(ALICE, "portfolio", "supervised-project", "doing")
    portfolio = await roadmaps.view(ALICE, "portfolio")
    rows = [
        (skill_id, status, None, None)
        for skill_id, (status, _) in (await stored(services, ALICE)).items()
    ]
    progress = read_progress(graph, rows)
    assert [s.id for s in next_missing(portfolio, progress, graph, 3)] == [
        "supervised-project",  # in progress, its prerequisite settled
        "linear-algebra-course",
        "unsupervised-learning",
    ]


async def test_fit_counts_like_view_and_skips_settled_skills(services: Services) -> None:
    roadmaps = services.roadmaps
    research = roadmaps.track("research-engineer")
    everything = [skill.id for _, skill in research.skills()]
    for skill_id in everything:
        if skill_id not in ("deep-learning-basics", "train-model-end-to-end", "mentor"):
            await roadmaps.set_status(ALICE, "research-engineer", skill_id, "done")
    await roadmaps.set_status(ALICE, "research-engineer", "deep-learning-basics", "skipped")
    report = await roadmaps.fit(ALICE)
    fit = report.roles[0]
    assert fit.view.track.id == research.id and report.started
    assert [m.skill.id for m in fit.missing] == ["train-model-end-to-end", "mentor"]
    assert (fit.view.done, fit.view.counted) == (len(everything) - 3, len(everything) - 1)
    assert fit.percent == fit.view.percent == (await roadmaps.view(ALICE, research.id)).percent


async def test_an_unreachable_server_is_one_clear_error() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    roadmaps = RoadmapService(load_tracks(BUNDLED_KNOWLEDGE / "roadmaps"), session_factory(engine))
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot use database"):
            await roadmaps.view(ALICE, "networking")
        with pytest.raises(DatabaseUnavailable):
            await roadmaps.fit(ALICE)
        with pytest.raises(DatabaseUnavailable):
            await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    finally:
        await engine.dispose()
