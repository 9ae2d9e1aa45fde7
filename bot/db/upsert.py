"""Atomic insert-or-update for SQLite and PostgreSQL, so concurrent writers never lose data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def upsert_statement(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update (or DO NOTHING when update is empty)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(values)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    resolved = {
        key: (value(statement.excluded) if callable(value) else value)
        for key, value in update.items()
    }
    return statement.on_conflict_do_update(index_elements=list(keys), set_=resolved)


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> None:
    """Run upsert_statement. `update` values may be callables taking the `excluded` row."""
    await session.execute(upsert_statement(session, model, values, keys, update))
