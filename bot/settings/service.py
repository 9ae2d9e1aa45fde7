"""Per-server settings (ask channel, moderator role, help forum), cached so messages cost no
query."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.db.models import GuildSettings, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert

DEFAULT_SOLVED_TAG = "Solved"


@dataclass(frozen=True)
class ServerSettings:
    guild_id: int
    ask_channel_id: int | None = None
    mod_role_id: int | None = None
    help_forum_id: int | None = None
    solved_tag: str = DEFAULT_SOLVED_TAG  # the help forum's tag that marks a post solved


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
        settings = ServerSettings(guild_id)
        if row is not None:
            settings = ServerSettings(
                guild_id,
                row.ask_channel_id,
                row.mod_role_id,
                row.help_forum_id,
                row.solved_tag or DEFAULT_SOLVED_TAG,
            )
        self._cache[guild_id] = (time.monotonic(), settings)
        return settings

    async def set_ask_channel(self, guild_id: int, channel_id: int | None) -> ServerSettings:
        return await self._set(guild_id, ask_channel_id=channel_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> ServerSettings:
        return await self._set(guild_id, mod_role_id=role_id)

    async def set_help_forum(
        self, guild_id: int, forum_id: int | None, solved_tag: str | None = None
    ) -> ServerSettings:
        """The forum whose new posts are answered (None: none), and the name of its tag for
        solved posts (None or blank: "Solved")."""
        tag = " ".join((solved_tag or "").split()) or None
        return await self._set(guild_id, help_forum_id=forum_id, solved_tag=tag)

    async def _set(self, guild_id: int, **values: int | str | None) -> ServerSettings:
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
