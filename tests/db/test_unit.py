"""The database unit: driver errors become one clear DatabaseUnavailable, best-effort work is
skipped with a warning, and SQLite writers of one process queue on one lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import DatabaseUnavailable, create_engine, session_factory
from bot.db.models import User
from bot.db.unit import Sessions, reader, writer
from bot.services import Services


@pytest.fixture
async def dead(tmp_path: Path) -> AsyncIterator[Sessions]:
    """Sessions on a database file that cannot be opened."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
        await asyncio.sleep(0.2)  # aiosqlite's worker thread ends after a failed connect


async def test_driver_errors_become_database_unavailable(dead: Sessions) -> None:
    with pytest.raises(DatabaseUnavailable, match=r"cannot use database sqlite.*unable to open"):
        async with reader(dead) as session:
            await session.execute(text("SELECT 1"))
    with pytest.raises(DatabaseUnavailable, match="unable to open database file"):
        async with writer(dead) as session:
            session.add(User(id=1))


async def test_best_effort_skips_the_block_with_a_warning(
    dead: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    reached = []
    async with writer(dead, best_effort=True) as session:
        await session.execute(text("SELECT 1"))
        reached.append("after the failing query")
    async with reader(dead, best_effort=True) as session:
        await session.execute(text("SELECT 1"))
    assert reached == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "unable to open database file" in warnings[0].getMessage()


async def test_a_writer_commits_and_a_conflict_passes_through(services: Services) -> None:
    async with writer(services.sessions) as session:
        session.add(User(id=5))
    with pytest.raises(IntegrityError):  # the caller explains a conflict; it is no outage
        async with writer(services.sessions) as session:
            session.add(User(id=5))
    async with reader(services.sessions) as session:
        assert list(await session.scalars(select(User.id))) == [5]


async def test_sqlite_writers_of_every_service_share_one_lock(services: Services) -> None:
    if services.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite queues writers in the process")
    order: list[str] = []

    async def write(name: str, pause: float) -> None:
        async with writer(services.sessions):
            order.append(f"{name} in")
            await asyncio.sleep(pause)
            order.append(f"{name} out")

    other = session_factory(services.engine)  # another service's sessions, same database
    first = asyncio.create_task(write("first", 0.05))
    await asyncio.sleep(0)
    async with writer(other):
        order.append("second in")
    await first
    assert order == ["first in", "first out", "second in"]
