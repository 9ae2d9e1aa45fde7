"""Answering a member's question: match, then remember what was asked (never who asked)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from bot.answers.serving import KnowledgeService
from bot.db.models import NO_GUILD, Base, TopicStat, UnansweredDaily, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome

QUESTION_MAX = 1000  # the longest question answered: /ask's limit; longer forum posts are cut
BOOKKEEPING_BUDGET = 0.5  # seconds an answer waits for its statistics write, at most


def gap_text(question: str) -> str:
    """An unanswered question as moderators see it in /kb gaps: the words as asked, only folded
    (case, spacing, end punctuation) so that the same question counts on one row.

    Never the matcher's stemmed form ("how much doe a nurse make"), which reads as a typo and
    would be copied into the entry or alias a moderator makes from the gap.
    """
    return " ".join(question.split()).rstrip("?!.…").rstrip().lower()


class AskService:
    """The one path every front end (Discord, terminal, CLI) takes to answer a question."""

    def __init__(self, knowledge: KnowledgeService, sessions: Sessions | None) -> None:
        self.knowledge = knowledge
        self.sessions = sessions
        self._pending: set[asyncio.Future[None]] = set()
        self.observers: list[Callable[[MatchResult, float], None]] = []  # metrics: result, s

    async def ask(
        self, question: str, guild_id: int | None = None, *, noted_as: str | None = None
    ) -> MatchResult:
        """Match the question and count it: its topic, or, without a confident answer, the
        question for /kb gaps (as `noted_as` when given, e.g. a forum post's title, else as
        normalised text)."""
        started = time.perf_counter()
        matcher = await self.knowledge.matcher_for(guild_id)
        result = await self.knowledge.match(matcher, question)
        for observe in self.observers:
            observe(result, time.perf_counter() - started)
        if result.outcome is Outcome.ANSWER and result.entry is not None:
            await self._bookkeep(self.record_answer(guild_id, result.entry.id))
        elif result.outcome in (Outcome.SUGGEST, Outcome.NO_MATCH) and not result.smalltalk:
            noted = noted_as or gap_text(question)
            await self._bookkeep(self._record_unanswered(guild_id, noted))
        return result

    async def _bookkeep(self, write: Coroutine[Any, Any, None]) -> None:
        """Give the statistics write a short head start, then answer regardless: a database
        that hangs delays no answer by more than BOOKKEEPING_BUDGET (the write goes on)."""
        task = asyncio.ensure_future(write)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        await asyncio.wait({task}, timeout=BOOKKEEPING_BUDGET)

    async def settle(self) -> None:
        """Wait for statistics writes still running (shutdown, tests)."""
        if self._pending:
            await asyncio.wait(set(self._pending))

    async def record_answer(self, guild_id: int | None, entry_id: str) -> None:
        """Count an answered topic (also when picked from "did you mean")."""
        now = utcnow()
        await self._write(
            TopicStat,
            {"guild_id": guild_id or NO_GUILD, "entry_id": entry_id, "asked": 1, "last_asked": now},
            ("guild_id", "entry_id"),
            {"asked": TopicStat.asked + 1, "last_asked": now},
        )

    async def _record_unanswered(self, guild_id: int | None, text: str) -> None:
        """Count the question on today's (UTC) row, for /kb gaps over the last N days."""
        now = utcnow()
        await self._write(
            UnansweredDaily,
            {
                "guild_id": guild_id or NO_GUILD,
                "text": text[:1000],
                "day": now.date(),
                "count": 1,
                "last_asked": now,
            },
            ("guild_id", "text", "day"),
            {"count": UnansweredDaily.count + 1, "last_asked": now},
        )

    async def _write(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        keys: Sequence[str],
        update: Mapping[str, Any],
    ) -> None:
        """Count something; best effort, as answering must never fail on bookkeeping."""
        if self.sessions is None:
            return
        async with writer(self.sessions, best_effort=True) as session:
            await upsert(session, model, values, keys, update)

    async def popular_topics(self, guild_id: int | None, limit: int = 5) -> list[Entry]:
        """Most asked topics in this server, topped up with one starter topic per category."""
        knowledge = await self.knowledge.knowledge_for(guild_id)
        ids: list[str] = []
        if self.sessions is not None:  # best effort: starter topics are a fine answer too
            async with reader(self.sessions, best_effort=True) as session:
                rows = await session.scalars(
                    select(TopicStat.entry_id)
                    .where(TopicStat.guild_id == (guild_id or NO_GUILD))
                    .order_by(TopicStat.asked.desc(), TopicStat.entry_id)
                    .limit(limit * 2)
                )
                ids = [entry_id for entry_id in rows if entry_id in knowledge]
        for category in knowledge.categories():
            ids.append(knowledge.in_category(category)[0].id)
        unique = list(dict.fromkeys(ids))[:limit]
        return [entry for entry_id in unique if (entry := knowledge.get(entry_id))]
