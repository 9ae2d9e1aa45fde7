"""Everything stored about one person: export it as JSON-ready data, or delete it.

PERSONAL_DATA lists every column that holds a user id. A test walks the SQLAlchemy metadata
and fails when a table gains such a column without an entry here, so `/mydata` can't silently
miss new data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from bot.db.models import AnswerVote, Base, KnowledgeRevision, SkillProgress, User, utcnow
from bot.db.unit import Sessions, reader, writer


@dataclass(frozen=True)
class PersonalColumn:
    model: type[DeclarativeBase]
    column: str
    # delete: the row is about the person; anonymize: the row must outlive them (an audit
    # trail), so only the id is cleared.
    on_delete: Literal["delete", "anonymize"]

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


PERSONAL_DATA: tuple[PersonalColumn, ...] = (
    PersonalColumn(SkillProgress, "user_id", "delete"),
    PersonalColumn(AnswerVote, "user_id", "delete"),
    PersonalColumn(KnowledgeRevision, "author_id", "anonymize"),
    PersonalColumn(User, "id", "delete"),  # last: the other rows may reference it
)


class PrivacyService:
    """/mydata and `careerbot mydata`: one member's data, exported or deleted."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, in every table that holds a user id."""
        async with reader(self.sessions) as session:
            return await export_user(session, user_id)

    async def delete_user(self, user_id: int) -> dict[str, int]:
        """Delete all of it in one transaction (knowledge revisions keep, without the author)."""
        async with writer(self.sessions) as session:
            return await delete_user(session, user_id)


async def export_user(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """{"user_id", "exported_at", <table>: [rows...]} with every column of every matching row."""
    data: dict[str, Any] = {"user_id": user_id, "exported_at": utcnow().isoformat()}
    for personal in PERSONAL_DATA:
        table = Base.metadata.tables[personal.table]
        query = (
            select(table)
            .where(table.c[personal.column] == user_id)
            .order_by(*table.primary_key.columns)
        )
        result = await session.execute(query)
        data[personal.table] = [_jsonable(dict(row)) for row in result.mappings()]
    return data


async def delete_user(session: AsyncSession, user_id: int) -> dict[str, int]:
    """Delete (or anonymize) every row; returns rows affected per table. Run in a transaction."""
    counts: dict[str, int] = {}
    for personal in PERSONAL_DATA:
        table = Base.metadata.tables[personal.table]
        condition = table.c[personal.column] == user_id
        statement = (
            delete(table).where(condition)
            if personal.on_delete == "delete"
            else update(table).where(condition).values({personal.column: None})
        )
        result = await session.execute(statement)
        counts[personal.table] = max(int(getattr(result, "rowcount", 0) or 0), 0)
    return counts


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in row.items()}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
