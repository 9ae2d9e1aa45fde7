"""Helpful / Not helpful votes on answers: one per user per answer message, counted per entry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, select

from bot.answers.serving import KnowledgeService
from bot.db.models import NO_GUILD, AnswerVote, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert


class VoteChange(StrEnum):
    NEW = "new"  # the first vote of this user on this message
    CHANGED = "changed"  # replaced an opposite vote
    SAME = "same"  # clicked the same button again; nothing changed


@dataclass(frozen=True)
class VoteResult:
    change: VoteChange
    helpful: bool


@dataclass(frozen=True)
class VoteCounts:
    helpful: int = 0
    not_helpful: int = 0

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


class UnknownTopic(LookupError):
    """A vote for an entry the server does not have (removed, hidden, or never there)."""


class FeedbackService:
    """Stores votes with an atomic upsert, so double clicks and races never make two rows.
    Only for entries the server has: a vote button's entry id comes from its custom id."""

    def __init__(self, sessions: Sessions, knowledge: KnowledgeService) -> None:
        self.sessions = sessions
        self.knowledge = knowledge

    async def vote(
        self, message_id: int, user_id: int, guild_id: int | None, entry_id: str, helpful: bool
    ) -> VoteResult:
        """Record (or replace) this user's vote on this answer message; UnknownTopic (and
        nothing stored) when this server has no such entry."""
        if await self.knowledge.entry(guild_id, entry_id) is None:
            raise UnknownTopic(entry_id)
        now = utcnow()
        async with writer(self.sessions) as session:
            previous = await session.scalar(
                select(AnswerVote.helpful).where(
                    AnswerVote.message_id == message_id, AnswerVote.user_id == user_id
                )
            )
            await upsert(
                session,
                AnswerVote,
                {
                    "message_id": message_id,
                    "user_id": user_id,
                    "guild_id": guild_id or NO_GUILD,
                    "entry_id": entry_id,
                    "helpful": helpful,
                    "created_at": now,
                },
                ("message_id", "user_id"),
                {"helpful": helpful, "entry_id": entry_id, "created_at": now},
            )
        if previous is None:
            change = VoteChange.NEW
        else:
            change = VoteChange.SAME if previous == helpful else VoteChange.CHANGED
        return VoteResult(change, helpful)

    async def counts(
        self, guild_id: int | None = None, entry_id: str | None = None
    ) -> dict[str, VoteCounts]:
        """Votes per entry id, in one server (None: everywhere) or for one entry."""
        helpful = func.sum(case((AnswerVote.helpful.is_(True), 1), else_=0))
        query = select(AnswerVote.entry_id, helpful, func.count()).group_by(AnswerVote.entry_id)
        if guild_id is not None:
            query = query.where(AnswerVote.guild_id == guild_id)
        if entry_id is not None:
            query = query.where(AnswerVote.entry_id == entry_id)
        async with reader(self.sessions) as session:
            rows = (await session.execute(query.order_by(AnswerVote.entry_id))).all()
        return {entry: VoteCounts(int(yes), int(total) - int(yes)) for entry, yes, total in rows}
