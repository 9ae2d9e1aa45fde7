"""Answering a member's question: match, then remember what was asked (never who asked)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.answers.serving import KnowledgeService
from bot.db.models import TopicStat, UnansweredDaily, utcnow
from bot.db.upsert import upsert
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome

log = logging.getLogger(__name__)

NO_GUILD = 0  # direct messages and the terminal chat


class AskService:
    """The one path every front end (Discord, terminal, CLI) takes to answer a question."""

    def __init__(self, knowledge: KnowledgeService, sessions: async_sessionmaker | None) -> None:
        self.knowledge = knowledge
        self.sessions = sessions
        self.observers: list[Callable[[MatchResult, float], None]] = []  # metrics: result, s

    async def ask(self, question: str, guild_id: int | None = None) -> MatchResult:
        started = time.perf_counter()
        matcher = await self.knowledge.matcher_for(guild_id)
        result = await self.knowledge.match(matcher, question)
        for observe in self.observers:
            observe(result, time.perf_counter() - started)
        if result.outcome is Outcome.ANSWER and result.entry is not None:
            await self.record_answer(guild_id, result.entry.id)
        elif result.outcome in (Outcome.SUGGEST, Outcome.NO_MATCH) and not result.smalltalk:
            await self._record_unanswered(guild_id, result.normalized)
        return result

    async def record_answer(self, guild_id: int | None, entry_id: str) -> None:
        """Count an answered topic (also when picked from "did you mean")."""
        now = utcnow()
        await self._write(
            TopicStat,
            {"guild_id": guild_id or NO_GUILD, "entry_id": entry_id, "asked": 1, "last_asked": now},
            ("guild_id", "entry_id"),
            {"asked": TopicStat.asked + 1, "last_asked": now},
        )

    async def _record_unanswered(self, guild_id: int | None, normalized: str) -> None:
        """Count the question on today's (UTC) row, for /kb gaps over the last N days."""
        now = utcnow()
        await self._write(
            UnansweredDaily,
            {
                "guild_id": guild_id or NO_GUILD,
                "text": normalized[:1000],
                "day": now.date(),
                "count": 1,
                "last_asked": now,
            },
            ("guild_id", "text", "day"),
            {"count": UnansweredDaily.count + 1, "last_asked": now},
        )

    async def _write(self, model, values, keys, update) -> None:  # type: ignore[no-untyped-def]
        if self.sessions is None:
            return
        try:
            async with self.sessions.begin() as session:
                await upsert(session, model, values, keys, update)
        except (SQLAlchemyError, OSError) as exc:  # answering must not fail on bookkeeping
            log.warning("could not record question statistics: %s", exc)

    async def popular_topics(self, guild_id: int | None, limit: int = 5) -> list[Entry]:
        """Most asked topics in this server, topped up with one starter topic per category."""
        knowledge = await self.knowledge.knowledge_for(guild_id)
        ids: list[str] = []
        if self.sessions is not None:
            try:
                async with self.sessions() as session:
                    rows = await session.scalars(
                        select(TopicStat.entry_id)
                        .where(TopicStat.guild_id == (guild_id or NO_GUILD))
                        .order_by(TopicStat.asked.desc(), TopicStat.entry_id)
                        .limit(limit * 2)
                    )
                    ids = [entry_id for entry_id in rows if entry_id in knowledge]
            except (SQLAlchemyError, OSError) as exc:
                log.warning("could not read topic statistics: %s", exc)
        for category in knowledge.categories():
            ids.append(knowledge.in_category(category)[0].id)
        unique = list(dict.fromkeys(ids))[:limit]
        return [entry for entry_id in unique if (entry := knowledge.get(entry_id))]
