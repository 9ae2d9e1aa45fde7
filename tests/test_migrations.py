"""The Alembic chain: up, down and up again on each backend, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import alembic_config, create_engine, migrate
from bot.db.models import Base


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
