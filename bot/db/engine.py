"""Engine factory, database URL defaults and migrations, with one clear line when it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from platformdirs import user_data_dir
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
MIGRATION_LOCK = 0x6361726565722  # any constant shared by every CareerBot process


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message is one line for a human."""


def data_folder() -> Path:
    return Path(user_data_dir("careerbot", appauthor=False))


def default_database_url() -> str:
    """An embedded SQLite file in the user's data directory (created when first opened)."""
    return f"sqlite+aiosqlite:///{data_folder() / 'careerbot.sqlite3'}"


def _create_data_folder(database: str | None) -> None:
    """Make the default SQLite file's folder; only opening a database needs it."""
    folder = Path(database or "").parent
    if folder != data_folder():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"cannot create the data folder {folder}: {exc.strerror or exc}; "
            "set DATABASE_URL to a database you can write to"
        ) from None


def redact(url: str) -> str:
    """The URL without its password, safe for logs and error lines."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid database URL>"


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout for concurrency."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUnavailable(f"invalid DATABASE_URL {url!r}: {exc}") from None
    _create_data_folder(parsed.database)
    try:
        if parsed.get_backend_name() != "sqlite":
            return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        engine = create_async_engine(url, connect_args={"timeout": 30})
    except Exception as exc:  # unknown dialect, missing or synchronous driver
        raise DatabaseUnavailable(
            f"cannot use DATABASE_URL {redact(url)}: {' '.join(str(exc).split())[:200]} "
            "(use postgresql+asyncpg://... or sqlite+aiosqlite:///...)"
        ) from None

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL, far fewer fsyncs
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Run Alembic on this engine's connection (works inside a running event loop)."""

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Shard processes starting together would race to create the same tables.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config()
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    except (SQLAlchemyError, OSError) as exc:
        raise DatabaseUnavailable(describe_failure(str(engine.url), exc)) from None


def describe_failure(url: str, exc: BaseException) -> str:
    """'cannot use database URL: reason' on one line, whatever the driver raised."""
    reason = getattr(exc, "orig", None) or exc
    text = " ".join(str(reason).split()) or type(reason).__name__
    return f"cannot use database {redact(url)}: {text[:300]}"
