"""Per-server settings (ask channel, moderator role), cached so messages cost no query."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.db.models import GuildSettings, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert


@dataclass(frozen=True)
class ServerSettings:
    guild_id: int
    ask_channel_id: int | None = None
    mod_role_id: int | None = None


CACHE_SECONDS = 5.0  # how stale another process's change (e.g. a new mod role) may be


class GuildSettingsService:
    """Reads and writes guild_settings, caching reads briefly (writes here refresh at once)."""

    def __init__(self, sessions: Sessions, ttl: float = CACHE_SECONDS) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self._cache: dict[int, tuple[float, ServerSettings]] = {}

    async def get(self, guild_id: int) -> ServerSettings:
        cached = self._cache.get(guild_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        async with reader(self.sessions) as session:
            row = await session.get(GuildSettings, guild_id)
        settings = ServerSettings(
            guild_id,
            row.ask_channel_id if row else None,
            row.mod_role_id if row else None,
        )
        self._cache[guild_id] = (time.monotonic(), settings)
        return settings

    async def set_ask_channel(self, guild_id: int, channel_id: int | None) -> ServerSettings:
        return await self._set(guild_id, ask_channel_id=channel_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> ServerSettings:
        return await self._set(guild_id, mod_role_id=role_id)

    async def _set(self, guild_id: int, **values: int | None) -> ServerSettings:
        now = utcnow()
        async with writer(self.sessions) as session:
            await upsert(
                session,
                GuildSettings,
                {"guild_id": guild_id, "updated_at": now, **values},
                ("guild_id",),
                {**values, "updated_at": now},
            )
        self._cache.pop(guild_id, None)
        return await self.get(guild_id)

    def forget(self, guild_id: int | None = None) -> None:
        """Drop cached settings (all servers when guild_id is None)."""
        if guild_id is None:
            self._cache.clear()
        else:
            self._cache.pop(guild_id, None)
