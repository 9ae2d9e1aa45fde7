"""RoadmapService on a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import BUNDLED_KNOWLEDGE
from bot.db.engine import DatabaseUnavailable, create_engine, session_factory
from bot.db.models import RoadmapProgress, User
from bot.discord.limits import CHOICES_MAX
from bot.roadmap.progress import OPEN
from bot.roadmap.service import RoadmapError, RoadmapService
from bot.roadmap.tracks import load_tracks
from bot.services import Services

ALICE, BOB = 111, 222


async def count(services: Services, model: type, **where: object) -> int:
    async with services.sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


async def test_open_services_loads_the_bundled_tracks(services: Services) -> None:
    assert services.roadmaps.tracks.ids() == ["ml-engineer", "portfolio", "networking"]


async def test_a_new_member_sees_everything_to_do(services: Services) -> None:
    view = await services.roadmaps.view(ALICE, "ml-engineer")
    assert (view.done, view.counted, view.total, view.percent) == (0, 39, 39, 0)
    assert all(
        item.status == "todo" and item.changed_at is None
        for step in view.steps
        for item in step.items
    )
    assert await count(services, User) == 0  # reading stores nothing


async def test_set_status_and_percentages(services: Services) -> None:
    roadmaps = services.roadmaps
    for item_id in ("supervised-project", "unsupervised-project", "readme"):
        await roadmaps.set_status(ALICE, "portfolio", item_id, "done")
    await roadmaps.set_status(ALICE, "portfolio", "blog-post", "skipped")
    await roadmaps.set_status(ALICE, "portfolio", "kaggle-competition", "doing")
    view = await roadmaps.view(ALICE, "portfolio")
    assert [(s.step.id, s.done, s.counted, s.percent) for s in view.steps] == [
        ("projects", 2, 3, 66),
        ("presentation", 1, 1, 100),  # a skipped item does not count
        ("community", 0, 2, 0),
    ]
    assert (view.done, view.counted, view.total, view.percent) == (3, 6, 7, 50)
    kaggle = view.item("kaggle-competition")
    assert kaggle is not None and kaggle.status == "doing" and kaggle.changed_at is not None
    assert kaggle.changed_at.tzinfo is not None
    # progress is per user and per track
    assert (await roadmaps.view(BOB, "portfolio")).done == 0
    assert (await roadmaps.view(ALICE, "networking")).done == 0
    assert await count(services, User) == 1
    assert await count(services, RoadmapProgress, user_id=ALICE) == 5


async def test_changing_a_status_updates_the_same_row(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "doing")
    first = (await roadmaps.view(ALICE, "networking")).item("mentor")
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    second = (await roadmaps.view(ALICE, "networking")).item("mentor")
    assert first is not None and second is not None and second.status == "done"
    assert first.changed_at is not None and second.changed_at is not None
    assert second.changed_at >= first.changed_at
    assert await count(services, RoadmapProgress) == 1


async def test_undo_goes_back_to_todo(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    await roadmaps.undo(ALICE, "networking", "mentor")
    view = await roadmaps.view(ALICE, "networking")
    mentor = view.item("mentor")
    assert mentor is not None and mentor.status == "todo" and mentor.changed_at is not None
    assert view.done == 0


async def test_reset_clears_one_track_of_one_member(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    await roadmaps.set_status(ALICE, "networking", "public-writing", "skipped")
    await roadmaps.set_status(ALICE, "portfolio", "readme", "done")
    await roadmaps.set_status(BOB, "networking", "mentor", "done")
    assert await roadmaps.reset(ALICE, "networking") == 2
    assert (await roadmaps.view(ALICE, "networking")).done == 0
    assert (await roadmaps.view(ALICE, "portfolio")).done == 1
    assert (await roadmaps.view(BOB, "networking")).done == 1
    assert await roadmaps.reset(ALICE, "networking") == 0


async def test_next_item_prefers_the_item_in_progress(services: Services) -> None:
    roadmaps = services.roadmaps
    first = await roadmaps.next_item(ALICE, "ml-engineer")
    assert first is not None and first.item.id == "linear-algebra-course"
    assert [entry.id for entry in first.entries] == ["linear-algebra", "math-foundations"]
    await roadmaps.set_status(ALICE, "ml-engineer", "linear-algebra-course", "done")
    following = await roadmaps.next_item(ALICE, "ml-engineer")
    assert following is not None and following.item.id == "statistics-probability"
    await roadmaps.set_status(ALICE, "ml-engineer", "docker-model", "doing")
    started = await roadmaps.next_item(ALICE, "ml-engineer")
    assert started is not None and started.item.id == "docker-model"
    assert started.step.id == "tools" and started.status == "doing"


async def test_next_item_is_none_when_everything_is_done_or_skipped(services: Services) -> None:
    roadmaps = services.roadmaps
    track = roadmaps.track("networking")
    for index, (_, item) in enumerate(track.items()):
        await roadmaps.set_status(ALICE, "networking", item.id, "skipped" if index else "done")
    assert await roadmaps.next_item(ALICE, "networking") is None
    assert (await roadmaps.view(ALICE, "networking")).percent == 100


async def test_default_track_is_the_last_one_changed(services: Services) -> None:
    roadmaps = services.roadmaps
    assert (await roadmaps.default_track(ALICE)).id == "ml-engineer"
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    assert (await roadmaps.default_track(ALICE)).id == "networking"
    await roadmaps.set_status(ALICE, "portfolio", "readme", "doing")
    assert (await roadmaps.default_track(ALICE)).id == "portfolio"


async def test_unknown_track_item_and_status(services: Services) -> None:
    roadmaps = services.roadmaps
    with pytest.raises(RoadmapError, match="no roadmap 'nope'"):
        await roadmaps.view(ALICE, "nope")
    with pytest.raises(RoadmapError, match="has no item 'nope'"):
        await roadmaps.set_status(ALICE, "portfolio", "nope", "done")
    with pytest.raises(RoadmapError, match="Unknown status"):
        await roadmaps.set_status(ALICE, "portfolio", "readme", "finished")
    assert await count(services, User) == 0


async def test_search_is_fuzzy_and_ranks_open_items_first(services: Services) -> None:
    roadmaps = services.roadmaps
    hits = await roadmaps.search(ALICE, "linear algbra")
    assert hits[0].item.id == "linear-algebra-course" and hits[0].status == "todo"
    assert hits[0].value == "ml-engineer:linear-algebra-course"
    assert hits[0].label.startswith("○ Finish a linear algebra course")
    # two "deployed project" items; done ones go below open ones when marking done
    await roadmaps.set_status(ALICE, "portfolio", "deployed-project", "done")
    deployed = await roadmaps.search(ALICE, "deployed project")
    assert [hit.value for hit in deployed[:2]] == [
        "ml-engineer:deployed-project",
        "portfolio:deployed-project",
    ]
    assert deployed[1].status == "done"
    # ...and first when undoing
    undo = await roadmaps.search(ALICE, "deployed project", wanted={"done", "doing", "skipped"})
    assert undo[0].value == "portfolio:deployed-project"


async def test_search_lists_at_most_25_and_respects_a_track(services: Services) -> None:
    roadmaps = services.roadmaps
    everything = await roadmaps.search(ALICE, "", limit=CHOICES_MAX)
    assert len(everything) == CHOICES_MAX
    await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    networking = await roadmaps.search(ALICE, "", "networking")
    assert [hit.item.id for hit in networking][-1] == "mentor"  # open items first
    assert all(hit.status in OPEN for hit in networking[:-1])
    assert all(len(hit.value) <= 100 for hit in everything)  # Discord clips labels (see
    # test_item_autocomplete_shows_statuses_most_relevant_first_in_one_query)
    assert await roadmaps.search(ALICE, "zzzzqqqq") == []


async def test_resolve(services: Services) -> None:
    roadmaps = services.roadmaps
    assert (await roadmaps.resolve(ALICE, "readme")).choice is not None
    sure = await roadmaps.resolve(ALICE, "Package a trained model in a Docker container")
    assert sure.choice is not None and sure.choice.item.id == "docker-model"
    typo = await roadmaps.resolve(ALICE, "find a mentr")
    assert typo.choice is not None and typo.choice.value == "networking:mentor"
    shared_id = await roadmaps.resolve(ALICE, "linkedin-profile")  # in two tracks
    assert shared_id.choice is None
    assert {c.value for c in shared_id.candidates} == {
        "ml-engineer:linkedin-profile",
        "networking:linkedin-profile",
    }
    picked = await roadmaps.resolve(ALICE, "networking:linkedin-profile")
    assert picked.choice is not None and picked.choice.track.id == "networking"
    assert (await roadmaps.resolve(ALICE, "linkedin-profile", "networking")).choice is not None
    assert (await roadmaps.resolve(ALICE, "nope:readme")).choice is None
    vague = await roadmaps.resolve(ALICE, "project")
    assert vague.choice is None and 1 < len(vague.candidates) <= 5


async def test_find_track(services: Services) -> None:
    roadmaps = services.roadmaps
    assert roadmaps.find_track("ml engineer").id == "ml-engineer"  # type: ignore[union-attr]
    assert roadmaps.find_track("portfolo").id == "portfolio"  # type: ignore[union-attr]
    assert roadmaps.find_track("Grow your ML network").id == "networking"  # type: ignore[union-attr]
    assert roadmaps.find_track("cooking") is None


async def test_an_unreachable_server_is_one_clear_error() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    roadmaps = RoadmapService(load_tracks(BUNDLED_KNOWLEDGE / "roadmaps"), session_factory(engine))
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot use database"):
            await roadmaps.view(ALICE, "networking")
        with pytest.raises(DatabaseUnavailable):
            await roadmaps.set_status(ALICE, "networking", "mentor", "done")
    finally:
        await engine.dispose()
