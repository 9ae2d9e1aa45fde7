"""Knowledge gaps, topic and vote stats, and who may moderate."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.db.models import AnswerVote, UnansweredDaily, utcnow
from bot.moderation.permissions import may_moderate, member_may_moderate
from bot.services import Services

GUILD, OTHER = 41, 42
GAP = "how do i get a parking permit for the office garage"


async def test_gaps_list_unanswered_questions_of_this_server_most_frequent_first(
    services: Services,
) -> None:
    for _ in range(3):
        result = await services.ask.ask(GAP, GUILD)
        assert result.entry is None
    await services.ask.ask("is there a discord meetup in berlin", GUILD)
    await services.ask.ask("what is the server's ban appeal process", OTHER)
    await services.ask.ask("hello!", GUILD)  # small talk is not a gap
    await services.ask.ask("what does an ml engineer do", GUILD)  # answered
    async with services.sessions.begin() as session:
        old = utcnow() - dt.timedelta(days=40)
        session.add(
            UnansweredDaily(
                guild_id=GUILD,
                text="lost umbrella at the office",
                day=old.date(),
                count=50,
                last_asked=old,
            )
        )

    gaps = await services.insights.gaps(GUILD, days=30)
    assert [gap.count for gap in gaps] == [3, 1]
    assert "parking" in gaps[0].text and "garage" in gaps[0].text
    assert "berlin" in gaps[1].text
    assert gaps[0].last_asked > utcnow() - dt.timedelta(minutes=5)
    assert not hasattr(gaps[0], "user_id")
    assert (await services.insights.gaps(GUILD, days=60))[0].text == "lost umbrella at the office"
    assert len(await services.insights.gaps(GUILD, days=30, limit=1)) == 1
    assert ["ban" in gap.text for gap in await services.insights.gaps(OTHER)] == [True]

    # Filling the gap takes it off the list.
    await services.moderation.add(
        GUILD,
        {
            "id": "parking-permit",
            "title": "Parking permits for the office garage",
            "questions": [GAP],
            "answer": "Ask the front desk; permits are renewed every January.",
        },
    )
    assert [gap.count for gap in await services.insights.gaps(GUILD)] == [1]
    assert len(await services.insights.gaps(GUILD, open_only=False)) == 2


async def add_asks(services: Services, text: str, days_ago: int, count: int) -> None:
    """`count` asks of `text` in GUILD on the day `days_ago` days back, as written directly."""
    when = utcnow() - dt.timedelta(days=days_ago)
    async with services.sessions.begin() as session:
        session.add(
            UnansweredDaily(
                guild_id=GUILD, text=text, day=when.date(), count=count, last_asked=when
            )
        )


async def test_gaps_count_only_the_asks_inside_the_window(services: Services) -> None:
    for days_ago in (200, 201, 202, 203):  # 100 asks, long ago
        await add_asks(services, "old favourite question", days_ago, 25)
    for _ in range(3):
        assert (await services.ask.ask(GAP, GUILD)).entry is None

    today = await services.insights.gaps(GUILD, days=1)
    assert [(gap.count, "parking" in gap.text) for gap in today] == [(3, True)]
    assert today[0].last_asked > utcnow() - dt.timedelta(minutes=5)

    year = await services.insights.gaps(GUILD, days=365)
    assert [(gap.text, gap.count) for gap in year] == [
        ("old favourite question", 100),
        (today[0].text, 3),
    ]
    old = year[0].last_asked
    assert utcnow() - dt.timedelta(days=201) < old < utcnow() - dt.timedelta(days=199)

    # A window that cuts through the old asks counts only the days inside it.
    assert [(g.text, g.count) for g in await services.insights.gaps(GUILD, days=201)] == [
        ("old favourite question", 50),
        (today[0].text, 3),
    ]
    # Asked again today: today's count, but every day in the window for the year.
    await add_asks(services, "old favourite question", 0, 1)
    assert [(g.text, g.count) for g in await services.insights.gaps(GUILD, days=1)] == [
        (today[0].text, 3),
        ("old favourite question", 1),
    ]
    assert (await services.insights.gaps(GUILD, days=365))[0].count == 101


async def test_unanswered_asks_are_counted_per_day_without_user(services: Services) -> None:
    await add_asks(services, "is there a discord meetup in berlin", 1, 4)
    for _ in range(2):
        await services.ask.ask("is there a discord meetup in berlin", GUILD)
    async with services.sessions() as session:
        rows = (await session.execute(select(UnansweredDaily))).scalars().all()
    by_day = sorted((row.day, row.count) for row in rows)
    today = utcnow().date()
    assert by_day == [(today - dt.timedelta(days=1), 4), (today, 2)]
    assert not [c for c in UnansweredDaily.__table__.columns if "user" in c.name]
    assert [g.count for g in await services.insights.gaps(GUILD, days=2)] == [6]


async def test_stats_count_topics_and_votes_per_server(services: Services) -> None:
    for question in ["what does an ml engineer do"] * 3 + ["is kaggle worth it"]:
        await services.ask.ask(question, GUILD)
    await services.ask.ask("is kaggle worth it", OTHER)
    async with services.sessions.begin() as session:
        for message, user, entry, helpful, guild in [
            (1, 1, "kaggle", True, GUILD),
            (1, 2, "kaggle", False, GUILD),
            (2, 1, "kaggle", True, GUILD),
            (3, 1, "ml-engineer", False, GUILD),
            (4, 1, "kaggle", False, OTHER),
        ]:
            session.add(
                AnswerVote(
                    message_id=message,
                    user_id=user,
                    guild_id=guild,
                    entry_id=entry,
                    helpful=helpful,
                )
            )
    stats = await services.insights.stats(GUILD)
    assert [(t.entry_id, t.asked) for t in stats.topics] == [("ml-engineer", 3), ("kaggle", 1)]
    assert stats.topics[0].title == services.knowledge.base.get("ml-engineer").title
    assert [(v.entry_id, v.helpful, v.not_helpful) for v in stats.votes] == [
        ("kaggle", 2, 1),
        ("ml-engineer", 0, 1),
    ]
    other = await services.insights.stats(OTHER)
    assert [(v.entry_id, v.helpful, v.not_helpful) for v in other.votes] == [("kaggle", 0, 1)]


def test_may_moderate() -> None:
    assert may_moderate(True, [], None)
    assert may_moderate(False, [5, 9], 9)
    assert not may_moderate(False, [5], 9)
    assert not may_moderate(False, [5], None)


async def test_member_may_moderate_uses_the_stored_moderator_role(services: Services) -> None:
    settings = services.guild_settings
    assert not await member_may_moderate(settings, GUILD, False, [77])
    await settings.set_mod_role(GUILD, 77)
    assert await member_may_moderate(settings, GUILD, False, [1, 77])
    assert not await member_may_moderate(settings, OTHER, False, [77])
    assert await member_may_moderate(settings, OTHER, True, [])
    assert not await member_may_moderate(settings, None, True, [77])  # direct messages
