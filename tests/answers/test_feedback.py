"""FeedbackService on every backend: one vote per user per answer message, counted per entry."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.answers.feedback import UnknownTopic, VoteChange, VoteCounts
from bot.db.models import AnswerVote
from bot.services import Services


async def test_votes_replace_and_count(services: Services) -> None:
    feedback = services.feedback
    first = await feedback.vote(1, 10, 500, "python", True)
    again = await feedback.vote(1, 10, 500, "python", True)
    changed = await feedback.vote(1, 10, 500, "python", False)
    assert [first.change, again.change, changed.change] == [
        VoteChange.NEW,
        VoteChange.SAME,
        VoteChange.CHANGED,
    ]
    await feedback.vote(1, 11, 500, "python", True)  # another member, same message
    await feedback.vote(2, 10, None, "sql", True)  # a DM: guild 0
    async with services.sessions() as session:
        rows = (await session.scalars(select(AnswerVote).order_by(AnswerVote.user_id))).all()
    assert [(r.message_id, r.user_id, r.helpful) for r in rows if r.message_id == 1] == [
        (1, 10, False),
        (1, 11, True),
    ]
    assert await feedback.counts(500) == {"python": VoteCounts(helpful=1, not_helpful=1)}
    assert await feedback.counts(0) == {"sql": VoteCounts(helpful=1)}
    assert (await feedback.counts(entry_id="sql"))["sql"].total == 1


async def test_concurrent_double_clicks_make_one_row(services: Services) -> None:
    await asyncio.gather(*(services.feedback.vote(7, 70, 1, "sql", n % 2 == 0) for n in range(8)))
    async with services.sessions() as session:
        count = await session.scalar(select(func.count()).where(AnswerVote.message_id == 7))
    assert count == 1


async def test_votes_for_topics_a_server_does_not_have_are_refused(services: Services) -> None:
    feedback = services.feedback
    with pytest.raises(UnknownTopic):
        await feedback.vote(3, 30, 500, "no-such-topic", True)
    await services.moderation.hide(500, "sql")
    with pytest.raises(UnknownTopic):
        await feedback.vote(4, 30, 500, "sql", True)  # hidden in this server
    assert await feedback.counts() == {}
    await feedback.vote(4, 30, 600, "sql", True)  # another server still has it
    await services.moderation.add(
        500, {"id": "study-group", "title": "Study", "questions": "when", "answer": "Fridays."}
    )
    await feedback.vote(5, 30, 500, "study-group", False)  # the server's own entry
    assert await feedback.counts() == {
        "sql": VoteCounts(helpful=1),
        "study-group": VoteCounts(not_helpful=1),
    }
