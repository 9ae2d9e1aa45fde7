"""Shared fixtures: the bundled knowledge base and fresh databases (SQLite, PostgreSQL).

Every test that takes `db_url` runs once on SQLite and, when TEST_DATABASE_URL is set, once
on PostgreSQL in a database of its own that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.answers.serving import KnowledgeService, open_semantic
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.db.engine import create_engine
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching.semantic import Semantic
from bot.services import Services, open_services

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgresql" in item.keywords and not TEST_DATABASE_URL:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: needs TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def layer_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings made without a layer cache folder keep it in the test's own folder, not in
    the user's cache."""
    monkeypatch.setattr("bot.config.default_layer_cache_dir", lambda: tmp_path / "layers")


@pytest.fixture(autouse=True)
def no_developer_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.env` in the checkout (README step 2) must not leak a token or database into tests."""
    monkeypatch.setattr("bot.config.ENV_FILE", Path(__file__).with_name("no-such-file.env"))


@pytest.fixture(scope="session")
def bundled_knowledge() -> KnowledgeBase:
    return load_knowledge(BUNDLED_KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge folder, for tests that edit the files."""
    directory = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, directory)
    return directory


@pytest.fixture(scope="session")
def semantic() -> Semantic:
    """The shipped sentence model (loaded once): tests must pass offline with it."""
    loaded = open_semantic("hybrid")
    assert loaded is not None, "the packaged model in bot/matching/model did not load"
    return loaded


@pytest.fixture
def knowledge_service(bundled_knowledge: KnowledgeBase) -> KnowledgeService:
    return KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE)


async def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names if the server lacks it; True when created.

    TEST_DATABASE_URL may name a database that doesn't exist yet (say `.../test` on a fresh
    server): it is made through the server's `postgres` database, as `createdb` would.
    """
    engine = create_engine(url)
    try:
        async with engine.connect():
            return False
    except DBAPIError as exc:
        if "does not exist" not in str(exc.orig):
            raise
    finally:
        await engine.dispose()
    parsed = make_url(url)
    maintenance = parsed.set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(maintenance)
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await admin.dispose()
    return True


_ensured: list[str] = []  # TEST_DATABASE_URL once it is known to exist


async def _create_postgres_database() -> tuple[str, str]:
    assert TEST_DATABASE_URL
    if not _ensured:
        await ensure_database(TEST_DATABASE_URL)
        _ensured.append(TEST_DATABASE_URL)
    name = f"careerbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = make_url(TEST_DATABASE_URL).set(database=name)
    return url.render_as_string(hide_password=False), name


async def _drop_postgres_database(name: str) -> None:
    assert TEST_DATABASE_URL
    admin = create_engine(TEST_DATABASE_URL)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database URL (no tables yet), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"
        return
    url, name = await _create_postgres_database()
    try:
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url, knowledge_dir=BUNDLED_KNOWLEDGE, layer_cache_dir=tmp_path / "layers"
    )


@pytest.fixture
def factory(settings: Settings, services: Services) -> Callable[..., Any]:
    """Builds a new Discord bot on the same services each call (a "restart" keeps the data)."""
    from bot.discord.app import create_bot

    def make(**options: Any) -> Any:
        return create_bot(settings, services=services, **options)

    return make


@pytest.fixture
async def services(
    settings: Settings, knowledge_service: KnowledgeService
) -> AsyncIterator[Services]:
    """Migrated database plus every service, as the bot and the terminal chat get them."""
    opened = await open_services(settings, knowledge=knowledge_service)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def stalling_port() -> AsyncIterator[int]:
    """A TCP server on loopback that accepts every connection and never sends a byte."""
    held: list[asyncio.StreamWriter] = []

    async def stall(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
