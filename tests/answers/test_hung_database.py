"""A database that accepts connections and then never answers must not hold up answers."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.answers.ask import BOOKKEEPING_BUDGET, AskService
from bot.answers.serving import KnowledgeService
from bot.config import Settings
from bot.db.engine import DatabaseUnavailable, check_connection, create_engine


async def test_a_hung_database_delays_an_answer_by_at_most_the_budget(
    knowledge_service: KnowledgeService, stalling_port: int
) -> None:
    engine = create_async_engine(f"postgresql+asyncpg://bot@127.0.0.1:{stalling_port}/bot")
    ask = AskService(knowledge_service, async_sessionmaker(engine))
    try:
        start = time.monotonic()
        answered = await ask.ask("how much do ml engineers make")
        unanswered = await ask.ask("how do i get a parking permit for the office garage")
        took = time.monotonic() - start
        assert answered.entry is not None and unanswered.entry is None
        assert took < 2 * BOOKKEEPING_BUDGET + 1.0, took  # two questions, generous slack
    finally:
        for task in list(ask._pending):
            task.cancel()
        await engine.dispose()


async def test_connecting_to_a_hung_database_gives_up_with_one_line(stalling_port: int) -> None:
    url = f"postgresql+asyncpg://bot:secret@127.0.0.1:{stalling_port}/bot"
    engine = create_engine(url, connect_timeout=0.3)
    try:
        start = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as caught:
            await check_connection(engine)
        assert time.monotonic() - start < 3.0
        message = str(caught.value)
        assert "\n" not in message and "secret" not in message
    finally:
        await engine.dispose()


def test_the_timeouts_are_settings_with_defaults() -> None:
    assert Settings.from_env({}).db_connect_timeout == 5.0
    tuned = Settings.from_env({"DB_CONNECT_TIMEOUT": "2", "DB_STATEMENT_TIMEOUT": "15"})
    assert (tuned.db_connect_timeout, tuned.db_statement_timeout) == (2.0, 15.0)
