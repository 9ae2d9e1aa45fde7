"""The live knowledge base: what each server sees, and a matcher ready for it.

Importing this module loads no database code and no sentence model (the server layers and the
model are imported when first used).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answers.sentencemodel import open_semantic as open_semantic  # its former home
from bot.answers.sentencemodel import save_vectors as save_vectors
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import Entry
from bot.matching.engine import Matcher, MatchResult, Thresholds

if TYPE_CHECKING:
    from bot.answers.guildcache import CacheStats, GuildLayers, GuildView
    from bot.answers.layercache import LocalLayers
    from bot.db.unit import Sessions
    from bot.matching.semantic import Semantic

MATCH_ON_LOOP_ENTRIES = 5_000  # bigger bases are matched off the event loop


class KnowledgeService:
    """Holds the bundled base and its matcher (swapped atomically on reload), and, once a
    database is attached, each server's layer over it (see bot/answers/guildcache.py)."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        directory: Path | None = None,
        thresholds: Thresholds | None = None,
        semantic: Semantic | None = None,
    ) -> None:
        self.directory = directory
        self.thresholds = thresholds or Thresholds()
        self._base = knowledge
        self._matcher = Matcher(knowledge, self.thresholds, semantic=semantic)
        self._layers: GuildLayers | None = None
        # Told of every layer change made in this process (other processes are notified).
        self.change_listeners: list[Callable[[int], None]] = []

    def attach_database(
        self,
        sessions: Sessions,
        sync_seconds: float = 1.0,
        budget_bytes: int | None = None,
        local: LocalLayers | None = None,
    ) -> None:
        """Serve server layers from this database, checking for changes every sync_seconds
        and keeping at most `budget_bytes` of them in memory (default 512 MB); with `local`,
        each server's last known layer is kept on disk for when the database fails."""
        from bot.answers.guildcache import DEFAULT_BUDGET_BYTES, GuildLayers

        self._layers = GuildLayers(
            sessions, sync_seconds, budget_bytes or DEFAULT_BUDGET_BYTES, local=local
        )

    async def load_hidden(self) -> None:
        """Learn which bundled entries each server hid (once, at start; see knowledge_in_memory)."""
        if self._layers is not None:
            await self._layers.load_hidden(self._base)

    @property
    def layers(self) -> GuildLayers | None:
        """The per-server cache, None without a database."""
        return self._layers

    async def close(self) -> None:
        """Stop the per-server refreshes still running (before the database closes)."""
        if self._layers is not None:
            await self._layers.close()

    def cache_stats(self) -> CacheStats | None:
        return self._layers.stats() if self._layers is not None else None

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

    def knowledge_in_memory(self, guild_id: int | None) -> KnowledgeBase:
        """What a server saw last, without awaiting anything (autocomplete): its view in
        memory, else the bundled base without the entries it hid."""
        view = self.cached_view(guild_id)
        if view is not None:
            return view.knowledge
        if self._layers is None or not guild_id:
            return self._base
        hidden = self._layers.hidden_ids(guild_id)
        if not hidden:
            return self._base
        return self._base.replace_entries(e for e in self._base if e.id not in hidden)

    def invalidate(self, guild_id: int) -> None:
        """A server's layer changed in this process: the next question re-reads it, and the
        change listeners (other processes) hear of it."""
        self.changed_elsewhere(guild_id)
        for listener in self.change_listeners:
            listener(guild_id)

    def invalidate_all(self) -> None:
        """Every server re-reads its layer at its next question (notices may have been lost)."""
        if self._layers is not None:
            self._layers.invalidate_all()

    def changed_elsewhere(self, guild_id: int) -> None:
        """Another process changed a server's layer: the next question here re-reads it."""
        if self._layers is not None:
            self._layers.invalidate(guild_id)

    @classmethod
    def from_directory(
        cls, directory: Path, semantic: Semantic | None = None
    ) -> KnowledgeService:
        return cls(load_knowledge(directory), directory, semantic=semantic)

    @property
    def matcher(self) -> Matcher:
        """The bundled base's matcher (servers without a layer of their own use it)."""
        return self._matcher

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

    @staticmethod
    async def match(matcher: Matcher, question: str) -> MatchResult:
        """`matcher.match`, in a worker thread for a big server: its scoring walks postings
        lists that grow with the server (60 ms at 100,000 entries), too long for the loop."""
        if matcher.semantic is None and len(matcher.knowledge) <= MATCH_ON_LOOP_ENTRIES:
            return matcher.match(question)  # the sentence model always runs off the loop
        return await asyncio.to_thread(matcher.match, question)

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
