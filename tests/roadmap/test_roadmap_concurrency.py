"""Concurrent updates lose nothing, and a view is a constant number of SQL statements.

Both run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from bot.db.models import RoadmapProgress, User
from bot.roadmap.progress import STATUSES
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import Track, TrackSet
from bot.services import Services

USER = 7


def big_track(items: int = 50, per_step: int = 25) -> Track:
    steps = [
        {
            "id": f"step-{start // per_step}",
            "title": f"Step {start // per_step}",
            "items": [
                {"id": f"item-{n}", "title": f"Item number {n}", "learn": ["sql"]}
                for n in range(start, min(start + per_step, items))
            ],
        }
        for start in range(0, items, per_step)
    ]
    return Track.model_validate(
        {"id": "big", "title": "Big", "description": "Many items.", "steps": steps}
    )


def big_service(services: Services) -> RoadmapService:
    return RoadmapService(TrackSet((big_track(),)), services.sessions, services.knowledge)


async def rows(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        result = await session.execute(
            select(RoadmapProgress.item_id, RoadmapProgress.status).where(
                RoadmapProgress.user_id == USER
            )
        )
        return dict(result.all())


async def users(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_50_concurrent_updates_on_different_items(services: Services) -> None:
    roadmaps = big_service(services)
    statuses = [STATUSES[n % 4] for n in range(50)]
    await asyncio.gather(
        *(
            roadmaps.set_status(USER, "big", f"item-{n}", status)
            for n, status in enumerate(statuses)
        )
    )
    assert await rows(services) == {f"item-{n}": status for n, status in enumerate(statuses)}
    assert await users(services) == 1  # 50 concurrent user upserts, one row
    view = await roadmaps.view(USER, "big")
    assert view.done == statuses.count("done")
    assert view.counted == 50 - statuses.count("skipped")


async def test_50_concurrent_updates_on_the_same_item(services: Services) -> None:
    roadmaps = big_service(services)
    written = [STATUSES[n % 4] for n in range(50)]
    await asyncio.gather(*(roadmaps.set_status(USER, "big", "item-0", s) for s in written))
    stored = await rows(services)
    assert list(stored) == ["item-0"] and stored["item-0"] in written
    assert await users(services) == 1
    # every writer finished: a final write is not overtaken by a straggler
    await roadmaps.set_status(USER, "big", "item-0", "done")
    assert (await rows(services))["item-0"] == "done"


async def test_concurrent_members_and_mixed_operations(services: Services) -> None:
    roadmaps = big_service(services)
    members = range(100, 110)

    async def member(user_id: int) -> None:
        for n in range(5):
            await roadmaps.set_status(user_id, "big", f"item-{n}", "done")
            await roadmaps.view(user_id, "big")
        await roadmaps.undo(user_id, "big", "item-4")

    await asyncio.gather(*(member(user_id) for user_id in members))
    views = await asyncio.gather(*(roadmaps.view(user_id, "big") for user_id in members))
    assert [view.done for view in views] == [4] * len(members)
    assert await users(services) == len(members)


@contextmanager
def counting_statements(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def test_view_is_one_query_for_1_and_for_30_items_done(services: Services) -> None:
    roadmaps = big_service(services)
    counts = []
    for done in (1, 30):
        for n in range(done):
            await roadmaps.set_status(USER, "big", f"item-{n}", "done")
        await roadmaps.view(USER, "big")  # warm the pool: connecting may run its own SQL
        with counting_statements(services) as statements:
            view = await roadmaps.view(USER, "big")
        assert view.done == done
        counts.append(len(statements))
    assert counts == [1, 1]


async def test_overview_search_and_next_are_one_query_each(services: Services) -> None:
    roadmaps = services.roadmaps
    for _, item in roadmaps.track("ml-engineer").items():
        await roadmaps.set_status(USER, "ml-engineer", item.id, "done")
    await roadmaps.view(USER, "ml-engineer")
    calls = (
        roadmaps.overview(USER),
        roadmaps.search(USER, "project"),
        roadmaps.next_item(USER, "portfolio"),
        roadmaps.resolve(USER, "mentor"),
    )
    for call in calls:
        with counting_statements(services) as statements:
            await call
        assert len(statements) == 1, statements


async def test_a_status_change_is_two_statements_in_one_transaction(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(USER, "portfolio", "readme", "doing")
    with counting_statements(services) as statements:
        await roadmaps.set_status(USER, "portfolio", "readme", "done")
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2 and len(statements) <= 3  # + BEGIN on some drivers
