"""The operator's endpoint (METRICS_PORT): Prometheus metrics and /healthz, on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.db.engine import create_engine
from bot.discord.app import create_bot
from bot.ops.endpoint import Health, OpsEndpoint, database_probe
from bot.ops.metrics import Metrics
from bot.services import Services
from tests.harness import make_guild, make_user, run_bot

ALICE = make_user("alice")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) -> value, from Prometheus's text format."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Metrics, Health], Awaitable[OpsEndpoint]]]:
    """Starts endpoints on free loopback ports; closes them after the test."""
    started: list[OpsEndpoint] = []

    async def start(metrics: Metrics, health: Health) -> OpsEndpoint:
        endpoint = OpsEndpoint(metrics, health, "127.0.0.1", 0)
        await endpoint.start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        await endpoint.close()


async def test_healthz_needs_the_gateway_and_a_database_that_answers_within_a_second(
    services: Services, serve: Callable[[Metrics, Health], Awaitable[OpsEndpoint]]
) -> None:
    connected = True
    endpoint = await serve(Metrics(), Health(lambda: connected, database_probe(services.engine)))
    assert endpoint.port > 0
    assert await get(endpoint.port, "/healthz") == (200, '{"gateway": "ok", "database": "ok"}')
    connected = False
    status, body = await get(endpoint.port, "/healthz")
    assert (status, body) == (503, '{"gateway": "not connected", "database": "ok"}')

    async def stuck() -> None:  # a database that takes its time
        await asyncio.sleep(5)

    slow = await serve(Metrics(), Health(lambda: True, stuck, timeout=0.2))
    start = time.monotonic()
    status, body = await get(slow.port, "/healthz")
    assert status == 503 and "no answer within 0.2 s" in body
    assert time.monotonic() - start < 1.0

    gone = create_engine("postgresql+asyncpg://careerbot@127.0.0.1:9/nowhere")  # refused
    try:
        down = await serve(Metrics(), Health(lambda: True, database_probe(gone)))
        status, body = await get(down.port, "/healthz")
        assert status == 503 and '"gateway": "ok"' in body and "database" in body
    finally:
        await gone.dispose()


async def test_metrics_cover_questions_cache_knowledge_and_database_errors(
    services: Services, serve: Callable[[Metrics, Health], Awaitable[OpsEndpoint]]
) -> None:
    metrics = Metrics()
    metrics.watch_knowledge(services.knowledge)
    metrics.watch_gateway(lambda: [(0, 0.042), (1, float("nan"))])
    unwatch = metrics.watch_database(services.engine)
    services.ask.observers.append(lambda result, seconds: metrics.answered("chat", result, seconds))
    await services.ask.ask("how do I become an ml engineer", 5)
    await services.ask.ask("zzzz qqqq", 5)
    with pytest.raises(SQLAlchemyError):
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    unwatch()
    metrics.acknowledged(created_at=time.time() - 0.3)
    endpoint = await serve(metrics, Health(lambda: True, database_probe(services.engine)))

    status, body = await get(endpoint.port, "/metrics")
    assert status == 200
    found = samples(body)

    def value(name: str, **labels: str) -> float:
        return found[(name, frozenset(labels.items()))]

    assert value("careerbot_questions_total", outcome="answer", frontend="chat") == 1
    assert value("careerbot_questions_total", outcome="none", frontend="chat") == 1
    assert value("careerbot_answer_seconds_count", frontend="chat") == 2
    assert value("careerbot_interaction_ack_seconds_count") == 1
    assert value("careerbot_interaction_ack_seconds_bucket", le="0.25") == 0
    assert value("careerbot_interaction_ack_seconds_bucket", le="0.5") == 1
    assert value("careerbot_database_errors_total", error="OperationalError") == 1
    version = services.knowledge.base.version
    assert value("careerbot_knowledge_info", version=version) == 1
    assert value("careerbot_knowledge_entries") == len(services.knowledge.base)
    assert value("careerbot_knowledge_cache_servers") == 1  # server 5, no layer of its own
    assert value("careerbot_knowledge_cache_budget_bytes") == 512 * 1024 * 1024
    assert value("careerbot_knowledge_cache_lookups_total", result="miss") == 1
    assert value("careerbot_knowledge_cache_lookups_total", result="hit") == 1
    assert value("careerbot_knowledge_cache_evictions_total") == 0
    assert value("careerbot_gateway_latency_seconds", shard="0") == 0.042


async def test_the_discord_bot_serves_its_metrics_and_health(
    settings: Settings, services: Services
) -> None:
    observed = dataclasses.replace(settings, metrics_port=0)  # any free port
    guild = make_guild(members=[ALICE])
    bot = create_bot(observed, services=services)
    assert bot.observability is not None
    async with run_bot(bot, guilds=[guild], user=ALICE) as h:
        port = bot.observability.endpoint.port  # type: ignore[union-attr]
        assert (await get(port, "/healthz"))[0] == 200
        await h.slash("ask", question="how do I become an ml engineer")
        me = h.fake.bot_user["id"]
        asked = await h.send_message(f"<@{me}> what is kaggle")
        await asked.wait("channel_message")
        status, body = await get(port, "/metrics")
    assert status == 200
    found = samples(body)
    answers = frozenset({("outcome", "answer"), ("frontend", "slash")})
    assert found[("careerbot_questions_total", answers)] == 1
    mentions = frozenset({("outcome", "answer"), ("frontend", "message")})
    assert found[("careerbot_questions_total", mentions)] == 1
    assert found[("careerbot_interaction_ack_seconds_count", frozenset())] == 1
    shards = [key for key in found if key[0] == "careerbot_gateway_latency_seconds"]
    assert shards == [("careerbot_gateway_latency_seconds", frozenset({("shard", "0")}))]
    assert services.ask.observers == []  # the closed bot stopped counting
