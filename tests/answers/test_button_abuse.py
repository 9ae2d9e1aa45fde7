"""Buttons that could be abused by clicking: Share posts once per card and member, a "did you
mean" pick counts once per message, votes need a real topic, and only the member who ran the
command may turn a "did you mean" message into the answer. Through the offline harness."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.answers.discord.components import GONE, FirstClicks
from bot.db.models import AnswerVote, TopicStat
from bot.discord.app import CareerBot
from bot.roadmap.discord.components import SHARED_ALREADY
from bot.services import Services
from tests.harness import BotHarness, make_channel, make_guild, make_user, run_bot

Factory = Callable[..., CareerBot]
EPHEMERAL = 64
ALICE, BOB = make_user("alice"), make_user("bob")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


@pytest.fixture
def guild() -> dict[str, Any]:
    return make_guild(members=[ALICE, BOB], channels=[make_channel("general")])


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


def public_posts(h: BotHarness) -> list[dict[str, Any]]:
    return [m for m in h.fake.messages.values() if m["embeds"] and not m["flags"]]


async def asked(services: Services) -> dict[str, int]:
    async with services.sessions() as session:
        return {row.entry_id: row.asked for row in await session.scalars(select(TopicStat))}


def forged(message: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The message as a client could present it, with `old` in its custom ids made `new`."""
    return json.loads(json.dumps(message).replace(old, new))


async def test_share_posts_once_per_card_and_member(
    factory: Factory, services: Services, guild: dict[str, Any]
) -> None:
    await services.roadmaps.set_status(int(ALICE["id"]), "portfolio", "readme", "done")
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        view = await h.slash("roadmap", subcommand="view", track="portfolio")
        await view.wait("followup")
        card = h.last_message_with("careerbot:rm-share:portfolio")
        first = await h.click("careerbot:rm-share:portfolio", on_message=card)
        await first.wait("followup")
        for _ in range(3):
            again = await h.click("careerbot:rm-share:portfolio", on_message=card)
            assert again.response["type"] == 4
            assert again.response["data"]["content"] == SHARED_ALREADY
            assert again.response["data"]["flags"] == EPHEMERAL
        await h.settle()
        assert len(public_posts(h)) == 1

        newer = await h.slash("roadmap", subcommand="view", track="portfolio")  # a new card
        await newer.wait("followup")
        fresh = await h.click("careerbot:rm-share:portfolio")
        await fresh.wait("followup")
        await h.settle()
        assert len(public_posts(h)) == 2


async def test_a_did_you_mean_pick_counts_once_per_message(
    factory: Factory, services: Services, guild: dict[str, Any]
) -> None:
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.slash("ask", question="career")
        body = (await ex.wait("followup")).json
        pick = custom_ids(body)[0]
        chosen = pick.rsplit(":", 1)[1]
        message = h.last_message_with(pick)
        for _ in range(5):  # another member, again and again: an answer just for them
            other = await h.click(pick, on_message=message, user=BOB)
            assert other.response["data"]["flags"] == EPHEMERAL
        await h.settle()
        assert await asked(services) == {chosen: 1}
        mine = await h.click(pick, on_message=message)  # the asker: the message changes
        assert mine.response["type"] == 7
        await h.settle()
        assert await asked(services) == {chosen: 1}

        ex = await h.slash("ask", question="career")  # a new question, a new count
        await ex.wait("followup")
        await h.click(pick)
        await h.settle()
    assert await asked(services) == {chosen: 2}


async def test_a_forged_asker_in_a_pick_cannot_rewrite_the_message(
    factory: Factory, guild: dict[str, Any]
) -> None:
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.slash("ask", question="career")
        pick = custom_ids((await ex.wait("followup")).json)[0]
        message = h.last_message_with(pick)
        assert message["interaction_metadata"]["user"]["id"] == ALICE["id"]
        claimed = forged(message, f"pick:{ALICE['id']}:", f"pick:{BOB['id']}:")
        bobs = pick.replace(ALICE["id"], BOB["id"])
        click = await h.click(bobs, on_message=claimed, user=BOB)
        assert click.response["type"] == 4  # an answer just for Bob, not an update
        assert click.response["data"]["flags"] == EPHEMERAL

        # a reply to a text message has no interaction: the custom id's asker decides
        me = h.fake.bot_user["id"]
        text = await h.send_message(f"<@{me}> career")
        reply = (await text.wait("channel_message")).json
        on_reply = custom_ids(reply)[0]
        assert on_reply.startswith(f"careerbot:pick:{ALICE['id']}:")
        replied = h.last_message_with(on_reply)
        assert "interaction_metadata" not in replied
        assert (await h.click(on_reply, on_message=replied, user=BOB)).response["type"] == 4
        assert (await h.click(on_reply, on_message=replied)).response["type"] == 7


async def test_a_vote_for_an_unknown_topic_is_refused(
    factory: Factory, services: Services, guild: dict[str, Any]
) -> None:
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        await h.slash("topic", name="sql")
        answer = h.last_message_with("careerbot:vote:1:sql")
        fake = forged(answer, "careerbot:vote:1:sql", "careerbot:vote:1:no-such-topic")
        vote = await h.click("careerbot:vote:1:no-such-topic", on_message=fake)
        assert (await vote.wait("followup")).json["content"] == GONE
        await services.moderation.hide(int(guild["id"]), "sql")
        hidden = await h.click("careerbot:vote:1:sql", on_message=answer)
        assert (await hidden.wait("followup")).json["content"] == GONE
    async with services.sessions() as session:
        assert list(await session.scalars(select(AnswerVote))) == []


def test_first_clicks_remember_keys_for_a_while_and_a_bounded_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.answers.discord.components.time.monotonic", lambda: now[0])
    clicks = FirstClicks(ttl=60, size=2)
    assert clicks.first("a") and not clicks.first("a")
    clicks.forget("a")
    assert clicks.first("a")
    now[0] += 61
    assert clicks.first("a")  # forgotten after the ttl
    assert clicks.first("b") and clicks.first("c")
    assert clicks.first("a")  # pushed out by the size bound
