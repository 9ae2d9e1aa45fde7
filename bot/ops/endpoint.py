"""The operator's HTTP endpoint (METRICS_PORT): Prometheus metrics and a health check.

`/metrics` is for Prometheus; `/healthz` answers 200 when the bot is connected to the Discord
gateway and the database answers within a second, else 503 (Docker's health check uses it).
It runs on the bot's event loop, so a stalled loop also fails the health check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 1.0  # seconds the database may take to answer a health check


@dataclass(frozen=True)
class Health:
    """What /healthz checks: the gateway (a cheap flag) and the database (a round trip)."""

    gateway_connected: Callable[[], bool]
    database_answers: Callable[[], Awaitable[None]]
    timeout: float = DATABASE_TIMEOUT

    async def check(self) -> dict[str, str]:
        """{"gateway": ..., "database": ...}: "ok" or why not."""
        report = {"gateway": "ok" if self.gateway_connected() else "not connected"}
        task = asyncio.ensure_future(self.database_answers())
        try:
            await asyncio.wait_for(asyncio.shield(task), self.timeout)
            report["database"] = "ok"
        except TimeoutError:
            task.add_done_callback(_consume)  # let it finish: cancelling may break a connection
            report["database"] = f"no answer within {self.timeout:g} s"
        except (SQLAlchemyError, OSError) as exc:
            report["database"] = " ".join(str(exc).split())[:200] or type(exc).__name__
        return report


def database_probe(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return probe


class OpsEndpoint:
    """Serves /metrics and /healthz on host:port until closed (port 0: any free port)."""

    def __init__(self, metrics: Metrics, health: Health, host: str, port: int) -> None:
        self.metrics = metrics
        self.health = health
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the one chosen, when asked for port 0
        log.info("metrics and health on http://%s:%d/metrics and /healthz", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self.health.check()
        healthy = all(value == "ok" for value in report.values())
        return web.Response(
            status=200 if healthy else 503,
            text=json.dumps(report),
            content_type="application/json",
        )


def _consume(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(BaseException):
        task.result()
