"""The Alembic chain: up, down and up again on each backend, and no drift from the models."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import alembic_config, create_engine, migrate
from bot.db.models import Base
from bot.knowledge.layerstore import as_utc


def table_names(connection) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_every_migration_runs_up_and_down(db_url: str) -> None:
    engine = create_engine(db_url)
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    try:
        for revision in revisions:
            await migrate(engine, revision)
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == set(Base.metadata.tables)
        for revision in reversed(["base", *revisions[:-1]]):
            await migrate(engine, revision, down=True)
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == set()
        await migrate(engine)
    finally:
        await engine.dispose()


async def test_models_match_the_migrated_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate(engine)

        def diff(connection):  # type: ignore[no-untyped-def]
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_0004_carries_unanswered_questions_over_to_daily_counts(db_url: str) -> None:
    """Old all-time rows become per-day rows with the same total, and back on downgrade."""
    old = sa.table(
        "unanswered_questions",
        sa.column("guild_id", sa.BigInteger()),
        sa.column("text", sa.String()),
        sa.column("count", sa.Integer()),
        sa.column("first_asked", sa.DateTime(timezone=True)),
        sa.column("last_asked", sa.DateTime(timezone=True)),
    )
    daily = sa.table(
        "unanswered_daily",
        sa.column("guild_id", sa.BigInteger()),
        sa.column("text", sa.String()),
        sa.column("day", sa.Date()),
        sa.column("count", sa.Integer()),
        sa.column("last_asked", sa.DateTime(timezone=True)),
    )
    # 23:30 UTC: a local-time conversion would move these to the next day.
    first = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    last = dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC)
    same_day = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)
    engine = create_engine(db_url)
    try:
        await migrate(engine, "0003")
        async with engine.begin() as connection:
            await connection.execute(
                old.insert(),
                [
                    {
                        "guild_id": 7,
                        "text": "spread",
                        "count": 10,
                        "first_asked": first,
                        "last_asked": last,
                    },
                    {
                        "guild_id": 7,
                        "text": "one day",
                        "count": 4,
                        "first_asked": same_day,
                        "last_asked": same_day + dt.timedelta(hours=2),
                    },
                    {
                        "guild_id": 8,
                        "text": "once",
                        "count": 1,
                        "first_asked": same_day,
                        "last_asked": same_day,
                    },
                ],
            )
        await migrate(engine, "0004")
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(daily.c.guild_id, daily.c.text, daily.c.day, daily.c.count)
            )
            assert sorted(tuple(row) for row in rows) == [
                (7, "one day", dt.date(2026, 3, 5), 4),
                (7, "spread", dt.date(2026, 3, 1), 9),
                (7, "spread", dt.date(2026, 3, 20), 1),
                (8, "once", dt.date(2026, 3, 5), 1),
            ]
        await migrate(engine, "0003", down=True)
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(old.c.guild_id, old.c.text, old.c.count, old.c.last_asked)
            )
            back = sorted((g, t, c, as_utc(when)) for g, t, c, when in rows)
            assert back == [
                (7, "one day", 4, same_day + dt.timedelta(hours=2)),
                (7, "spread", 10, last),
                (8, "once", 1, same_day),
            ]
    finally:
        await engine.dispose()
