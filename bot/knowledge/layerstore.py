"""Reading and writing server layers in the database (guild_entries, kb_revisions, kb_versions).

Locking rule, relied on by the incremental refresh: every write transaction bumps the server's
kb_versions row FIRST. That row lock serialises writers of one server on PostgreSQL (SQLite
serialises all writers anyway), so revision ids of one server grow in commit order, and a reader
that has seen revision N has seen every earlier revision of that server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildEntry, KnowledgeRevision, KnowledgeVersion, utcnow
from bot.db.upsert import upsert, upsert_statement
from bot.knowledge.layers import LayerRow

CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit


@dataclass(frozen=True)
class Revision:
    """One recorded change to a server's entry."""

    id: int
    guild_id: int
    entry_id: str
    author_id: int | None  # None: the bot operator (CLI)
    action: str
    before: LayerRow | None
    after: LayerRow | None
    created_at: dt.datetime


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _row(entry_id: str, data: Any, aliases: Any, hidden: bool) -> LayerRow:
    phrases = aliases.get("phrases", []) if isinstance(aliases, dict) else []
    return LayerRow(entry_id, data if isinstance(data, dict) else None, tuple(phrases), hidden)


async def bump_version(session: AsyncSession, guild_id: int) -> int:
    """Increment the server's version; call first in a write (it takes the server's lock)."""
    statement = upsert_statement(
        session,
        KnowledgeVersion,
        {"guild_id": guild_id, "version": 1},
        ("guild_id",),
        {"version": KnowledgeVersion.version + 1},
    ).returning(KnowledgeVersion.version)
    return int((await session.execute(statement)).scalar_one())


async def read_version(session: AsyncSession, guild_id: int) -> int:
    """0 for a server that never changed its layer."""
    version = await session.scalar(
        select(KnowledgeVersion.version).where(KnowledgeVersion.guild_id == guild_id)
    )
    return int(version or 0)


async def latest_revision_id(session: AsyncSession, guild_id: int) -> int:
    latest = await session.scalar(
        select(func.max(KnowledgeRevision.id)).where(KnowledgeRevision.guild_id == guild_id)
    )
    return int(latest or 0)


async def changed_since(
    session: AsyncSession, guild_id: int, revision_id: int
) -> tuple[set[str], int]:
    """Entry ids changed after `revision_id`, and the newest revision id seen."""
    result = await session.execute(
        select(KnowledgeRevision.id, KnowledgeRevision.entry_id).where(
            KnowledgeRevision.guild_id == guild_id, KnowledgeRevision.id > revision_id
        )
    )
    ids: set[str] = set()
    newest = revision_id
    for rev_id, entry_id in result:
        ids.add(entry_id)
        newest = max(newest, rev_id)
    return ids, newest


async def read_rows(
    session: AsyncSession, guild_id: int, entry_ids: Collection[str] | None = None
) -> dict[str, LayerRow]:
    """The server's rows: all of them, or those of `entry_ids` that exist."""
    columns = select(
        GuildEntry.entry_id, GuildEntry.data, GuildEntry.aliases, GuildEntry.hidden
    ).where(GuildEntry.guild_id == guild_id)
    statements = (
        [columns]
        if entry_ids is None
        else [columns.where(GuildEntry.entry_id.in_(chunk)) for chunk in _chunks(sorted(entry_ids))]
    )
    rows: dict[str, LayerRow] = {}
    for statement in statements:
        for entry_id, data, aliases, hidden in await session.execute(statement):
            rows[entry_id] = _row(entry_id, data, aliases, hidden)
    return rows


async def read_row(session: AsyncSession, guild_id: int, entry_id: str) -> LayerRow | None:
    return (await read_rows(session, guild_id, [entry_id])).get(entry_id)


async def text_ids(session: AsyncSession, guild_id: int) -> set[str]:
    """Ids whose text lives in the server's layer (added or overridden here)."""
    result = await session.scalars(
        select(GuildEntry.entry_id).where(
            GuildEntry.guild_id == guild_id, GuildEntry.data.is_not(None)
        )
    )
    return set(result)


async def related_to(session: AsyncSession, guild_id: int, entry_id: str) -> list[str]:
    """Ids of the server's entries whose `related` names `entry_id`, sorted."""
    needle = f'%"{entry_id}"%'  # ids are kebab-case: no LIKE wildcards in them
    result = await session.execute(
        select(GuildEntry.entry_id, GuildEntry.data).where(
            GuildEntry.guild_id == guild_id,
            GuildEntry.entry_id != entry_id,
            cast(GuildEntry.data, String).like(needle),
        )
    )
    return sorted(
        other
        for other, data in result
        if isinstance(data, dict) and entry_id in (data.get("related") or [])
    )


def _values(guild_id: int, row: LayerRow) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "entry_id": row.entry_id,
        "data": row.data if row.data is not None else null(),  # SQL NULL, not JSON null
        "aliases": {"phrases": list(row.aliases)},
        "hidden": row.hidden,
        "updated_at": utcnow(),
    }


async def insert_row(session: AsyncSession, guild_id: int, row: LayerRow) -> None:
    """A plain INSERT: when two writers create the same id, the primary key stops the second."""
    await session.execute(insert(GuildEntry).values(_values(guild_id, row)))


async def save_row(
    session: AsyncSession, guild_id: int, entry_id: str, row: LayerRow | None
) -> None:
    """Store a row's new state; an empty row is deleted."""
    if row is None or row.is_empty:
        await session.execute(
            delete(GuildEntry).where(
                GuildEntry.guild_id == guild_id, GuildEntry.entry_id == entry_id
            )
        )
        return
    now = utcnow()
    await upsert(
        session,
        GuildEntry,
        _values(guild_id, row),
        ("guild_id", "entry_id"),
        {
            "data": lambda excluded: excluded.data,
            "aliases": lambda excluded: excluded.aliases,
            "hidden": lambda excluded: excluded.hidden,
            "updated_at": now,
        },
    )


async def save_rows(
    session: AsyncSession, guild_id: int, rows: Sequence[tuple[str, LayerRow | None]]
) -> None:
    """save_row for many rows at once (an import): batched statements, same result."""
    gone = [entry_id for entry_id, row in rows if row is None or row.is_empty]
    kept = [row for _, row in rows if row is not None and not row.is_empty]
    for chunk in _chunks(gone):
        await session.execute(
            delete(GuildEntry).where(
                GuildEntry.guild_id == guild_id, GuildEntry.entry_id.in_(chunk)
            )
        )
    for start in range(0, len(kept), CHUNK // 5):
        values = [_values(guild_id, row) for row in kept[start : start + CHUNK // 5]]
        await upsert(
            session,
            GuildEntry,
            values,
            ("guild_id", "entry_id"),
            {
                "data": lambda excluded: excluded.data,
                "aliases": lambda excluded: excluded.aliases,
                "hidden": lambda excluded: excluded.hidden,
                "updated_at": lambda excluded: excluded.updated_at,
            },
        )


def _revision_values(
    guild_id: int,
    entry_id: str,
    author_id: int | None,
    action: str,
    before: LayerRow | None,
    after: LayerRow | None,
) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "entry_id": entry_id,
        "author_id": author_id,
        "action": action,
        "before": before.to_json() if before is not None and not before.is_empty else None,
        "after": after.to_json() if after is not None and not after.is_empty else None,
        "created_at": utcnow(),
    }


async def add_revisions(
    session: AsyncSession,
    guild_id: int,
    author_id: int | None,
    action: str,
    changes: Sequence[tuple[str, LayerRow | None, LayerRow | None]],
) -> None:
    """One revision per (entry id, before, after), inserted in batches."""
    values = [
        _revision_values(guild_id, entry_id, author_id, action, before, after)
        for entry_id, before, after in changes
    ]
    for start in range(0, len(values), CHUNK):
        await session.execute(insert(KnowledgeRevision), values[start : start + CHUNK])


async def add_revision(
    session: AsyncSession,
    guild_id: int,
    entry_id: str,
    author_id: int | None,
    action: str,
    before: LayerRow | None,
    after: LayerRow | None,
) -> int:
    """Record one change; returns the revision id."""
    values = _revision_values(guild_id, entry_id, author_id, action, before, after)
    result = await session.execute(
        insert(KnowledgeRevision).values(values).returning(KnowledgeRevision.id)
    )
    return int(result.scalar_one())


def _revision(row: KnowledgeRevision) -> Revision:
    return Revision(
        id=row.id,
        guild_id=row.guild_id,
        entry_id=row.entry_id,
        author_id=row.author_id,
        action=row.action,
        before=LayerRow.from_json(row.entry_id, row.before),
        after=LayerRow.from_json(row.entry_id, row.after),
        created_at=as_utc(row.created_at),
    )


async def read_revisions(
    session: AsyncSession, guild_id: int, entry_id: str | None, limit: int
) -> list[Revision]:
    """Newest first; all entries of the server when `entry_id` is None."""
    statement = select(KnowledgeRevision).where(KnowledgeRevision.guild_id == guild_id)
    if entry_id is not None:
        statement = statement.where(KnowledgeRevision.entry_id == entry_id)
    rows = await session.scalars(statement.order_by(KnowledgeRevision.id.desc()).limit(limit))
    return [_revision(row) for row in rows]


async def read_revision(session: AsyncSession, guild_id: int, revision_id: int) -> Revision | None:
    row = await session.get(KnowledgeRevision, revision_id)
    return _revision(row) if row is not None and row.guild_id == guild_id else None
