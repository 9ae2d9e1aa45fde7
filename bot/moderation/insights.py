"""What moderators learn from usage: knowledge gaps and popular topics. Never who asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.forum import PostOutcome, Resolution
from bot.answers.serving import KnowledgeService
from bot.db.models import NO_GUILD, AnswerVote, ForumPost, TopicStat, UnansweredDaily, utcnow
from bot.db.unit import Sessions, reader
from bot.knowledge.layerstore import as_utc
from bot.matching.engine import Outcome
from bot.moderation.rules import MAX_GAP_DAYS

MAX_DAYS = MAX_GAP_DAYS


@dataclass(frozen=True)
class Gap:
    """A question (normalised text) members asked that got no confident answer."""

    text: str
    count: int  # times asked within the window gaps() was asked about
    last_asked: dt.datetime


@dataclass(frozen=True)
class TopicCount:
    entry_id: str
    title: str | None  # None when the entry no longer exists in this server
    asked: int
    last_asked: dt.datetime


@dataclass(frozen=True)
class VoteCount:
    entry_id: str
    title: str | None
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class ForumCounts:
    """New help-forum posts: answered by the bot, solved by its answer, left for humans (no
    answer fitted, or the asker said it did not solve the post)."""

    posts: int = 0
    answered: int = 0
    solved: int = 0
    left_for_humans: int = 0


@dataclass(frozen=True)
class GuildStats:
    topics: list[TopicCount]
    votes: list[VoteCount]
    forum: ForumCounts = ForumCounts()


class InsightsService:
    """Read-only reports over unanswered_daily, topic_stats, answer_votes and forum_posts."""

    def __init__(self, knowledge: KnowledgeService, sessions: Sessions) -> None:
        self.knowledge = knowledge
        self.sessions = sessions

    async def gaps(
        self, guild_id: int | None, days: int = 30, limit: int = 10, *, open_only: bool = True
    ) -> list[Gap]:
        """The questions asked most often in the last `days` days without a confident answer.

        Counts are per UTC day, so the window is every day that overlaps the last `days` x 24
        hours. With `open_only`, questions the server's knowledge now answers (say, after
        /kb add or /kb alias) are left out, so the list shrinks as moderators fill the gaps.
        """
        days = max(1, min(days, MAX_DAYS))
        first_day = (utcnow() - dt.timedelta(days=days)).date()
        asked = func.sum(UnansweredDaily.count).label("asked")
        last = func.max(UnansweredDaily.last_asked).label("last")
        async with reader(self.sessions) as session:
            rows = await session.execute(
                select(UnansweredDaily.text, asked, last)
                .where(
                    UnansweredDaily.guild_id == (guild_id or NO_GUILD),
                    UnansweredDaily.day >= first_day,
                )
                .group_by(UnansweredDaily.text)
                .order_by(asked.desc(), last.desc(), UnansweredDaily.text)
                .limit(limit * 4 if open_only else limit)
            )
            gaps = [Gap(text, int(count), as_utc(when)) for text, count, when in rows]
        if open_only:
            matcher = await self.knowledge.matcher_for(guild_id)
            gaps = [gap for gap in gaps if matcher.match(gap.text).outcome is not Outcome.ANSWER]
        return gaps[:limit]

    async def stats(self, guild_id: int | None, limit: int = 10) -> GuildStats:
        """Most asked topics, helpful / not-helpful votes per entry (most votes first), and
        what became of new help-forum posts."""
        guild = guild_id or NO_GUILD
        knowledge = await self.knowledge.knowledge_for(guild_id)

        def title(entry_id: str) -> str | None:
            entry = knowledge.get(entry_id)
            return entry.title if entry is not None else None

        helpful = func.sum(case((AnswerVote.helpful, 1), else_=0)).cast(Integer)
        total = func.count()
        async with reader(self.sessions) as session:
            topics = await session.execute(
                select(TopicStat.entry_id, TopicStat.asked, TopicStat.last_asked)
                .where(TopicStat.guild_id == guild)
                .order_by(TopicStat.asked.desc(), TopicStat.entry_id)
                .limit(limit)
            )
            topic_counts = [
                TopicCount(entry_id, title(entry_id), asked, as_utc(last))
                for entry_id, asked, last in topics
            ]
            votes = await session.execute(
                select(AnswerVote.entry_id, helpful, total)
                .where(AnswerVote.guild_id == guild)
                .group_by(AnswerVote.entry_id)
                .order_by(total.desc(), AnswerVote.entry_id)
                .limit(limit)
            )
            vote_counts = [
                VoteCount(entry_id, title(entry_id), int(good or 0), int(count) - int(good or 0))
                for entry_id, good, count in votes
            ]
            forum = await self._forum_counts(session, guild)
        return GuildStats(topic_counts, vote_counts, forum)

    @staticmethod
    async def _forum_counts(session: AsyncSession, guild: int) -> ForumCounts:
        def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.sum(case((condition, 1), else_=0)).cast(Integer)

        left = or_(
            ForumPost.outcome == PostOutcome.UNANSWERED.value,
            ForumPost.resolution == Resolution.NOT_SOLVED.value,
        )
        row = (
            await session.execute(
                select(
                    func.count(),
                    count(ForumPost.outcome == PostOutcome.ANSWERED.value),
                    count(ForumPost.resolution == Resolution.SOLVED.value),
                    count(left),
                ).where(ForumPost.guild_id == guild)
            )
        ).one()
        return ForumCounts(*(int(value or 0) for value in row))
