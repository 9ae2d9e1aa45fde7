"""TEST_DATABASE_URL may name a database the server doesn't have yet: the tests create it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db.engine import create_engine
from tests.conftest import TEST_DATABASE_URL, ensure_database


@pytest.mark.postgresql
async def test_a_missing_test_database_is_created() -> None:
    assert TEST_DATABASE_URL
    name = f"careerbot_fresh_{uuid.uuid4().hex[:12]}"
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        assert await ensure_database(url) is True
        assert await ensure_database(url) is False  # there now
        engine = create_engine(url)
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT current_database()")) == name
        await engine.dispose()
    finally:
        admin = create_engine(TEST_DATABASE_URL)
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
