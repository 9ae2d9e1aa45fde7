"""Concurrent updates lose nothing, and view and fit are a constant number of SQL statements
(one; the issue allows two) however many tracks and skills there are.

Both run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from bot.db.models import SkillProgress, User
from bot.roadmap.progress import STATUSES
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import TrackSet, build_tracks
from bot.services import Services

USER = 7


def big_tracks(skills: int = 50, tracks: int = 1, per_step: int = 25) -> TrackSet:
    """`tracks` role tracks, each listing all `skills` (item-N), a chain of prerequisites."""
    graph = [
        {
            "id": f"item-{n}",
            "title": f"Item number {n}",
            "learn": ["sql"],
            "requires": [f"item-{n - 1}"] if n else [],
        }
        for n in range(skills)
    ]
    steps = [
        {
            "id": f"step-{start // per_step}",
            "title": f"Step {start // per_step}",
            "skills": [f"item-{n}" for n in range(start, min(start + per_step, skills))],
        }
        for start in range(0, skills, per_step)
    ]
    return build_tracks(
        graph,
        [
            {
                "id": "big" if t == 0 else f"big-{t}",
                "title": f"Big {t}",
                "role": f"Role {t}",
                "description": "Many items.",
                "steps": steps,
            }
            for t in range(tracks)
        ],
    )


def big_service(services: Services, skills: int = 50, tracks: int = 1) -> RoadmapService:
    return RoadmapService(big_tracks(skills, tracks), services.sessions, services.knowledge)


async def rows(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        result = await session.execute(
            select(SkillProgress.skill_id, SkillProgress.status).where(
                SkillProgress.user_id == USER
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


async def test_view_and_fit_are_one_query_whatever_the_tracks_and_skills(
    services: Services,
) -> None:
    counts: dict[tuple[int, int], list[int]] = {}
    for tracks, skills in ((1, 10), (20, 300)):
        roadmaps = big_service(services, skills, tracks)
        for n in range(0, skills, 3):
            await roadmaps.set_status(USER, "big", f"item-{n}", "done")
        await roadmaps.view(USER, "big")  # warm the pool
        with counting_statements(services) as statements:
            view = await roadmaps.view(USER, "big")
            first = len(statements)
            default = await roadmaps.view(USER)  # no track named: the one changed last
            second = len(statements) - first
            report = await roadmaps.fit(USER)
            third = len(statements) - first - second
        assert view.done == default.done == (skills + 2) // 3
        assert len(report.roles) == tracks and report.roles[0].missing[0].skill.id == "item-1"
        counts[(tracks, skills)] = [first, second, third]
    assert counts == {(1, 10): [1, 1, 1], (20, 300): [1, 1, 1]}  # the issue allows at most 2


async def test_overview_fit_search_and_next_are_one_query_each(services: Services) -> None:
    roadmaps = services.roadmaps
    for _, skill in roadmaps.track("ml-engineer").skills():
        await roadmaps.set_status(USER, "ml-engineer", skill.id, "done")
    await roadmaps.view(USER, "ml-engineer")
    calls = (
        roadmaps.overview(USER),
        roadmaps.fit(USER),
        roadmaps.view(USER),
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
    await roadmaps.set_status(USER, "portfolio", "project-readmes", "doing")
    with counting_statements(services) as statements:
        await roadmaps.set_status(USER, "portfolio", "project-readmes", "done")
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2 and len(statements) <= 3  # + BEGIN on some drivers
