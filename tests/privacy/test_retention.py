"""Unanswered questions are deleted after GAP_RETENTION_DAYS: when the services open, then
daily while the Discord bot runs; /mydata says so."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import insert, select

from bot.config import Settings, SettingsError
from bot.db.models import UnansweredDaily, utcnow
from bot.discord.app import create_bot
from bot.privacy.discord.cog import export_text
from bot.services import Services, open_services
from tests.harness import make_user, run_bot

TODAY = utcnow().date()  # /kb gaps counts its window back from the real today


async def add_gaps(services: Services, ages: dict[str, int], today: dt.date = TODAY) -> None:
    """One unanswered_daily row per question, asked `age` days before `today`."""
    rows = [
        {"guild_id": 7, "text": text, "day": today - dt.timedelta(days=age), "count": 1}
        for text, age in ages.items()
    ]
    async with services.sessions.begin() as session:
        await session.execute(insert(UnansweredDaily), rows)


async def stored(services: Services) -> list[str]:
    async with services.sessions() as session:
        return sorted(await session.scalars(select(UnansweredDaily.text)))


async def test_prune_keeps_exactly_the_retention_window(services: Services) -> None:
    assert services.retention.days == 90  # the default
    await add_gaps(services, {"today": 0, "day 90": 90, "day 91": 91, "last year": 400})
    assert await services.retention.prune(TODAY) == 2
    assert await stored(services) == ["day 90", "today"]
    assert await services.retention.prune(TODAY) == 0
    found = await services.insights.gaps(7, days=90, limit=10, open_only=False)
    assert len(found) == 2  # /kb gaps over the whole window still sees every kept row


async def test_opening_the_services_prunes(services: Services, settings: Settings) -> None:
    await add_gaps(services, {"fresh": 1, "stale": 31}, today=utcnow().date())
    reopened = await open_services(
        dataclasses.replace(settings, gap_retention_days=30), knowledge=services.knowledge
    )
    try:
        assert await stored(reopened) == ["fresh"]
    finally:
        await reopened.close()


async def test_housekeeping_prunes_periodically_until_closed(services: Services) -> None:
    services.start_housekeeping(every=0.01)
    task = services._housekeeping
    assert task is not None
    services.start_housekeeping(every=0.01)  # once is enough
    assert services._housekeeping is task
    await add_gaps(services, {"stale": 91, "fresh": 2}, today=utcnow().date())
    async with asyncio.timeout(5):
        while await stored(services) != ["fresh"]:
            await asyncio.sleep(0.01)
    await services.close()
    assert task.cancelled()


async def test_the_discord_bot_starts_the_daily_pruning(
    settings: Settings, services: Services
) -> None:
    assert services._housekeeping is None
    async with run_bot(lambda: create_bot(settings, services=services)) as h:
        await h.settle()
        task = services._housekeeping
        assert task is not None and not task.done()


async def test_mydata_export_says_how_long_unanswered_questions_are_kept(
    settings: Settings, services: Services
) -> None:
    alice = make_user("alice")
    short = dataclasses.replace(settings, gap_retention_days=30)
    async with run_bot(lambda: create_bot(short, services=services), user=alice) as h:
        ex = await h.slash("mydata", subcommand="export", dm=True)
        body = (await ex.wait("followup")).json
    assert body["content"] == export_text(30)
    assert body["content"].endswith(
        "Questions I could not answer are also kept, without your name, so moderators can add "
        "answers; they are deleted after 30 days."
    )


def test_gap_retention_days_setting() -> None:
    assert Settings.from_env({}).gap_retention_days == 90
    assert Settings.from_env({"GAP_RETENTION_DAYS": " 30 "}).gap_retention_days == 30
    with pytest.raises(SettingsError, match="GAP_RETENTION_DAYS must be at least 1, got 0"):
        Settings.from_env({"GAP_RETENTION_DAYS": "0"})
    with pytest.raises(SettingsError, match="GAP_RETENTION_DAYS must be a whole number"):
        Settings.from_env({"GAP_RETENTION_DAYS": "ninety"})
