"""Per-server effective knowledge and matchers, kept fresh from the database, in bounded memory.

Each server with a layer gets a view (effective base + matcher) cached at its kb_versions
version. At most once per `sync_seconds` a question checks that version (one primary-key read);
when another process changed the layer, only the revisions since the view was built are read,
only the changed rows re-validated and the matcher rebuilt with `Matcher.rebuilt`, which reuses
every unchanged prepared entry. A write in this process calls `invalidate`, so the very next
question here sees it without waiting.

Memory: views live in a least-recently-used cache bounded by a byte budget (KNOWLEDGE_CACHE_MB);
an evicted server is rebuilt at its next question. A server without a layer shares the bundled
matcher and costs a few hundred bytes.

Latency: reads and builds run in a background task per server (rows are decoded and indexed in
a worker thread). A question waits for it at most `wait_seconds`, then answers from the previous
view while the build finishes.

Database trouble: a server not in memory whose layer cannot be read in time is served its last
known layer from this machine's disk (bot.answers.layercache), else the bundled base without
the entries it hid (known since start), never the bundled base with hidden entries back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.answers.layercache import LocalLayers
from bot.answers.quietgc import collection_paused
from bot.answers.release import release_in_background
from bot.answers.sizedlru import LruStats, SizedLRU
from bot.answers.viewsize import view_bytes
from bot.db.models import GuildEntry
from bot.db.unit import Sessions
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.layerpages import decode_rows, read_raw_rows
from bot.knowledge.layers import LayerComposer, LayerRow
from bot.knowledge.layerstore import changed_since, latest_revision_id, read_version
from bot.matching.engine import Matcher
from bot.matching.index import PreparedCache, PreparedEntry
from bot.matching.normalize import Normalizer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.knowledge.layerpages import RawRow

log = logging.getLogger(__name__)

NEVER = float("-inf")
DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024
ANSWER_WAIT_SECONDS = 1.0  # a question waits this long for a refresh, then answers from memory
DISK_WAIT_SECONDS = 0.5  # ... and then this long for the last known layer on disk
_TEXT_IN_ENTRY: dict[str, object] = {}  # stands for a cached row's text, kept in its entry only


class RetainingCache(PreparedCache):
    """A PreparedCache that forgets entries no longer in the index, so edits do not leak."""

    def __init__(self, normalize: Normalizer, items: Iterable[PreparedEntry] = ()) -> None:
        super().__init__(normalize)
        self._items = {item.entry.id: item for item in items}

    def retain(self, items: Iterable[PreparedEntry]) -> None:
        """Forget what is not among `items`, deleting in place: replacing the dict would free
        100,000 keys in one C call that holds the GIL, and so the event loop, for 50 ms."""
        live = {id(item) for item in items}
        stale = [key for key, item in self._items.items() if id(item) not in live]
        for key in stale:
            del self._items[key]


@dataclass
class GuildView:
    """One server's effective base and matcher at one layer version.

    The layer's rows keep their flags and aliases but not their text, which lives once, in the
    effective entries: the cached layer is only ever updated with rows read anew.
    """

    guild_id: int
    version: int  # kb_versions.version it reflects; -1 when the database could not be read
    revision: int  # newest kb_revisions id it reflects
    layer: LayerComposer
    knowledge: KnowledgeBase
    matcher: Matcher
    bundled: Matcher  # the bundled matcher it was built on; a reload makes the view stale
    checked_at: float = NEVER
    nbytes: int = 0  # estimated memory it holds beyond the bundled base (bot.answers.viewsize)
    hidden: frozenset[str] = frozenset()  # bundled entries this server hid


@dataclass(frozen=True)
class CacheStats:
    """For the metrics endpoint and the benchmark."""

    views: int
    nbytes: int
    budget: int
    evictions: int
    hits: int  # lookups (about two per question) that found the server in memory
    misses: int  # lookups that had to read and build it
    building: int  # refreshes running now


class GuildLayers:
    """Caches one view per server; refreshes by version, rebuilding only what changed."""

    def __init__(
        self,
        sessions: Sessions,
        sync_seconds: float = 1.0,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        wait_seconds: float = ANSWER_WAIT_SECONDS,
        local: LocalLayers | None = None,
    ) -> None:
        self.sessions = sessions
        self.local = local
        self.sync_seconds = sync_seconds
        self.wait_seconds = wait_seconds
        self._views: SizedLRU[int, GuildView] = SizedLRU(budget_bytes, release_in_background)
        self._refreshing: dict[int, asyncio.Task[GuildView]] = {}
        self._started: dict[int, float] = {}  # when each running refresh began
        self._recheck: set[int] = set()  # invalidated while a refresh was running
        self._hidden: dict[int, frozenset[str]] = {}  # each server's hidden bundled entries
        self._disk_reads: dict[int, asyncio.Task[GuildView]] = {}
        self._rows_read: set[int] = set()  # refreshes past the database, building the view
        self._bundled_ids: frozenset[str] | None = None  # known once load_hidden ran
        self._hidden_reads: set[asyncio.Task[None]] = set()
        self.hits = 0
        self.misses = 0

    def invalidate(self, guild_id: int) -> None:
        """Check the database on the next question (this process or another one just wrote)."""
        view = self._views.peek(guild_id)
        if view is not None:
            view.checked_at = NEVER
        elif self._bundled_ids is not None and guild_id not in self._refreshing:
            self._reread_hidden(guild_id)  # what autocomplete shows until its next question
        if guild_id in self._refreshing:
            self._recheck.add(guild_id)  # it may have read the version before the write

    def invalidate_all(self) -> None:
        """Check every server again (change notifications may have been missed)."""
        for guild_id in self._views:
            self.invalidate(guild_id)

    def cached(self, guild_id: int) -> GuildView | None:
        """The current view without touching the database (may be stale)."""
        return self._views.peek(guild_id)

    def hidden_ids(self, guild_id: int) -> frozenset[str]:
        """The bundled entries a server hid, as last seen; known for every server since
        `load_hidden`, without its view in memory (autocomplete before a first question)."""
        return self._hidden.get(guild_id, frozenset())

    async def load_hidden(self, bundled: KnowledgeBase, timeout: float = 5.0) -> None:
        """Learn every server's hidden bundled entries: from the database, or when it fails,
        from the local cache. Call it once at start."""
        self._bundled_ids = frozenset(bundled.ids())
        on_disk = await asyncio.to_thread(self.local.open) if self.local is not None else {}
        try:
            found = await asyncio.wait_for(self._read_hidden(), timeout)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("hidden entries from the local cache: database unreadable (%s)", exc)
            found = on_disk
        for guild_id, ids in found.items():
            if guild_id not in self._hidden:  # a view read since is newer
                self._remember_hidden(guild_id, ids)

    def _remember_hidden(self, guild_id: int, ids: Iterable[str]) -> None:
        known = frozenset(ids)
        if self._bundled_ids is not None:
            known &= self._bundled_ids  # a view's hidden ids are bundled ones already
        if known:
            self._hidden[guild_id] = known
        else:
            self._hidden.pop(guild_id, None)

    async def _read_hidden(self, guild_id: int | None = None) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        statement = select(GuildEntry.guild_id, GuildEntry.entry_id).where(GuildEntry.hidden)
        if guild_id is not None:
            statement = statement.where(GuildEntry.guild_id == guild_id)
        async with self.sessions() as session:
            for guild, entry_id in await session.execute(statement):
                found.setdefault(guild, set()).add(entry_id)
        return found

    def _reread_hidden(self, guild_id: int) -> None:
        """Update one server's hidden ids in the background (its view is not in memory)."""

        async def reread() -> None:
            try:
                found = await self._read_hidden(guild_id)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("cannot read hidden entries of server %s: %s", guild_id, exc)
                return
            if self._views.peek(guild_id) is None:  # else its view is newer
                self._remember_hidden(guild_id, found.get(guild_id, ()))

        try:
            task = asyncio.get_running_loop().create_task(reread())
        except RuntimeError:  # no event loop (a script): nothing shows autocomplete here
            return
        self._hidden_reads.add(task)
        task.add_done_callback(self._hidden_reads.discard)

    def stats(self) -> CacheStats:
        lru: LruStats = self._views.stats()
        return CacheStats(
            lru.items,
            lru.nbytes,
            lru.budget,
            lru.evictions,
            self.hits,
            self.misses,
            len(self._refreshing),
        )

    async def close(self) -> None:
        """Stop the refreshes still running (their database connections are closing)."""
        tasks = [*self._refreshing.values(), *self._hidden_reads]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def settled(self) -> None:
        """Wait until no refresh is running (tests and benchmarks)."""
        while self._refreshing or self._hidden_reads:
            await asyncio.gather(
                *self._refreshing.values(), *self._hidden_reads, return_exceptions=True
            )

    def _fresh(self, view: GuildView | None, bundled: Matcher) -> bool:
        return (
            view is not None
            and view.bundled is bundled
            and time.monotonic() - view.checked_at < self.sync_seconds
        )

    async def view(self, guild_id: int, bundled: Matcher) -> GuildView:
        """The server's view, refreshed when it may be out of date; never a wait past
        `wait_seconds` from the start of the refresh."""
        view = self._views.get(guild_id)
        if view is None:
            self.misses += 1
        else:
            self.hits += 1
        if self._fresh(view, bundled):
            return view  # type: ignore[return-value]
        task = self._refreshing.get(guild_id) or self._start_refresh(guild_id, bundled)
        waited = time.monotonic() - self._started.get(guild_id, time.monotonic())
        try:
            return await asyncio.wait_for(
                asyncio.shield(task), max(0.0, self.wait_seconds - waited)
            )
        except TimeoutError:
            if view is not None:
                return view
            if guild_id in self._rows_read:  # the database answered; the build takes long
                return self._hidden_view(guild_id, bundled)
            return await self._last_known(guild_id, bundled)

    def _start_refresh(self, guild_id: int, bundled: Matcher) -> asyncio.Task[GuildView]:
        task = asyncio.create_task(
            self._refresh_and_keep(guild_id, bundled), name=f"knowledge of server {guild_id}"
        )
        self._refreshing[guild_id] = task
        self._started[guild_id] = time.monotonic()
        task.add_done_callback(functools.partial(self._refresh_done, guild_id))
        return task

    def _refresh_done(self, guild_id: int, task: asyncio.Task[GuildView]) -> None:
        if self._refreshing.get(guild_id) is task:
            del self._refreshing[guild_id]
            del self._started[guild_id]
            self._rows_read.discard(guild_id)
        if not task.cancelled() and task.exception() is not None:
            log.error("refreshing server %s knowledge failed", guild_id, exc_info=task.exception())

    async def _refresh_and_keep(self, guild_id: int, bundled: Matcher) -> GuildView:
        view = self._views.peek(guild_id)
        if view is not None and view.bundled is not bundled:
            view = None  # the bundled base was reloaded: rebuild from scratch
        checked_at = time.monotonic()
        self._recheck.discard(guild_id)
        try:
            view = await self._refresh(guild_id, view, bundled)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot refresh knowledge of server %s: %s", guild_id, exc)
            view = view or self._current(guild_id, bundled)  # read from disk meanwhile
            view = view or await self._from_disk(guild_id, bundled)
        view.checked_at = NEVER if guild_id in self._recheck else checked_at
        self._recheck.discard(guild_id)
        self._keep(view)
        return view

    def _keep(self, view: GuildView) -> None:
        if view.version >= 0:  # read from the database: the truth
            self._remember_hidden(view.guild_id, view.hidden)
        for evicted in self._views.put(view.guild_id, view, view.nbytes):
            log.debug("knowledge of server %s evicted from memory", evicted)

    def _current(self, guild_id: int, bundled: Matcher) -> GuildView | None:
        view = self._views.peek(guild_id)
        return view if view is not None and view.bundled is bundled else None

    async def _last_known(self, guild_id: int, bundled: Matcher) -> GuildView:
        """For a server not in memory whose database read missed the budget: its layer from
        disk, read once while the database refresh goes on (DISK_WAIT_SECONDS at most)."""
        task = self._disk_reads.get(guild_id)
        if task is None:
            task = asyncio.create_task(self._from_disk_and_keep(guild_id, bundled))
            self._disk_reads[guild_id] = task
            task.add_done_callback(lambda _: self._disk_reads.pop(guild_id, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), DISK_WAIT_SECONDS)
        except TimeoutError:
            return self._hidden_view(guild_id, bundled)  # a huge layer, or a slow disk

    async def _from_disk_and_keep(self, guild_id: int, bundled: Matcher) -> GuildView:
        view = await self._from_disk(guild_id, bundled)
        if self._current(guild_id, bundled) is None:  # the database may have answered since
            view.checked_at = time.monotonic()
            self._keep(view)
        return view

    async def _from_disk(self, guild_id: int, bundled: Matcher) -> GuildView:
        """The server's last known layer (version -1: the database is read again next time):
        from the local cache, else the bundled base without the entries it hid."""
        raw = await asyncio.to_thread(self.local.load, guild_id) if self.local else None
        if raw is not None:
            return await asyncio.to_thread(self._build_raw, guild_id, -1, 0, raw, bundled)
        return self._hidden_view(guild_id, bundled)

    def _hidden_view(self, guild_id: int, bundled: Matcher) -> GuildView:
        """Until the server's layer is known: the bundled base without the entries it hid
        (a few milliseconds: the index is layered on the bundled one)."""
        hidden = self._hidden.get(guild_id)
        if not hidden:
            return self._bundled_view(guild_id, bundled, version=-1)
        rows = {entry_id: LayerRow(entry_id, hidden=True) for entry_id in hidden}
        return self._build(guild_id, -1, 0, rows, bundled)

    @staticmethod
    def _bundled_view(guild_id: int, bundled: Matcher, version: int) -> GuildView:
        layer = LayerComposer(bundled.knowledge)
        view = GuildView(guild_id, version, 0, layer, bundled.knowledge, bundled, bundled)
        view.nbytes = view_bytes(bundled.knowledge, bundled, bundled, rows=0)
        return view

    async def _refresh(self, guild_id: int, view: GuildView | None, bundled: Matcher) -> GuildView:
        async with self.sessions() as session:
            version = await read_version(session, guild_id)
            if view is not None and view.version == version:
                return view
            if version == 0:
                if self.local is not None and self.local.may_hold(guild_id):
                    await asyncio.to_thread(self.local.replace, guild_id, [])
                return self._bundled_view(guild_id, bundled, version)
            if view is None or view.version < 0:
                return await self._load(session, guild_id, version, bundled)
            changed, newest = await changed_since(session, guild_id, view.revision)
            raw = await read_raw_rows(session, guild_id, changed)
        if self.local is not None:
            await asyncio.to_thread(self.local.update, guild_id, changed, raw)
        return await asyncio.to_thread(self._apply_raw, view, version, newest, changed, raw)

    async def _load(
        self, session: AsyncSession, guild_id: int, version: int, bundled: Matcher
    ) -> GuildView:
        revision = await latest_revision_id(session, guild_id)  # before the rows: see layerstore
        raw = await read_raw_rows(session, guild_id)
        self._rows_read.add(guild_id)
        rows = len(raw)  # the build empties `raw`
        start = time.perf_counter()
        if self.local is not None:  # first: writing alongside the build stalls the loop more
            await asyncio.to_thread(self.local.replace, guild_id, raw)
        view = await asyncio.to_thread(self._build_raw, guild_id, version, revision, raw, bundled)
        log.info(
            "server %s knowledge: %d layer rows, %d entries, about %.1f MB, built in %.2f s",
            guild_id,
            rows,
            len(view.knowledge),
            view.nbytes / 1e6,
            time.perf_counter() - start,
        )
        return view

    @classmethod
    def _build_raw(
        cls, guild_id: int, version: int, revision: int, raw: list[RawRow], bundled: Matcher
    ) -> GuildView:
        """A worker thread's part of a full build (see bot.answers.quietgc)."""
        with collection_paused():
            rows = decode_rows(raw)
            view = cls._build(guild_id, version, revision, rows, bundled)
            free_gradually(rows)
            return view

    @classmethod
    def _apply_raw(
        cls, view: GuildView, version: int, revision: int, changed: set[str], raw: list[RawRow]
    ) -> GuildView:
        """A worker thread's part of an incremental refresh."""
        with collection_paused():
            rows = decode_rows(raw)
            updates = {entry_id: rows.get(entry_id) for entry_id in changed}
            return cls._apply(view, version, revision, updates)

    @staticmethod
    def _build(
        guild_id: int, version: int, revision: int, rows: dict[str, LayerRow], bundled: Matcher
    ) -> GuildView:
        layer = LayerComposer(bundled.knowledge, rows.values())
        knowledge = layer.knowledge()
        matcher = _matcher_for(knowledge, bundled)
        return _finished(GuildView(guild_id, version, revision, layer, knowledge, matcher, bundled))

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
        return _finished(
            replace(
                view,
                version=version,
                revision=revision,
                layer=layer,
                knowledge=knowledge,
                matcher=matcher,
            )
        )


def free_gradually(rows: dict[str, LayerRow]) -> None:
    """Empty `rows` one item at a time, so the interpreter can hand the GIL to the event loop
    in between: dropping 100,000 rows at once is one C call of tens of milliseconds."""
    while rows:
        rows.popitem()


def _finished(view: GuildView) -> GuildView:
    """Drop the rows' text (the entries hold it) and weigh the view."""
    rows = view.layer.rows
    hidden = []
    for entry_id, row in rows.items():
        if row.data is not None and row.data is not _TEXT_IN_ENTRY:
            rows[entry_id] = LayerRow(entry_id, _TEXT_IN_ENTRY, row.aliases, row.hidden)
        if row.hidden and entry_id in view.bundled.knowledge:
            hidden.append(entry_id)
    view.hidden = frozenset(hidden)
    view.nbytes = view_bytes(view.knowledge, view.matcher, view.bundled, len(rows))
    return view


def _matcher_for(knowledge: KnowledgeBase, bundled: Matcher) -> Matcher:
    """A server's first matcher: layered on the bundled index (each server indexes only its
    own and changed entries), the normaliser is shared."""
    if knowledge is bundled.knowledge:
        return bundled
    cache = RetainingCache(bundled.normalize)
    return Matcher(knowledge, bundled.thresholds, cache, bundled.semantic, over=bundled)
