"""Wires settings, database and knowledge into the services every front end shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.ask import AskService
from bot.config import Settings
from bot.db.engine import DatabaseUnavailable, create_engine, describe_failure, migrate
from bot.db.engine import session_factory as make_session_factory
from bot.feedback import FeedbackService
from bot.guild_settings import GuildSettingsService
from bot.insights import InsightsService
from bot.knowledge.moderation import ModerationService
from bot.knowledge.service import KnowledgeService
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import load_tracks

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the Discord cogs and the terminal chat call; no Discord types in here."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    knowledge: KnowledgeService
    ask: AskService
    guild_settings: GuildSettingsService
    feedback: FeedbackService
    roadmaps: RoadmapService
    moderation: ModerationService
    insights: InsightsService

    async def close(self) -> None:
        await self.engine.dispose()


async def open_services(
    settings: Settings, *, knowledge: KnowledgeService | None = None, upgrade: bool = True
) -> Services:
    """Load knowledge (raises DataFileError), connect and migrate (raises DatabaseUnavailable)."""
    knowledge = knowledge or KnowledgeService.from_directory(settings.knowledge_dir)
    roadmaps_dir = settings.knowledge_dir / "roadmaps"
    tracks = load_tracks(roadmaps_dir, knowledge.base)  # raises DataFileError, like knowledge
    engine = create_engine(settings.database_url)
    try:
        if upgrade:
            await migrate(engine)
        else:
            async with engine.connect():
                pass
    except DatabaseUnavailable:
        await engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        await engine.dispose()
        raise DatabaseUnavailable(describe_failure(settings.database_url, exc)) from None
    sessions = make_session_factory(engine)
    knowledge.attach_database(sessions, settings.kb_sync_seconds)  # per-server layers
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=knowledge,
        ask=AskService(knowledge, sessions),
        guild_settings=GuildSettingsService(sessions),
        feedback=FeedbackService(sessions),
        roadmaps=RoadmapService(tracks, sessions, knowledge, roadmaps_dir),
        moderation=ModerationService(knowledge, sessions),
        insights=InsightsService(knowledge, sessions),
    )
