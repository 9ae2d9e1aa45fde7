"""Engine factory, database URL defaults and migrations, with one clear line when it fails."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.config import data_folder
from bot.config import default_database_url as default_database_url  # its old home

if TYPE_CHECKING:  # Alembic is imported by the commands that migrate, not by every import
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
MIGRATION_LOCK = 0x6361726565722  # any constant shared by every CareerBot process
HIDDEN = "***"
# query parameters that carry a secret (asyncpg and libpq names); compared in lower case
SECRET_PARAMETERS = frozenset({"password", "pass", "passwd", "pwd", "sslpassword", "sslkey"})
# user:password@ up to the last "@" (a password may hold "@" or "/"), and secret parameters
_USERINFO = re.compile(r"(?P<user>//[^:/?#@]*):(?P<secret>.*)@")
_QUERY = re.compile(r"(?P<key>[?&][^=&#]+)=(?P<secret>[^&#]*)")
NOT_A_URL = "(not shown: it is not a URL like postgresql+asyncpg://user:password@host/db)"


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message is one line for a human."""


def _text(url: str | URL) -> str:
    return url.render_as_string(hide_password=False) if isinstance(url, URL) else url


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


def _is_secret(key: str) -> bool:
    return key.lstrip("?&").lower() in SECRET_PARAMETERS


def redact(url: str | URL) -> str:
    """The URL without its password, also one given as `?password=`: safe for logs and error
    lines. Done on the text, so a URL SQLAlchemy cannot parse (or parses oddly, such as a
    password with "@" in it) is redacted just as well."""
    text = _text(url)
    if "://" not in text:
        return NOT_A_URL
    shown = _USERINFO.sub(rf"\g<user>:{HIDDEN}@", text)
    return _QUERY.sub(lambda m: f"{m['key']}={HIDDEN}" if _is_secret(m["key"]) else m[0], shown)


def secrets_of(url: str | URL) -> list[str]:
    """The secrets written in a URL (its password, secret query values), also found as text
    so that a URL SQLAlchemy cannot parse still gives them up."""
    text = _text(url)
    found = [match["secret"] for match in _USERINFO.finditer(text)]
    found += [match["secret"] for match in _QUERY.finditer(text) if _is_secret(match["key"])]
    with contextlib.suppress(Exception):  # the parsed password is percent-decoded
        found.append(str(make_url(text).password or ""))
    return [secret for secret in found if secret and secret != HIDDEN]


def scrub(text: str, url: str | URL) -> str:
    """`text` with every secret of `url` replaced by ***, e.g. a driver's error message."""
    for secret in sorted(set(secrets_of(url)), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


CONNECT_TIMEOUT = 5.0  # seconds to reach the database before giving up
STATEMENT_TIMEOUT = 30.0  # seconds one statement may take (PostgreSQL); migrations included


def create_engine(
    url: str,
    *,
    connect_timeout: float = CONNECT_TIMEOUT,
    statement_timeout: float = STATEMENT_TIMEOUT,
) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout for concurrency.

    A database that accepts connections and then stops answering must not hang the bot:
    connecting and every statement have a time limit (DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT).

    Statement parameters never appear in errors or logs (`hide_parameters`): they hold what
    members typed. A URL that cannot work raises DatabaseUnavailable with one redacted line.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        reason = scrub(" ".join(str(exc).split()), url)
        raise DatabaseUnavailable(f"invalid DATABASE_URL {redact(url)}: {reason}") from None
    problem = _url_problem(url, parsed)
    if problem:
        raise DatabaseUnavailable(f"invalid DATABASE_URL {redact(url)}: {problem}")
    _create_data_folder(parsed.database)
    try:
        if parsed.get_backend_name() != "sqlite":
            return create_async_engine(
                url,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                hide_parameters=True,
                pool_timeout=connect_timeout,
                connect_args={  # a value written in the URL wins
                    key: value
                    for key, value in (
                        ("timeout", connect_timeout),
                        ("command_timeout", statement_timeout),
                    )
                    if key not in parsed.query
                },
            )
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
    except Exception as exc:  # unknown dialect, missing or synchronous driver
        reason = scrub(" ".join(str(exc).split()), url)[:200]
        raise DatabaseUnavailable(
            f"cannot use DATABASE_URL {redact(url)}: {reason} "
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


def _url_problem(text: str, parsed: URL) -> str | None:
    """What SQLAlchemy accepts but cannot work: a port out of range (the driver's error is a
    long traceback), a password cut short at an "@" (the rest would be shown as the host)."""
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"port {parsed.port} is outside 1-65535"
    typed = next((match["secret"] for match in _USERINFO.finditer(text)), None)
    if typed is not None and unquote(typed) != (parsed.password or ""):
        return 'write each "@" in the password as %40'
    return None


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def check_connection(engine: AsyncEngine) -> None:
    """Connect once. Whatever goes wrong (the server, the network, or a URL option the driver
    refuses with a TypeError or ValueError) becomes DatabaseUnavailable with one line."""
    try:
        async with engine.connect():
            pass
    except Exception as exc:
        raise DatabaseUnavailable(describe_failure(engine.url, exc)) from None


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Run Alembic on this engine's connection (works inside a running event loop)."""
    from alembic import command

    await check_connection(engine)

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
        raise DatabaseUnavailable(describe_failure(engine.url, exc)) from None


def describe_failure(url: str | URL, exc: BaseException) -> str:
    """'cannot use database URL: reason' on one line, whatever the driver raised, with the
    URL's secrets taken out of both."""
    reason = getattr(exc, "orig", None) or exc
    text = scrub(" ".join(str(reason).split()), url) or type(reason).__name__
    return f"cannot use database {redact(url)}: {text[:300]}"
