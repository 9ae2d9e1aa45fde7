"""The live knowledge base: what each server sees, and a matcher ready for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.answers.guildcache import GuildLayers, GuildView
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import Entry
from bot.matching.engine import Matcher, Thresholds


class KnowledgeService:
    """Holds the bundled base and its matcher (swapped atomically on reload), and, once a
    database is attached, each server's layer over it (see bot/knowledge/guildcache.py)."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        directory: Path | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.directory = directory
        self.thresholds = thresholds or Thresholds()
        self._base = knowledge
        self._matcher = Matcher(knowledge, self.thresholds)
        self._layers: GuildLayers | None = None

    def attach_database(self, sessions: async_sessionmaker, sync_seconds: float = 1.0) -> None:
        """Serve server layers from this database, checking for changes every sync_seconds."""
        self._layers = GuildLayers(sessions, sync_seconds)

    async def view_for(self, guild_id: int | None) -> GuildView | None:
        """The server's layer view, None without a database or a server."""
        if self._layers is None or not guild_id:
            return None
        return await self._layers.view(guild_id, self._matcher)

    def cached_view(self, guild_id: int | None) -> GuildView | None:
        """The last view of a server without touching the database (autocomplete)."""
        if self._layers is None or not guild_id:
            return None
        view = self._layers.cached(guild_id)
        return view if view is not None and view.bundled is self._matcher else None

    def invalidate(self, guild_id: int) -> None:
        """A server's layer changed in this process: the next question re-reads it."""
        if self._layers is not None:
            self._layers.invalidate(guild_id)

    @classmethod
    def from_directory(cls, directory: Path) -> KnowledgeService:
        return cls(load_knowledge(directory), directory)

    @property
    def base(self) -> KnowledgeBase:
        return self._base

    async def knowledge_for(self, guild_id: int | None) -> KnowledgeBase:
        """The entries a server sees: the bundled base with its layer applied."""
        view = await self.view_for(guild_id)
        return view.knowledge if view is not None else self._base

    async def matcher_for(self, guild_id: int | None) -> Matcher:
        """The matcher for what a server sees; rebuilt only when its layer version changes."""
        view = await self.view_for(guild_id)
        return view.matcher if view is not None else self._matcher

    async def entry(self, guild_id: int | None, entry_id: str) -> Entry | None:
        return (await self.knowledge_for(guild_id)).get(entry_id)

    async def prepare(self, knowledge: KnowledgeBase) -> Matcher:
        """A matcher for a new bundled base, built off the event loop; serve it with install.

        Only bot.services.Services.reload_content calls this: it validates the knowledge
        together with the roadmap tracks and installs both at once.
        """
        return await asyncio.to_thread(self._matcher.rebuilt, knowledge)

    def install(self, matcher: Matcher) -> None:
        """Serve the prepared matcher's knowledge from now on (server layers rebuild over it)."""
        self._base, self._matcher = matcher.knowledge, matcher
