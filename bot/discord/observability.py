"""Metrics and health of the Discord bot (METRICS_PORT): bot/ops hooked into discord.py.

- Questions are counted by front end: "message" for mentions, DMs and the ask channel (the
  bot's `dispatch` marks message events), "slash" for /ask.
- An interaction is acknowledged when Discord accepts the POST to its callback route; seen
  through discord.py's aiohttp trace hook and timed from the interaction id's creation time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.discord.frontend import FRONTEND
from bot.ops.endpoint import Health, OpsEndpoint, database_probe
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.discord.app import CareerBot
    from bot.matching.engine import MatchResult
    from bot.services import Services

_CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback$")


def interaction_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """Times each interaction's first response, as Discord accepted it."""

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        found = _CALLBACK.search(params.url.path)
        if found is not None and params.response.status < 300:
            metrics.acknowledged(discord.utils.snowflake_time(int(found[1])).timestamp())

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


class Observability:
    """The metrics of one bot and the endpoint serving them; `start` once services are open."""

    def __init__(self, host: str, port: int) -> None:
        self.metrics = Metrics()
        self.trace = interaction_trace(self.metrics)
        self.host = host
        self.port = port
        self.endpoint: OpsEndpoint | None = None
        self._services: Services | None = None
        self._unwatch_database: Callable[[], None] = lambda: None

    def _answered(self, result: MatchResult, seconds: float) -> None:
        self.metrics.answered(FRONTEND.get(), result, seconds)

    async def start(self, bot: CareerBot, services: Services) -> None:
        metrics = self.metrics
        self._unwatch_database = metrics.watch_database(services.engine)
        metrics.watch_knowledge(services.knowledge)
        metrics.watch_gateway(lambda: bot.latencies)
        services.ask.observers.append(self._answered)
        self._services = services
        health = Health(bot.gateway_connected, database_probe(services.engine))
        self.endpoint = OpsEndpoint(metrics, health, self.host, self.port)
        await self.endpoint.start()

    async def close(self) -> None:
        if self.endpoint is not None:
            await self.endpoint.close()
            self.endpoint = None
        if self._services is not None and self._answered in self._services.ask.observers:
            self._services.ask.observers.remove(self._answered)
        self._unwatch_database()
