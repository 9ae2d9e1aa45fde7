"""Per-server effective knowledge and matchers, kept fresh from the database.

Each server with a layer gets a view (effective base + matcher) cached at its kb_versions
version. At most once per `sync_seconds` a question checks that version (one primary-key read);
when another process changed the layer, only the revisions since the view was built are read,
only the changed rows re-validated and the matcher rebuilt with `Matcher.rebuilt`, which reuses
every unchanged prepared entry. A write in this process calls `invalidate`, so the very next
question here sees it without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.unit import Sessions
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.layers import LayerComposer, LayerRow
from bot.knowledge.layerstore import changed_since, latest_revision_id, read_rows, read_version
from bot.matching.engine import Matcher
from bot.matching.index import PreparedCache, PreparedEntry, prepared_key
from bot.matching.normalize import Normalizer

log = logging.getLogger(__name__)

NEVER = float("-inf")


class RetainingCache(PreparedCache):
    """A PreparedCache that forgets entries no longer in the index, so edits do not leak."""

    def __init__(self, normalize: Normalizer, items: Iterable[PreparedEntry] = ()) -> None:
        super().__init__(normalize)
        self.retain(items)

    def retain(self, items: Iterable[PreparedEntry]) -> None:
        self._items = {prepared_key(item.entry): item for item in items}


@dataclass
class GuildView:
    """One server's effective base and matcher at one layer version."""

    guild_id: int
    version: int  # kb_versions.version it reflects; -1 when the database could not be read
    revision: int  # newest kb_revisions id it reflects
    layer: LayerComposer
    knowledge: KnowledgeBase
    matcher: Matcher
    bundled: Matcher  # the bundled matcher it was built on; a reload makes the view stale
    checked_at: float = NEVER


class GuildLayers:
    """Caches one view per server; refreshes by version, rebuilding only what changed."""

    def __init__(self, sessions: Sessions, sync_seconds: float = 1.0) -> None:
        self.sessions = sessions
        self.sync_seconds = sync_seconds
        self._views: dict[int, GuildView] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def invalidate(self, guild_id: int) -> None:
        """Check the database on the next question (this process just wrote)."""
        view = self._views.get(guild_id)
        if view is not None:
            view.checked_at = NEVER

    def cached(self, guild_id: int) -> GuildView | None:
        """The current view without touching the database (may be stale)."""
        return self._views.get(guild_id)

    def _fresh(self, view: GuildView | None, bundled: Matcher) -> bool:
        return (
            view is not None
            and view.bundled is bundled
            and time.monotonic() - view.checked_at < self.sync_seconds
        )

    async def view(self, guild_id: int, bundled: Matcher) -> GuildView:
        """The server's view, refreshed when it may be out of date."""
        view = self._views.get(guild_id)
        if self._fresh(view, bundled):
            return view  # type: ignore[return-value]
        async with self._locks.setdefault(guild_id, asyncio.Lock()):
            view = self._views.get(guild_id)
            if self._fresh(view, bundled):
                return view  # type: ignore[return-value]
            if view is not None and view.bundled is not bundled:
                view = None  # the bundled base was reloaded: rebuild from scratch
            checked_at = time.monotonic()
            try:
                view = await self._refresh(guild_id, view, bundled)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("cannot refresh knowledge of server %s: %s", guild_id, exc)
                view = view or self._bundled_view(guild_id, bundled, version=-1)
            view.checked_at = checked_at
            self._views[guild_id] = view
            return view

    def _bundled_view(self, guild_id: int, bundled: Matcher, version: int) -> GuildView:
        layer = LayerComposer(bundled.knowledge)
        return GuildView(guild_id, version, 0, layer, bundled.knowledge, bundled, bundled)

    async def _refresh(self, guild_id: int, view: GuildView | None, bundled: Matcher) -> GuildView:
        async with self.sessions() as session:
            version = await read_version(session, guild_id)
            if view is not None and view.version == version:
                return view
            if version == 0:
                return self._bundled_view(guild_id, bundled, version)
            if view is None or view.version < 0:
                return await self._load(session, guild_id, version, bundled)
            changed, newest = await changed_since(session, guild_id, view.revision)
            rows = await read_rows(session, guild_id, changed)
        updates = {entry_id: rows.get(entry_id) for entry_id in changed}
        return await asyncio.to_thread(self._apply, view, version, newest, updates)

    async def _load(
        self, session: AsyncSession, guild_id: int, version: int, bundled: Matcher
    ) -> GuildView:
        revision = await latest_revision_id(session, guild_id)  # before the rows: see layerstore
        rows = await read_rows(session, guild_id)
        start = time.perf_counter()
        view = await asyncio.to_thread(self._build, guild_id, version, revision, rows, bundled)
        log.info(
            "server %s knowledge: %d layer rows, %d entries, built in %.2f s",
            guild_id,
            len(rows),
            len(view.knowledge),
            time.perf_counter() - start,
        )
        return view

    @staticmethod
    def _build(
        guild_id: int, version: int, revision: int, rows: dict[str, LayerRow], bundled: Matcher
    ) -> GuildView:
        layer = LayerComposer(bundled.knowledge, rows.values())
        knowledge = layer.knowledge()
        matcher = _matcher_for(knowledge, bundled)
        return GuildView(guild_id, version, revision, layer, knowledge, matcher, bundled)

    @staticmethod
    def _apply(
        view: GuildView, version: int, revision: int, updates: dict[str, LayerRow | None]
    ) -> GuildView:
        """A new view with `updates` applied; the old one stays intact for readers using it."""
        if not updates:
            return replace(view, version=version, revision=revision)
        layer = view.layer.copy()
        layer.update(updates)
        knowledge = layer.knowledge()
        if knowledge is view.bundled.knowledge:
            matcher = view.bundled
        elif view.matcher is view.bundled:
            matcher = _matcher_for(knowledge, view.bundled)
        else:
            matcher = view.matcher.rebuilt(knowledge)
            if isinstance(matcher.cache, RetainingCache):
                matcher.cache.retain(matcher.index.items)
        return replace(
            view,
            version=version,
            revision=revision,
            layer=layer,
            knowledge=knowledge,
            matcher=matcher,
        )


def _matcher_for(knowledge: KnowledgeBase, bundled: Matcher) -> Matcher:
    """A server's first matcher: bundled entries come prepared, the normaliser is shared."""
    if knowledge is bundled.knowledge:
        return bundled
    cache = RetainingCache(bundled.normalize, bundled.index.items)
    matcher = Matcher(knowledge, bundled.thresholds, cache, bundled.semantic)
    cache.retain(matcher.index.items)
    return matcher
