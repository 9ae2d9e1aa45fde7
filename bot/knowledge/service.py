"""The live knowledge base: what each server sees, and a matcher ready for it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import Entry
from bot.knowledge.yamlsource import DataFileError
from bot.matching.engine import Matcher, Thresholds

log = logging.getLogger(__name__)


class KnowledgeService:
    """Holds the bundled base and its matcher; swaps both atomically on reload."""

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

    @classmethod
    def from_directory(cls, directory: Path) -> KnowledgeService:
        return cls(load_knowledge(directory), directory)

    @property
    def base(self) -> KnowledgeBase:
        return self._base

    async def knowledge_for(self, guild_id: int | None) -> KnowledgeBase:
        """The entries a server sees."""
        return self._base

    async def matcher_for(self, guild_id: int | None) -> Matcher:
        """The matcher for what a server sees; built once per knowledge version."""
        return self._matcher

    async def entry(self, guild_id: int | None, entry_id: str) -> Entry | None:
        return (await self.knowledge_for(guild_id)).get(entry_id)

    async def reload(self) -> KnowledgeBase:
        """Re-read the directory. On invalid files raise DataFileError and keep serving the old."""
        if self.directory is None:
            raise DataFileError([])
        knowledge = await asyncio.to_thread(load_knowledge, self.directory)
        matcher = await asyncio.to_thread(self._matcher.rebuilt, knowledge)
        self._base, self._matcher = knowledge, matcher
        log.info("knowledge reloaded: %d entries, version %s", len(knowledge), knowledge.version)
        return knowledge
