"""Wires settings, database and knowledge into the services every front end shares."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.answers.ask import AskService
from bot.answers.feedback import FeedbackService
from bot.answers.forum import ForumPostService
from bot.answers.layercache import LocalLayers, cache_file_for
from bot.answers.sentencemodel import open_semantic, save_vectors
from bot.answers.serving import KnowledgeService
from bot.config import Settings
from bot.content import Content, load_content, roadmaps_dir
from bot.db.engine import (
    DatabaseUnavailable,
    check_connection,
    create_engine,
    describe_failure,
    migrate,
)
from bot.db.engine import session_factory as make_session_factory
from bot.db.unit import Sessions
from bot.moderation.insights import InsightsService
from bot.moderation.retention import DAY_SECONDS, GapRetention
from bot.moderation.service import ModerationService
from bot.ops.changefeed import ChangeFeed
from bot.privacy.service import PrivacyService
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import load_tracks
from bot.settings.service import GuildSettingsService

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the Discord cogs and the terminal chat call; no Discord types in here."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    knowledge: KnowledgeService
    ask: AskService
    guild_settings: GuildSettingsService
    feedback: FeedbackService
    forum_posts: ForumPostService
    roadmaps: RoadmapService
    moderation: ModerationService
    insights: InsightsService
    privacy: PrivacyService
    retention: GapRetention
    feed: ChangeFeed | None = None  # knowledge-change notices between processes (PostgreSQL)
    _reloading: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _housekeeping: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def start_housekeeping(self, every: float = DAY_SECONDS) -> None:
        """Prune old unanswered questions every `every` seconds until close (long-running
        front ends call this; open_services pruned once already)."""
        if self._housekeeping is None or self._housekeeping.done():
            self._housekeeping = asyncio.create_task(
                self.retention.run(every), name="careerbot-housekeeping"
            )

    @property
    def reloads_everywhere(self) -> bool:
        """Whether a reload here reaches every process on this database."""
        return self.feed is not None

    async def reload_content(self, *, announce: bool = True) -> Content:
        """Re-read the knowledge directory: knowledge and roadmap tracks, validated exactly as
        `careerbot kb validate` does, then served together (no question or roadmap command
        sees one without the other).

        On any problem raise DataFileError and keep serving both previous ones. On PostgreSQL
        the other processes are told (`announce`) and reload too; on SQLite there are none.
        """
        directory = self.knowledge.directory
        if directory is None:
            raise ValueError("the knowledge was not loaded from a directory")
        async with self._reloading:  # two reloads at once: the later read is installed last
            content = await asyncio.to_thread(load_content, directory)
            matcher = await self.knowledge.prepare(content.knowledge)
            self.knowledge.install(matcher)  # no await from here: both change at once
            self.roadmaps.install(content.tracks)
        log.info(
            "reloaded %s: %d entries (version %s), roadmap tracks %s",
            directory,
            len(content.knowledge),
            content.knowledge.version,
            ", ".join(content.tracks.ids()) or "none",
        )
        if announce and self.feed is not None:
            await self.feed.reloaded()
        return content

    async def close(self) -> None:
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeping
        if self.feed is not None:
            await self.feed.close()  # after sending the notices still on their way
        await self.knowledge.close()
        await self.ask.settle()  # statistics writes still running (bounded by the timeouts)
        await self.engine.dispose()


async def open_services(
    settings: Settings, *, knowledge: KnowledgeService | None = None, upgrade: bool = True
) -> Services:
    """Load knowledge and roadmap tracks (raises DataFileError), connect and migrate (raises
    DatabaseUnavailable)."""
    if knowledge is None:
        content = load_content(settings.knowledge_dir)  # what `careerbot kb validate` checks
        semantic = open_semantic(settings.matcher, settings.embedding_model)
        knowledge = KnowledgeService(content.knowledge, settings.knowledge_dir, semantic=semantic)
        await asyncio.to_thread(save_vectors, semantic)
        tracks = content.tracks
    else:  # given (tests, scripts): its tracks are the ones next to it, checked against it
        directory = knowledge.directory or settings.knowledge_dir
        tracks = load_tracks(roadmaps_dir(directory), knowledge.base)
    engine = create_engine(
        settings.database_url,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
    )
    try:
        if upgrade:
            await migrate(engine)
        else:
            await check_connection(engine)
    except DatabaseUnavailable:
        await engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        await engine.dispose()
        raise DatabaseUnavailable(describe_failure(settings.database_url, exc)) from None
    sessions = make_session_factory(engine)
    local = None
    if settings.layer_cache_dir is not None:
        local = LocalLayers(cache_file_for(settings.layer_cache_dir, settings.database_url))
    knowledge.attach_database(  # per-server layers
        sessions, settings.kb_sync_seconds, settings.knowledge_cache_mb * 1024 * 1024, local
    )
    await knowledge.load_hidden()
    retention = GapRetention(sessions, settings.gap_retention_days)
    await retention.prune()  # at every start; the Discord bot also prunes daily
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=knowledge,
        ask=AskService(knowledge, sessions),
        guild_settings=GuildSettingsService(sessions),
        feedback=FeedbackService(sessions, knowledge),
        forum_posts=ForumPostService(sessions),
        roadmaps=RoadmapService(tracks, sessions, knowledge),
        moderation=ModerationService(knowledge, sessions, settings.max_server_entries),
        insights=InsightsService(knowledge, sessions),
        privacy=PrivacyService(sessions),
        retention=retention,
    )
    if ChangeFeed.supported(engine):
        services.feed = ChangeFeed(
            engine,
            on_layer=knowledge.changed_elsewhere,
            on_reload=lambda: services.reload_content(announce=False),
            on_reconnect=knowledge.invalidate_all,
        )
        knowledge.change_listeners.append(services.feed.layer_changed)
        services.feed.start()
    return services
