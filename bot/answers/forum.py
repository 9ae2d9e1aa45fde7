"""Help-forum posts: the question a post asks, and what became of it (for /kb stats).

A post is answered once, when it is opened; its row says whether the bot answered it, offered
"did you mean" topics, or left it for people, and whether the asker then marked it solved.
Never who asked: rows hold the post's (thread's) id, the server and the topic, nothing more.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update

from bot.answers.ask import QUESTION_MAX
from bot.db.models import ForumPost, utcnow
from bot.db.unit import Sessions, writer
from bot.db.upsert import upsert


class PostOutcome(StrEnum):
    ANSWERED = "answered"  # an answer (also after the asker picked a suggested topic)
    SUGGESTED = "suggested"  # "did you mean" topics, none picked yet
    UNANSWERED = "unanswered"  # nothing fitted: left for people


class Resolution(StrEnum):
    SOLVED = "solved"
    NOT_SOLVED = "not_solved"


def post_question(title: str, message: str, limit: int = QUESTION_MAX) -> str:
    """The title and opening message read together as one question, at most `limit`
    characters and cut between words. A message without text (only an image, say) leaves the
    title alone."""
    parts = [" ".join(part.split()) for part in (title, message)]
    text = "\n".join(part for part in parts if part)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > limit // 2 else text[:limit]).rstrip()


class ForumPostService:
    """Records each post's outcome and resolution. Best effort: answering a post, and the
    asker's Solved, never fail on this bookkeeping."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def record(
        self, guild_id: int, thread_id: int, outcome: PostOutcome, entry_id: str | None = None
    ) -> None:
        """A new post was answered (a post already recorded keeps its first row)."""
        async with writer(self.sessions, best_effort=True) as session:
            await upsert(
                session,
                ForumPost,
                {
                    "thread_id": thread_id,
                    "guild_id": guild_id,
                    "outcome": outcome.value,
                    "entry_id": entry_id,
                    "created_at": utcnow(),
                },
                ("thread_id",),
            )

    async def picked(self, thread_id: int, entry_id: str) -> None:
        """The asker picked one of the suggested topics: the post is answered with it."""
        async with writer(self.sessions, best_effort=True) as session:
            await session.execute(
                update(ForumPost)
                .where(ForumPost.thread_id == thread_id)
                .values(outcome=PostOutcome.ANSWERED.value, entry_id=entry_id)
            )

    async def resolve(
        self, guild_id: int, thread_id: int, entry_id: str, resolution: Resolution
    ) -> None:
        """The asker (or a moderator) said whether the answer with `entry_id` solved the post.
        A post from before the bot started gets its row now: it was answered on a mention."""
        values = {"entry_id": entry_id, "resolution": resolution.value}
        async with writer(self.sessions, best_effort=True) as session:
            await upsert(
                session,
                ForumPost,
                {
                    "thread_id": thread_id,
                    "guild_id": guild_id,
                    "outcome": PostOutcome.ANSWERED.value,
                    "created_at": utcnow(),
                    **values,
                },
                ("thread_id",),
                {"outcome": PostOutcome.ANSWERED.value, **values},
            )
