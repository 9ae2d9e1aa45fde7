"""The one owner of database sessions: every service reads in `reader()` and writes in
`writer()`, so every service behaves the same when the database fails.

A driver error (SQLAlchemy, the network, a timeout) becomes DatabaseUnavailable with a
one-line reason. `best_effort=True` logs it as a warning and skips the rest of the block
instead, for bookkeeping that must never fail what the member asked for (SQLAlchemy connects
lazily, so a database that is down fails inside the block, where it can be skipped).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import DatabaseUnavailable, describe_failure

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]
DRIVER_ERRORS = (SQLAlchemyError, OSError, asyncio.TimeoutError)

# SQLite runs one writer at a time anyway. Queueing this process's writers on a lock rather
# than in SQLite's busy handler (which sleeps with back-off while holding a pooled connection)
# keeps bursts fair and leaves connections to readers: in benchmarks/progress_bench.py with
# 32 concurrent members, write p99 fell from ~2 s to ~0.2 s. Other processes still wait in
# the busy handler. One lock per database engine, whichever service writes.
_write_locks: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def reader(sessions: Sessions, *, best_effort: bool = False) -> AsyncIterator[AsyncSession]:
    """A session for reads."""
    try:
        async with sessions() as session:
            yield session
    except IntegrityError:
        raise
    except DRIVER_ERRORS as exc:
        _failed(sessions, exc, best_effort)


@asynccontextmanager
async def writer(sessions: Sessions, *, best_effort: bool = False) -> AsyncIterator[AsyncSession]:
    """One transaction, committed when the block ends (rolled back if it raises).

    An IntegrityError (say, two members creating the same id at once) is a conflict, not an
    outage: it passes through for the caller to explain.
    """
    try:
        async with _write_lock(sessions), sessions.begin() as session:
            yield session
    except IntegrityError:
        raise
    except DRIVER_ERRORS as exc:
        _failed(sessions, exc, best_effort)


def _write_lock(sessions: Sessions) -> AbstractAsyncContextManager[Any]:
    engine = _engine(sessions)
    if engine is None or engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    return _write_locks.setdefault(engine.sync_engine, asyncio.Lock())


def _engine(sessions: Sessions) -> AsyncEngine | None:
    bind = sessions.kw.get("bind")
    return bind if isinstance(bind, AsyncEngine) else None


def _failed(sessions: Sessions, error: BaseException, best_effort: bool) -> None:
    engine = _engine(sessions)
    reason = describe_failure(str(engine.url) if engine is not None else "(unknown)", error)
    if not best_effort:
        raise DatabaseUnavailable(reason) from None
    log.warning("skipped best-effort database work: %s", reason)
