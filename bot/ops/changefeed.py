"""Knowledge changes announced to every bot process sharing a PostgreSQL database.

A process that changes a server's layer, or reloads the bundled files, sends a NOTIFY on one
channel; every other process LISTENs on a connection of its own and re-reads that server at its
next question, or reloads its files. The version check every KB_SYNC_SECONDS stays as the
fallback for a notice lost while a listener reconnects. SQLite has no notifications and one
process, so it has no feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

CHANNEL = "careerbot_knowledge"
PING_SECONDS = 30.0  # a dead listening connection is noticed within this
RECONNECT_SECONDS = 2.0

OnLayer = Callable[[int], None]
OnReload = Callable[[], Awaitable[object]]
OnConnect = Callable[[], None]


class ChangeFeed:
    """Sends and receives knowledge-change notices; `start` it, `close` it."""

    def __init__(
        self,
        engine: AsyncEngine,
        on_layer: OnLayer,
        on_reload: OnReload,
        on_reconnect: OnConnect = lambda: None,
    ) -> None:
        self.engine = engine
        self.on_layer = on_layer
        self.on_reload = on_reload
        self.on_reconnect = on_reconnect  # notices may have been missed while disconnected
        self.origin = uuid.uuid4().hex  # our own notices come back to us: ignore them
        self.listening = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    @staticmethod
    def supported(engine: AsyncEngine) -> bool:
        return engine.dialect.name == "postgresql"

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen_forever(), name="knowledge notices")

    async def close(self) -> None:
        """Stop listening, after sending every notice still on its way."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    # --- sending ----------------------------------------------------------------------------

    def layer_changed(self, guild_id: int) -> None:
        """Tell the other processes (in the background: the change is already committed)."""
        self._send({"kind": "layer", "guild": guild_id})

    async def reloaded(self) -> None:
        await self._publish({"kind": "reload"})

    def _send(self, notice: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._publish(notice))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, notice: dict[str, Any]) -> None:
        payload = json.dumps({**notice, "origin": self.origin})
        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": payload},
                )
        except (SQLAlchemyError, OSError) as exc:  # the others still poll their versions
            log.warning("could not announce a knowledge change: %s", exc)

    # --- receiving --------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        first = True
        while True:
            try:
                async with self.engine.connect() as connection:
                    await self._listen(connection, first)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                log.warning("knowledge notices interrupted, reconnecting: %s", exc)
            first = False
            self.listening.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self, connection: AsyncConnection, first: bool) -> None:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None, "an open connection has a driver connection"
        try:
            await raw.add_listener(CHANNEL, self._received)
            if not first:
                self.on_reconnect()
            self.listening.set()
            while True:  # notices arrive in callbacks; this only checks the line is alive
                await asyncio.sleep(PING_SECONDS)
                await asyncio.wait_for(raw.fetchval("SELECT 1"), PING_SECONDS)
        finally:
            await connection.invalidate()  # never hand a listening connection to the pool

    def _received(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            log.warning("ignoring a malformed knowledge notice: %.100s", payload)
            return
        if notice.get("origin") == self.origin:
            return
        if notice.get("kind") == "layer" and isinstance(notice.get("guild"), int):
            self.on_layer(notice["guild"])
        elif notice.get("kind") == "reload":
            task = asyncio.get_running_loop().create_task(self._reload())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _reload(self) -> None:
        try:
            await self.on_reload()
        except Exception:  # e.g. this process's files differ and are broken: keep serving
            log.exception("reloading the knowledge files as another process did failed")
