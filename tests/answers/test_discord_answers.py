"""The Discord bot end to end through the offline harness (tests/harness): real discord.py login,
gateway and parsing in; what Discord would have received (REST bodies) out.

SQLite only: the bot code is the same on every backend and FeedbackService/AskService are
tested on PostgreSQL elsewhere; running these twice would only double the time.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.answers.discord.embeds import PAGE_CHARS
from bot.answers.serving import KnowledgeService
from bot.answers.text import SMALLTALK_REPLIES, USAGE_HINT
from bot.config import Settings
from bot.db.engine import create_engine
from bot.db.models import AnswerVote, GuildSettings, TopicStat, UnansweredDaily
from bot.discord.app import CareerBot, create_bot
from bot.discord.errors import APOLOGY, DATABASE_DOWN, UNKNOWN_COMMAND
from bot.knowledge import KnowledgeBase
from bot.knowledge.models import Entry
from bot.services import Services, open_services
from bot.settings.discord.cog import NEEDS_MANAGE_SERVER, SERVER_ONLY
from tests.discord.entries import long_entry
from tests.harness import BotHarness, limits, make_channel, make_guild, make_user, run_bot
from tests.harness.fake import MESSAGE_CONTENT, FakeDiscord

Factory = Callable[..., CareerBot]
EPHEMERAL = 64
REFERENCE = re.compile(r"error reference `([0-9a-f]{8})`")
ALICE = make_user("alice")
OWNER = make_user("owner")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


def server(*channels: str) -> dict[str, Any]:
    names = channels or ("general",)
    return make_guild(members=[ALICE], owner=OWNER, channels=[make_channel(n) for n in names])


def sent_bodies(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Every message body the bot sent: replies, updates, follow-ups, edits, channel posts."""
    bodies = []
    for rec in fake.requests:
        if rec.kind == "callback" and rec.json["type"] in (4, 7):
            bodies.append(rec.json["data"])
        elif rec.kind in ("followup", "edit", "channel_message"):
            bodies.append(rec.json)
    return bodies


def pings_nobody(body: dict[str, Any]) -> bool:
    allowed = body.get("allowed_mentions")
    return (
        allowed is not None
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


async def rows(services: Services, model: Any) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def answer_of(h: BotHarness, question: str, **kwargs: Any) -> dict[str, Any]:
    """/ask: deferred (type 5), then the answer as the first follow-up."""
    ex = await h.slash("ask", question=question, **kwargs)
    assert ex.response == {"type": 5}
    return (await ex.wait("followup")).json


# ---- commands ------------------------------------------------------------------------------


async def test_commands_sync_globally_with_limits_and_permissions(factory: Factory) -> None:
    async with run_bot(factory) as h:
        synced = {c["name"]: c for c in h.fake.commands[None]}
        assert set(synced) == {
            "ask", "topic", "role", "salary", "certs", "learn", "skills", "network",
            "topics", "config", "help", "roadmap", "mydata", "kb",
        }  # fmt: skip
        assert synced["ask"]["options"][0]["max_length"] == 1000
        assert synced["topic"]["options"][0]["autocomplete"] is True
        config = synced["config"]
        assert int(config["default_member_permissions"]) == 1 << 5  # Manage Server
        assert config["contexts"] == [0]  # servers only
        assert [o["name"] for o in config["options"]] == [
            "ask-channel", "mod-role", "help-forum", "show"
        ]  # fmt: skip
        for command in h.fake.commands[None]:
            assert len(command["name"]) <= 32 and 1 <= len(command["description"]) <= 100


async def test_commands_sync_to_the_dev_guild(settings: Settings, services: Services) -> None:
    guild = server()
    dev = dataclasses.replace(settings, dev_guild_id=int(guild["id"]))
    async with run_bot(lambda: create_bot(dev, services=services), guilds=[guild]) as h:
        assert list(h.fake.commands) == [guild["id"]]
        assert "ask" in {c["name"] for c in h.fake.commands[guild["id"]]}
        assert (await h.slash("help")).response["type"] == 4  # the guild command runs


async def test_ask_answers_with_embed_and_feedback_buttons(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory) as h:
        body = await answer_of(h, "how much do ml engineers make?")
        embed = body["embeds"][0]
        assert embed["title"] == "How much ML engineers make (US)"
        assert embed["description"].startswith(
            "**US figures from our source guide (2025): ML engineers"
        )
        assert embed["footer"]["text"].split(" · as of")[0] == "topic: salary-ml-engineer"
        assert embed["fields"][0]["name"] == "Related" and "•" in embed["fields"][0]["value"]
        assert custom_ids(body) == [
            "careerbot:vote:1:salary-ml-engineer",
            "careerbot:vote:0:salary-ml-engineer",
        ]
        assert pings_nobody(body) and not body.get("flags")
    stats = await rows(services, TopicStat)
    assert [(s.guild_id, s.entry_id, s.asked) for s in stats] == [
        (int(h.guild["id"]), "salary-ml-engineer", 1)
    ]


async def test_ask_blank_and_small_talk(factory: Factory) -> None:
    async with run_bot(factory) as h:
        blank = await h.slash("ask", question="   ")
        assert blank.response["data"]["content"] == USAGE_HINT
        assert blank.response["data"]["flags"] == EPHEMERAL
        hello = await answer_of(h, "hi")
        assert hello["content"] == SMALLTALK_REPLIES["greeting"] and not hello["embeds"]


async def test_did_you_mean_click_shows_the_answer(factory: Factory, services: Services) -> None:
    async with run_bot(factory) as h:
        body = await answer_of(h, "career")
        assert body["embeds"][0]["title"] == "Did you mean…"
        picks = custom_ids(body)
        assert len(picks) >= 2 and all(
            p.startswith(f"careerbot:pick:{h.user['id']}:") for p in picks
        )
        chosen = picks[1].rsplit(":", 1)[1]
        entry = services.knowledge.base.get(chosen)
        assert entry is not None

        bob = make_user("bob")
        other = await h.click(picks[1], user=bob)  # not the asker: the answer just for bob
        assert other.response["type"] == 4 and other.response["data"]["flags"] == EPHEMERAL
        assert other.response["data"]["embeds"][0]["title"] == entry.title

        click = await h.click(picks[1])  # the asker: the message becomes the answer
        assert click.response["type"] == 7
        update = click.response["data"]
        assert update["embeds"][0]["title"] == entry.title
        assert custom_ids(update) == [f"careerbot:vote:1:{chosen}", f"careerbot:vote:0:{chosen}"]
        assert pings_nobody(update)
        await h.settle()
    stats = {s.entry_id: s.asked for s in await rows(services, TopicStat)}
    assert stats == {chosen: 1}  # recorded through AskService.record_answer, once per message


async def test_no_match_is_kind_lists_popular_topics_and_logs_without_user(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory) as h:
        body = await answer_of(h, "what is the weather on mars")
        embed = body["embeds"][0]
        assert embed["title"] == "No answer yet" and "not who asked" in embed["description"]
        assert embed["fields"][0]["name"] == "Popular topics"
        assert len(custom_ids(body)) == 5
        assert all(i.startswith("careerbot:pick:") for i in custom_ids(body))
    logged = await rows(services, UnansweredDaily)
    assert [q.count for q in logged] == [1] and "weather" in logged[0].text  # normalized text
    assert not [c.name for c in UnansweredDaily.__table__.columns if "user" in c.name]


@pytest.mark.parametrize(
    ("command", "option", "entry_id"),
    [
        ("topic", "name", "kaggle"),
        ("role", "role", "mlops-engineer"),
        ("salary", "role_or_level", "salary-entry-level"),
        ("certs", "cert", "cert-aws"),
        ("learn", "route", "bootcamps"),
        ("skills", "skill", "python"),
        ("network", "topic", "linkedin"),
    ],
)
async def test_browse_commands_show_the_chosen_topic(
    factory: Factory, command: str, option: str, entry_id: str
) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash(command, **{option: entry_id})
        assert ex.response["type"] == 4
        data = ex.response["data"]
        assert data["embeds"][0]["footer"]["text"].split(" · as of")[0] == f"topic: {entry_id}"
        assert not data.get("flags") and pings_nobody(data)
        assert custom_ids(data)[-2:] == [
            f"careerbot:vote:1:{entry_id}",
            f"careerbot:vote:0:{entry_id}",
        ]


async def test_browse_command_without_a_value_lists_its_category(factory: Factory) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash("role")
        data = ex.response["data"]
        assert data["flags"] == EPHEMERAL and data["embeds"][0]["title"] == "Topics: roles"
        assert "`mlops-engineer`" in data["embeds"][0]["description"]


async def test_autocomplete_is_fuzzy_bounded_and_never_awaits_the_database(
    factory: Factory, services: Services
) -> None:
    queries: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        queries.append(statement)

    from sqlalchemy import event

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with run_bot(factory) as h:
            typo = await h.autocomplete("topic", "name", name="mlops enginer")
            assert typo[0] == {
                "name": "What MLOps is and what an MLOps engineer does · roles",
                "value": "mlops-engineer",
            }
            everything = await h.autocomplete("topic", "name", name="")
            salaries = await h.autocomplete("salary", "role_or_level", role_or_level="salry")
            categories = await h.autocomplete("topics", "category", category="sk")
            await h.settle()
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
    assert len(everything) == 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in everything)
    assert salaries and all(c["value"].startswith("salary-") for c in salaries)
    assert categories == [{"name": "skills (22 topics)", "value": "skills"}]
    assert queries == []


async def test_unknown_topic_typed_by_hand_offers_the_closest(factory: Factory) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash("topic", name="mlops enginer")  # typed, not picked from the list
        data = ex.response["data"]
        assert data["flags"] == EPHEMERAL and data["embeds"][0]["title"] == "No such topic"
        picks = custom_ids(data)
        assert picks[0] == f"careerbot:pick:{h.user['id']}:mlops-engineer"
        click = await h.click(picks[0])
        assert click.response["type"] == 7
        assert (
            click.response["data"]["embeds"][0]["footer"]["text"].split(" · as of")[0]
            == "topic: mlops-engineer"
        )


async def test_topics_list_pages_with_previous_and_next(
    factory: Factory, bundled_knowledge: KnowledgeBase
) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash("topics")
        data = ex.response["data"]
        assert data["flags"] == EPHEMERAL
        pages = int(data["embeds"][0]["footer"]["text"].rsplit("/", 1)[1])
        assert custom_ids(data) == ["careerbot:topics:*:0", "careerbot:topics:*:1"]
        seen = re.findall(r"`([a-z0-9-]+)`", data["embeds"][0]["description"])
        for page in range(1, pages):
            click = await h.click(f"careerbot:topics:*:{page}")
            assert click.response["type"] == 7
            update = click.response["data"]
            assert update["embeds"][0]["footer"]["text"].endswith(f"page {page + 1}/{pages}")
            seen += re.findall(r"`([a-z0-9-]+)`", update["embeds"][0]["description"])
        assert seen == bundled_knowledge.ids()
        buttons = update["components"][0]["components"]
        assert [b["disabled"] for b in buttons] == [False, True]  # on the last page
        assert buttons[1]["custom_id"] == f"careerbot:topics:*:{pages - 1}"

        skills = await h.slash("topics", category="skills")
        assert skills.response["data"]["embeds"][0]["title"] == "Topics: skills"
        wrong = await h.slash("topics", category="cooking")
        assert "`skills`" in wrong.response["data"]["content"]
        assert wrong.response["data"]["flags"] == EPHEMERAL


async def test_help_lists_every_command(factory: Factory) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash("help")
        data = ex.response["data"]
        assert data["flags"] == EPHEMERAL
        description = data["embeds"][0]["description"]
        for command in h.fake.commands[None]:
            assert f"`/{command['name']}" in description
        assert "`/config ask-channel`" in description
        assert [f["name"] for f in data["embeds"][0]["fields"]] == [
            "Free text",
            "Answers",
            "Limits",
        ]


# ---- feedback, paging, restarts -------------------------------------------------------------


async def test_vote_then_second_vote_by_the_same_user_replaces_it(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory) as h:
        await h.slash("topic", name="python")
        message = h.last_message_with("careerbot:vote:1:python")
        first = await h.click("careerbot:vote:1:python")
        assert first.response == {"type": 5, "data": {"flags": EPHEMERAL}}
        thanks = (await first.wait("followup")).json
        assert thanks["content"].startswith("Thanks!") and thanks["flags"] == EPHEMERAL
        second = await h.click("careerbot:vote:0:python")
        changed = (await second.wait("followup")).json["content"]
        assert changed.startswith("Changed your vote to **not helpful**")
        votes = await rows(services, AnswerVote)
        assert [(v.message_id, v.user_id, v.guild_id, v.entry_id, v.helpful) for v in votes] == [
            (int(message["id"]), int(h.user["id"]), int(h.guild["id"]), "python", False)
        ]
        bob = await h.click("careerbot:vote:1:python", user=make_user("bob"))
        await bob.wait("followup")
    assert len(await rows(services, AnswerVote)) == 2
    counts = await services.feedback.counts(int(h.guild["id"]))
    assert (counts["python"].helpful, counts["python"].not_helpful) == (1, 1)


@pytest.fixture
async def long_services(
    settings: Settings, bundled_knowledge: KnowledgeBase
) -> AsyncIterator[Services]:
    """The bundled base plus a valid 4,000-character entry and a 20,000-character one (as an
    unvalidated layer from before a schema change could hold)."""
    long = long_entry()
    base = long_entry(entry_id="huge-answer")
    huge = Entry.model_construct(
        **{**dict(base), "title": "A huge answer", "answer": (base.answer + "\n\n") * 5}
    )
    knowledge = KnowledgeService(
        bundled_knowledge.replace_entries([*bundled_knowledge, long, huge])
    )
    opened = await open_services(settings, knowledge=knowledge)
    try:
        yield opened
    finally:
        await opened.close()


async def test_long_answers_are_paged_within_limits(
    settings: Settings, long_services: Services
) -> None:
    async with run_bot(lambda: create_bot(settings, services=long_services)) as h:
        for entry_id in ("long-answer", "huge-answer"):
            entry = long_services.knowledge.base.get(entry_id)
            assert entry is not None
            ex = await h.slash("topic", name=entry_id)
            data = ex.response["data"]
            pages = int(data["embeds"][0]["footer"]["text"].rsplit("/", 1)[1])
            assert pages >= 2
            assert custom_ids(data)[:2] == [
                f"careerbot:page:{entry_id}:0",
                f"careerbot:page:{entry_id}:1",
            ]
            text = [data["embeds"][0]["description"]]
            for page in range(1, pages):
                click = await h.click(f"careerbot:page:{entry_id}:{page}")
                assert click.response["type"] == 7
                text.append(click.response["data"]["embeds"][0]["description"])
            assert all(len(t) <= PAGE_CHARS for t in text)
            assert "".join("".join(text).split()) == "".join(entry.answer.split())
        assert pages >= 10  # the huge one
        back = await h.click(f"careerbot:page:huge-answer:{pages - 2}")  # Previous
        assert back.response["data"]["embeds"][0]["footer"]["text"].endswith(
            f"page {pages - 1}/{pages}"
        )
        body = await answer_of(h, "tell me everything about the long answer")
        assert (
            body["embeds"][0]["footer"]["text"].split(" · as of")[0]
            == "topic: long-answer · page 1/2"
        )
        for sent in sent_bodies(h.fake):  # FakeDiscord also answers 400 to a broken body
            assert limits.problems(sent) == [] and pings_nobody(sent)


async def test_buttons_work_after_a_restart(factory: Factory, services: Services) -> None:
    guild = server()
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        await h.slash("topic", name="sql")
        answer = h.last_message_with("careerbot:vote:1:sql")
        await answer_of(h, "career")
        suggestion = next(m for m in reversed(h.fake.messages.values()) if m["components"])
        pick = custom_ids(suggestion)[0]
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:  # a new bot instance
        vote = await h.click("careerbot:vote:1:sql", on_message=answer)
        assert (await vote.wait("followup")).json["content"].startswith("Thanks!")
        picked = await h.click(pick, on_message=suggestion)
        assert picked.response["type"] == 7
        footer = picked.response["data"]["embeds"][0]["footer"]["text"]
        assert footer.split(" · as of")[0] == f"topic: {pick.rsplit(':', 1)[1]}"
    votes = await rows(services, AnswerVote)
    assert [(v.message_id, v.entry_id) for v in votes] == [(int(answer["id"]), "sql")]


# ---- free text -------------------------------------------------------------------------------


async def test_mention_in_a_channel_is_answered(factory: Factory) -> None:
    async with run_bot(factory) as h:
        me = h.fake.bot_user["id"]
        ex = await h.send_message(f"<@{me}> how do I become an mlops engineer?")
        reply = (await ex.wait("channel_message")).json
        assert reply["embeds"][0]["footer"]["text"].split(" · as of")[0] == "topic: mlops-engineer"
        assert str(reply["message_reference"]["message_id"]) == ex.payload["id"]
        assert pings_nobody(reply) and reply["allowed_mentions"]["replied_user"] is False
        assert custom_ids(reply) == [
            "careerbot:vote:1:mlops-engineer",
            "careerbot:vote:0:mlops-engineer",
        ]
        bare = await h.send_message(f"<@{me}>")
        assert (await bare.wait("channel_message")).json["content"] == USAGE_HINT
        hello = await h.send_message(f"<@!{me}> hi")
        assert (await hello.wait("channel_message")).json["content"] == (
            SMALLTALK_REPLIES["greeting"]
        )
        dm = await h.send_message("what is kaggle", dm=True)
        assert (await dm.wait("channel_message")).json["embeds"][0]["footer"]["text"].split(
            " · as of"
        )[0] == ("topic: kaggle")


async def test_bot_messages_and_plain_chatter_are_ignored(factory: Factory) -> None:
    async with run_bot(factory) as h:
        me = h.fake.bot_user["id"]
        other_bot = make_user("helperbot", bot=True)
        await h.send_message(f"<@{me}> how much do ml engineers make", user=other_bot)
        await h.send_message(f"<@{me}> what is kaggle", user=h.fake.bot_user)  # itself
        await h.send_message("how much do ml engineers make")  # no mention, no ask channel
        await h.send_message("@everyone what is kaggle")  # @everyone is not a mention of me
        await h.settle()
        assert h.fake.of_kind("channel_message") == []


async def test_ask_channel_set_by_a_manager_answers_questions_only(
    factory: Factory, services: Services
) -> None:
    guild = server("general", "ask-here")
    general, ask_here = guild["channels"]
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.slash(
            "config", subcommand="ask-channel", user=OWNER, values={"channel": ask_here}
        )
        assert ex.response == {"type": 5, "data": {"flags": EPHEMERAL}}
        done = (await ex.wait("followup")).json["content"]
        assert done == f"I'll answer every question in <#{ask_here['id']}>."
        question = await h.send_message("how much do data scientists earn", channel=ask_here)
        reply = (await question.wait("channel_message")).json
        assert (
            reply["embeds"][0]["footer"]["text"].split(" · as of")[0]
            == "topic: salary-data-scientist"
        )
        await h.send_message("hi everyone", channel=ask_here)  # small talk: stay quiet
        await h.send_message("thanks!", channel=ask_here)
        await h.send_message("how much do data scientists earn", channel=general)
        await h.settle()
        assert len(h.fake.of_kind("channel_message")) == 1
        shown = await h.slash("config", subcommand="show", user=OWNER)
        assert f"<#{ask_here['id']}>" in (await shown.wait("followup")).json["content"]
    stored = await rows(services, GuildSettings)
    assert [(s.guild_id, s.ask_channel_id) for s in stored] == [
        (int(guild["id"]), int(ask_here["id"]))
    ]


async def test_config_needs_manage_server_checked_in_code(
    factory: Factory, services: Services
) -> None:
    guild = server()
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        channel = guild["channels"][0]
        refused = await h.slash("config", subcommand="ask-channel", values={"channel": channel})
        assert refused.response["data"] == {
            "tts": False,
            "content": NEEDS_MANAGE_SERVER,
            "flags": EPHEMERAL,
            "embeds": [],
            "allowed_mentions": {"parse": []},
        }
        role = await h.slash("config", subcommand="mod-role", role=guild["roles"][0])
        assert role.response["data"]["content"] == NEEDS_MANAGE_SERVER
        dm = await h.slash("config", subcommand="show", dm=True)
        assert dm.response["data"]["content"] == SERVER_ONLY
    assert await rows(services, GuildSettings) == []


async def test_without_message_content_intent_mentions_still_work(
    factory: Factory, services: Services
) -> None:
    guild = server("general", "ask-here")
    ask_here = guild["channels"][1]
    await services.guild_settings.set_ask_channel(int(guild["id"]), int(ask_here["id"]))
    async with run_bot(lambda: factory(message_content=False), guilds=[guild], user=ALICE) as h:
        assert h.fake.intents is not None and not h.fake.intents & MESSAGE_CONTENT
        await h.send_message("how much do data scientists earn", channel=ask_here)
        await h.settle()
        assert h.fake.of_kind("channel_message") == []  # Discord sent it without content
        me = h.fake.bot_user["id"]
        ex = await h.send_message(f"<@{me}> how much do data scientists earn", channel=ask_here)
        reply = (await ex.wait("channel_message")).json
        assert (
            reply["embeds"][0]["footer"]["text"].split(" · as of")[0]
            == "topic: salary-data-scientist"
        )
        config = await h.slash(
            "config", subcommand="ask-channel", user=OWNER, values={"channel": ask_here}
        )
        assert "Message Content intent" in (await config.wait("followup")).json["content"]
        help_text = (await h.slash("help")).response["data"]["embeds"][0]["fields"][0]["value"]
        assert "only mentions work" in help_text


# ---- limits: cooldown, mentions ---------------------------------------------------------------


async def test_cooldown_sixth_question_gets_an_ephemeral_note(factory: Factory) -> None:
    async with run_bot(factory) as h:
        for _ in range(5):
            await answer_of(h, "career")
        sixth = await h.slash("ask", question="career")
        data = sixth.response["data"]
        assert sixth.response["type"] == 4 and data["flags"] == EPHEMERAL
        assert re.fullmatch(r"You're asking fast — try again in \d+ s\.", data["content"])
        assert not data["embeds"] and "components" not in data  # no suggestions meanwhile
        assert not sixth.followups

        me = h.fake.bot_user["id"]
        bob = make_user("bob")
        for _ in range(5):
            ex = await h.send_message(f"<@{me}> what is kaggle", user=bob)
            await ex.wait("channel_message")
        note = await h.send_message(f"<@{me}> what is kaggle", user=bob)
        assert "You're asking fast" in (await note.wait("channel_message")).json["content"]
        again = await h.send_message(f"<@{me}> what is kaggle", user=bob)
        reaction = await again.wait("reaction")  # told once; then a reaction, not a wall of notes
        assert reaction.path.endswith("/reactions/⏳/@me")


async def test_nobody_is_ever_pinged(factory: Factory) -> None:
    nasty = "@everyone @here <@&222222222222222222> <@333333333333333333>"
    async with run_bot(factory) as h:
        me = h.fake.bot_user["id"]
        await answer_of(h, f"{nasty} how much do ml engineers make")
        await answer_of(h, f"{nasty} what is for lunch")
        suggestion = await answer_of(h, f"{nasty} career")
        await h.click(custom_ids(suggestion)[0])
        ex = await h.send_message(f"<@{me}> {nasty} what is kaggle")
        await ex.wait("channel_message")
        await (await h.click("careerbot:vote:1:kaggle")).wait("followup")
        await h.settle()
        bodies = sent_bodies(h.fake)
        assert len(bodies) >= 6
        for body in bodies:
            assert pings_nobody(body), body
            shown = str(body.get("content")) + str(body.get("embeds"))
            assert "@everyone" not in shown and "@here" not in shown  # never echoed


# ---- errors ------------------------------------------------------------------------------------


async def test_command_error_gets_apology_with_reference_and_logged_traceback(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("bot.answers.lookup.resolve", broken)  # before the cog is loaded
    caplog.set_level(logging.ERROR, logger="bot.discord.errors")
    async with run_bot(factory) as h:
        ex = await h.slash("topic", name="python")
        data = ex.response["data"]
        assert data["flags"] == EPHEMERAL and data["content"].startswith(APOLOGY)
        reference = REFERENCE.search(data["content"])
        assert reference and "secret" not in str(data)
    logged = [r for r in caplog.records if reference[1] in r.getMessage()]
    assert len(logged) == 1 and "/topic" in logged[0].getMessage()
    assert logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])


async def test_error_after_defer_replaces_the_public_thinking_message(
    factory: Factory, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> None:
        raise RuntimeError("secret")

    monkeypatch.setattr(services.ask, "ask", broken)
    async with run_bot(factory) as h:
        ex = await h.slash("ask", question="what is kaggle")
        assert ex.response == {"type": 5}
        followup = (await ex.wait("followup")).json
        assert followup["flags"] == EPHEMERAL and REFERENCE.search(followup["content"])
        assert [r.kind for r in ex.requests] == ["callback", "get_message", "delete", "followup"]

        me = h.fake.bot_user["id"]
        mention = await h.send_message(f"<@{me}> what is kaggle")  # the events handler
        reply = (await mention.wait("channel_message")).json
        assert reply["content"].startswith(APOLOGY) and REFERENCE.search(reply["content"])
        assert pings_nobody(reply)


async def test_database_down_gets_a_clear_message(
    factory: Factory, services: Services, tmp_path: Path
) -> None:
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}")
    services.guild_settings.sessions = async_sessionmaker(broken)
    services.feedback.sessions = async_sessionmaker(broken)
    try:
        async with run_bot(factory, guilds=[server()], user=ALICE) as h:
            channel = h.guild["channels"][0]
            ex = await h.slash(
                "config", subcommand="ask-channel", user=OWNER, values={"channel": channel}
            )
            text = (await ex.wait("followup")).json["content"]
            assert text.startswith(DATABASE_DOWN) and REFERENCE.search(text)
            await h.slash("topic", name="sql")
            vote = await h.click("careerbot:vote:1:sql")
            assert (await vote.wait("followup")).json["content"].startswith(DATABASE_DOWN)
            me = h.fake.bot_user["id"]
            still = await h.send_message(f"<@{me}> what is kaggle")  # answering still works
            assert (await still.wait("channel_message")).json["embeds"]
    finally:
        await broken.dispose()


async def test_an_old_command_name_gets_an_answer(factory: Factory) -> None:
    async with run_bot(factory) as h:
        ex = await h.slash("faq", question="x")
        assert ex.response["data"]["content"] == UNKNOWN_COMMAND
        assert ex.response["data"]["flags"] == EPHEMERAL
