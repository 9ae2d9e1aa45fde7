"""Reading a whole server layer without stalling the event loop.

`layerstore.read_rows` decodes every row's JSON in the result processing, on the event loop:
100,000 rows held it for seconds. Here the loop only awaits keyset-paged queries that return
the JSON columns as text; `decode_rows` turns them into LayerRows in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildEntry
from bot.knowledge.layers import LayerRow

PAGE_ROWS = 100  # rows per query: a page of 1,000 held the loop 20 ms on PostgreSQL, 100 about 2
IDS_PER_QUERY = 500  # ids per IN (...) list, well under every driver's parameter limit

RawRow = tuple[str, str | None, str | None, bool]  # entry id, data JSON, aliases JSON, hidden


def _columns() -> Any:
    return select(
        GuildEntry.entry_id,
        cast(GuildEntry.data, Text),
        cast(GuildEntry.aliases, Text),
        GuildEntry.hidden,
    )


async def read_raw_rows(
    session: AsyncSession, guild_id: int, entry_ids: Collection[str] | None = None
) -> list[RawRow]:
    """The server's rows (all, or those of `entry_ids` that exist), JSON still undecoded."""
    rows: list[RawRow] = []
    if entry_ids is not None:
        ids = sorted(entry_ids)
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ids[start : start + IDS_PER_QUERY]
            statement = _columns().where(
                GuildEntry.guild_id == guild_id, GuildEntry.entry_id.in_(chunk)
            )
            rows.extend(_raw(row) for row in await session.execute(statement))
        return rows
    after = ""
    while True:
        statement = (
            _columns()
            .where(GuildEntry.guild_id == guild_id, GuildEntry.entry_id > after)
            .order_by(GuildEntry.entry_id)
            .limit(PAGE_ROWS)
        )
        page = [_raw(row) for row in await session.execute(statement)]
        rows.extend(page)
        if len(page) < PAGE_ROWS:
            return rows
        after = page[-1][0]


def _raw(row: Sequence[Any]) -> RawRow:
    entry_id, data, aliases, hidden = row
    return entry_id, data, aliases, bool(hidden)


def decode_rows(raw: list[RawRow]) -> dict[str, LayerRow]:
    """LayerRows from raw rows, as layerstore.read_rows builds them (run it in a thread).

    Empties `raw` as it goes, so each raw row is freed on its own: freeing 100,000 at once is
    one C call that holds the GIL (and the event loop) for tens of milliseconds.
    """
    rows: dict[str, LayerRow] = {}
    raw.reverse()
    while raw:
        entry_id, data_text, aliases_text, hidden = raw.pop()
        data = json.loads(data_text) if data_text else None
        aliases = json.loads(aliases_text) if aliases_text else None
        phrases = aliases.get("phrases", []) if isinstance(aliases, dict) else []
        rows[entry_id] = LayerRow(
            entry_id, data if isinstance(data, dict) else None, tuple(phrases), hidden
        )
    return rows
