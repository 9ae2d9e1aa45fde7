"""Help forums end to end through the offline harness: a post is opened as Discord announces it
(THREAD_CREATE, then its starter MESSAGE_CREATE), the bot answers inside it, and Solved /
Not solved edit the thread through the fake REST API.

SQLite only, as the other harness tests: ForumPostService and the settings are tested on
PostgreSQL in tests/answers/test_forum_posts.py and tests/settings/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.answers.discord.forumpost import LEFT_FOR_PEOPLE, NOT_THE_ASKER
from bot.answers.discord.solved import LEFT_OPEN
from bot.db.models import AnswerVote, ForumPost, GuildSettings, UnansweredDaily
from bot.discord.app import CareerBot
from bot.services import Services
from bot.settings.discord.cog import HELP_FORUM_OFF, NEEDS_MANAGE_SERVER, TAG_WITHOUT_FORUM
from tests.harness import (
    APP_ID,
    BotHarness,
    Exchange,
    make_channel,
    make_forum_channel,
    make_guild,
    make_member,
    make_role,
    make_tag,
    make_thread,
    make_user,
    run_bot,
    snowflake,
)
from tests.harness.fake import FakeDiscord

Factory = Callable[..., CareerBot]
Payload = dict[str, Any]
EPHEMERAL = 64
ALICE = make_user("alice")  # opens the posts
BOB = make_user("bob")  # another member
OWNER = make_user("owner")  # Manage Server: a knowledge moderator
BOT = make_user("CareerBot", id=APP_ID, bot=True)
SOLVED = make_tag("Solved")
BEGINNER = make_tag("Beginner")
EVERYTHING = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
    manage_threads=True,
)
SALARY_TITLE = "How much do ML engineers make?"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


def forum_server(
    *, bot_can: discord.Permissions = EVERYTHING, tags: list[Payload] | None = None
) -> Payload:
    """A server with #general, the #career-help forum (tags: Solved, Beginner) and a second
    forum, #showcase; the bot's role grants `bot_can`."""
    role = make_role("CareerBot", permissions=bot_can.value)
    return make_guild(
        members=[ALICE, BOB, make_member(BOT, roles=[role["id"]])],
        owner=OWNER,
        roles=[role],
        channels=[
            make_channel("general"),
            make_forum_channel("career-help", tags=[SOLVED, BEGINNER] if tags is None else tags),
            make_forum_channel("showcase", tags=[make_tag("Solved")]),
        ],
    )


def help_forum(guild: Payload) -> Payload:
    return guild["channels"][1]


def other_forum(guild: Payload) -> Payload:
    return guild["channels"][2]


async def with_help_forum(services: Services, guild: Payload, tag: str | None = None) -> None:
    forum_id = int(help_forum(guild)["id"])
    await services.guild_settings.set_help_forum(int(guild["id"]), forum_id, tag)


def custom_ids(body: Payload) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


def pings_nobody(body: Payload) -> bool:
    allowed = body.get("allowed_mentions") or {}
    return allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles")


def posts_in(fake: FakeDiscord, thread_id: str) -> list[Any]:
    """What the bot posted in one thread."""
    return [r for r in fake.of_kind("channel_message") if r.path.endswith(f"/{thread_id}/messages")]


async def rows(services: Services, model: Any) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def answered(h: BotHarness, ex: Exchange) -> Payload:
    """The bot's one reply inside the post of `ex` (after every event has been handled)."""
    reply = (await ex.wait("channel_message")).json
    await h.settle()
    assert len(posts_in(h.fake, ex.payload["channel_id"])) == 1
    return reply


def thread_of(h: BotHarness, ex: Exchange) -> Payload:
    return h.fake.channels[ex.payload["channel_id"]]


# ---- answering new posts -----------------------------------------------------------------


async def test_a_new_post_is_answered_exactly_once_inside_the_post(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        me = h.fake.bot_user["id"]
        # The opening message even mentions the bot: still one answer, not one per event.
        ex = await h.open_post(SALARY_TITLE, f"<@{me}> I'm curious about salaries in the US")
        reply = await answered(h, ex)
        assert (
            reply["embeds"][0]["footer"]["text"].split(" · as of")[0] == "topic: salary-ml-engineer"
        )
        assert reply["embeds"][0]["fields"][0]["name"] == "Related"
        assert custom_ids(reply) == [
            "careerbot:vote:1:salary-ml-engineer",
            "careerbot:vote:0:salary-ml-engineer",
            "careerbot:post:1:salary-ml-engineer",
            "careerbot:post:0:salary-ml-engineer",
        ]
        labels = [c["label"] for row in reply["components"] for c in row["components"]]
        assert labels == ["Helpful", "Not helpful", "Solved", "Not solved"]
        assert pings_nobody(reply) and "message_reference" not in reply
    [post] = await rows(services, ForumPost)
    assert (post.thread_id, post.guild_id, post.outcome, post.entry_id, post.resolution) == (
        int(ex.payload["channel_id"]),
        int(guild["id"]),
        "answered",
        "salary-ml-engineer",
        None,
    )


async def test_the_starter_message_is_fetched_when_not_cached(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.open_post("A question", "what is kaggle", starter=False)
        reply = await answered(h, ex)
        assert (
            reply["embeds"][0]["footer"]["text"].split(" · as of")[0] == "topic: kaggle"
        )  # from the message
        fetched = h.fake.of_kind("get_message")
        assert [r.path for r in fetched] == [
            f"/api/v10/channels/{ex.payload['id']}/messages/{ex.payload['id']}"
        ]


async def test_a_reply_in_the_post_is_ignored_but_a_mention_is_answered(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.open_post(SALARY_TITLE)
        await answered(h, ex)
        thread = thread_of(h, ex)
        await h.send_message("how much do data scientists earn", channel=thread, user=BOB)
        await h.send_message("thanks, that helps!", channel=thread)
        await h.settle()
        assert len(posts_in(h.fake, thread["id"])) == 1  # members talk; the bot stays quiet
        me = h.fake.bot_user["id"]
        mention = await h.send_message(f"<@{me}> what is kaggle", channel=thread, user=BOB)
        reply = (await mention.wait("channel_message")).json
        assert str(reply["message_reference"]["message_id"]) == mention.payload["id"]
        assert reply["embeds"][0]["footer"]["text"].split(" · as of")[0] == "topic: kaggle"
        assert "careerbot:post:1:kaggle" in custom_ids(reply)  # the asker may mark it solved
        assert pings_nobody(reply) and reply["allowed_mentions"]["replied_user"] is False
        await h.settle()
        assert len(posts_in(h.fake, thread["id"])) == 2


async def test_posts_in_other_forums_old_posts_and_bot_posts_are_ignored(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    helper_bot = make_user("helperbot", bot=True)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        await h.open_post(SALARY_TITLE, forum=other_forum(guild))
        an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        await h.open_post(SALARY_TITLE, opened_at=an_hour_ago)  # e.g. replayed after a resume
        await h.open_post(SALARY_TITLE, user=helper_bot)
        await h.settle()
        assert h.fake.of_kind("channel_message") == []
    assert await rows(services, ForumPost) == []


async def test_a_post_from_before_the_start_is_left_alone_but_mentions_there_are_answered(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    old = make_thread(
        help_forum(guild), ALICE, SALARY_TITLE, guild_id=guild["id"], id=snowflake(yesterday)
    )
    guild["threads"] = [old]  # active posts come with GUILD_CREATE; no THREAD_CREATE for them
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        h.fake.channels[old["id"]] = old
        await h.send_message("anyone? how much do ml engineers make", channel=old)
        await h.settle()
        assert h.fake.of_kind("channel_message") == []
        me = h.fake.bot_user["id"]
        mention = await h.send_message(f"<@{me}> how much do ml engineers make", channel=old)
        reply = (await mention.wait("channel_message")).json
        assert "careerbot:post:1:salary-ml-engineer" in custom_ids(reply)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        assert (await click.wait("followup")).json["content"].startswith("Marked as solved")
        await h.settle()
    [post] = await rows(services, ForumPost)  # counted from the moment it was solved
    assert (post.thread_id, post.outcome, post.resolution) == (int(old["id"]), "answered", "solved")


async def test_without_a_help_forum_posts_get_no_answer(factory: Factory) -> None:
    guild = forum_server()
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        await h.open_post(SALARY_TITLE)
        await h.settle()
        assert h.fake.of_kind("channel_message") == []


async def test_nothing_fits_leaves_a_note_for_people_and_a_gap_with_the_title(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    title = "Weather on  Mars tomorrow?"
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        reply = await answered(h, await h.open_post(title, "What will it be like?"))
        assert reply["content"] == LEFT_FOR_PEOPLE  # no topics named, no buttons
        assert not reply["embeds"] and not reply.get("components") and pings_nobody(reply)
    [gap] = await rows(services, UnansweredDaily)
    assert (gap.guild_id, gap.text, gap.count) == (int(guild["id"]), "Weather on Mars tomorrow?", 1)
    gaps = await services.insights.gaps(int(guild["id"]))
    assert [g.text for g in gaps] == ["Weather on Mars tomorrow?"]
    [post] = await rows(services, ForumPost)
    assert (post.outcome, post.entry_id) == ("unanswered", None)


async def test_did_you_mean_picked_by_the_author_becomes_an_answer_with_solved(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        reply = await answered(h, await h.open_post("career"))
        assert reply["embeds"][0]["title"] == "Did you mean…"
        picks = custom_ids(reply)
        assert len(picks) >= 2 and all(p.startswith("careerbot:postpick:") for p in picks)
        chosen = picks[0].rsplit(":", 1)[1]
        other = await h.click(picks[0], user=BOB)  # not the asker: the answer just for bob
        assert other.response["type"] == 4 and other.response["data"]["flags"] == EPHEMERAL
        assert not [i for i in custom_ids(other.response["data"]) if ":post:" in i]
        mine = await h.click(picks[0])
        assert mine.response["type"] == 7
        update = mine.response["data"]
        assert update["embeds"][0]["footer"]["text"].split(" · as of")[0] == f"topic: {chosen}"
        assert f"careerbot:post:1:{chosen}" in custom_ids(update) and pings_nobody(update)
        await h.settle()
    [post] = await rows(services, ForumPost)
    assert (post.outcome, post.entry_id) == ("answered", chosen)


@pytest.mark.parametrize(
    ("content", "attachments"),
    [
        ("", None),  # only the title
        ("", [{"id": "1", "filename": "chart.png", "size": 10, "url": "x", "proxy_url": "x"}]),
        ("Some context about me. " * 300, None),  # 6,900 characters: read up to 1,000
    ],
    ids=["title-only", "image-only", "very-long"],
)
async def test_empty_image_only_and_very_long_posts_are_answered_from_the_title(
    factory: Factory, services: Services, content: str, attachments: list[Payload] | None
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.open_post(SALARY_TITLE, content, attachments=attachments)
        reply = await answered(h, ex)
        assert (
            reply["embeds"][0]["footer"]["text"].split(" · as of")[0] == "topic: salary-ml-engineer"
        )


async def test_without_send_permission_in_the_forum_nothing_crashes(
    factory: Factory, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    guild = forum_server(bot_can=discord.Permissions(view_channel=True, send_messages=True))
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.open_post(SALARY_TITLE)
        refused = await ex.wait("channel_message")
        await h.settle()
        assert refused.status == 403 and refused.response["code"] == 50013
    assert "cannot answer post" in caplog.text
    assert await rows(services, ForumPost) == []  # not answered: not counted


# ---- Solved / Not solved -------------------------------------------------------------------


async def open_answered_post(h: BotHarness, **kwargs: Any) -> tuple[Exchange, Payload]:
    ex = await h.open_post(SALARY_TITLE, **kwargs)
    await answered(h, ex)
    return ex, h.last_message_with("careerbot:post:1:salary-ml-engineer")


async def test_solved_by_the_author_tags_and_archives_the_post(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, answer = await open_answered_post(h, tags=[BEGINNER])
        click = await h.click("careerbot:post:1:salary-ml-engineer", on_message=answer)
        assert click.response == {"type": 5, "data": {"flags": EPHEMERAL}}  # private
        text = (await click.wait("followup")).json["content"]
        assert text == "Marked as solved, thanks! I tagged the post **Solved** and closed it."
        [edit] = click.bodies("edit_channel")
        assert edit == {"archived": True, "applied_tags": [BEGINNER["id"], SOLVED["id"]]}
        thread = thread_of(h, ex)
        assert thread["thread_metadata"]["archived"] is True
        assert thread["applied_tags"] == [BEGINNER["id"], SOLVED["id"]]
        again = await h.click("careerbot:post:1:salary-ml-engineer", on_message=answer)
        assert "already closed" in (await again.wait("followup")).json["content"]
        await h.settle()
        assert len(h.fake.of_kind("edit_channel")) == 1
    [vote] = await rows(services, AnswerVote)
    assert (vote.message_id, vote.user_id, vote.entry_id, vote.helpful) == (
        int(answer["id"]),
        int(ALICE["id"]),
        "salary-ml-engineer",
        True,
    )
    [post] = await rows(services, ForumPost)
    assert post.resolution == "solved"


async def test_solved_by_anyone_else_is_refused_privately_but_a_moderator_may(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, answer = await open_answered_post(h)
        refused = await h.click("careerbot:post:1:salary-ml-engineer", user=BOB)
        assert refused.response["data"]["flags"] == EPHEMERAL
        assert (await refused.wait("followup")).json["content"] == NOT_THE_ASKER
        not_solved = await h.click("careerbot:post:0:salary-ml-engineer", user=BOB)
        assert (await not_solved.wait("followup")).json["content"] == NOT_THE_ASKER
        await h.settle()
        assert h.fake.of_kind("edit_channel") == [] and await rows(services, AnswerVote) == []
        moderator = await h.click("careerbot:post:1:salary-ml-engineer", user=OWNER)
        assert (await moderator.wait("followup")).json["content"].startswith("Marked as solved")
        assert thread_of(h, ex)["thread_metadata"]["archived"] is True
        await h.settle()
    assert [(v.message_id, v.user_id, v.helpful) for v in await rows(services, AnswerVote)] == [
        (int(answer["id"]), int(OWNER["id"]), True)
    ]


async def test_not_solved_records_a_vote_and_leaves_the_post_open(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        click = await h.click("careerbot:post:0:salary-ml-engineer")
        assert (await click.wait("followup")).json["content"] == LEFT_OPEN
        await h.settle()
        assert h.fake.of_kind("edit_channel") == []
        assert thread_of(h, ex)["thread_metadata"]["archived"] is False
    assert [v.helpful for v in await rows(services, AnswerVote)] == [False]
    assert [p.resolution for p in await rows(services, ForumPost)] == ["not_solved"]


async def test_a_forum_without_the_tag_is_closed_and_the_missing_tag_reported(
    factory: Factory, services: Services
) -> None:
    guild = forum_server(tags=[BEGINNER])
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        text = (await click.wait("followup")).json["content"]
        assert text.startswith("Marked as solved, thanks! I closed the post.")
        assert "no **Solved** tag" in text
        assert click.bodies("edit_channel") == [{"archived": True, "applied_tags": []}]
        assert thread_of(h, ex)["thread_metadata"]["archived"] is True
        await h.settle()
    assert [v.helpful for v in await rows(services, AnswerVote)] == [True]


async def test_the_solved_tag_name_is_configurable(factory: Factory, services: Services) -> None:
    answered_tag = make_tag("Answered ✓")
    guild = forum_server(tags=[SOLVED, answered_tag])
    await with_help_forum(services, guild, "answered ✓")  # case does not matter
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        assert "tagged the post **Answered ✓**" in (await click.wait("followup")).json["content"]
        assert thread_of(h, ex)["applied_tags"] == [answered_tag["id"]]


async def test_a_post_with_five_tags_is_closed_and_the_full_tags_reported(
    factory: Factory, services: Services
) -> None:
    five = [make_tag(f"Topic {n}") for n in range(5)]
    guild = forum_server(tags=[SOLVED, *five])
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h, tags=five)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        text = (await click.wait("followup")).json["content"]
        assert text == (
            "Marked as solved, thanks! I closed the post. The post already has 5 tags, the most "
            "Discord allows, so I couldn't add **Solved**."
        )
        assert thread_of(h, ex)["applied_tags"] == [tag["id"] for tag in five]
        assert thread_of(h, ex)["thread_metadata"]["archived"] is True


async def test_without_manage_threads_the_vote_counts_and_the_reply_says_why(
    factory: Factory, services: Services
) -> None:
    can_answer = discord.Permissions(EVERYTHING.value)
    can_answer.manage_threads = False
    guild = forum_server(bot_can=can_answer)
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        text = (await click.wait("followup")).json["content"]
        forum = help_forum(guild)["id"]
        assert text == (
            "Marked as solved, thanks! I counted my answer as helpful. I couldn't tag or close "
            f"the post: I need the **Manage Threads** permission in <#{forum}>."
        )
        await h.settle()
        assert h.fake.of_kind("edit_channel") == []  # not even tried
        assert thread_of(h, ex)["thread_metadata"]["archived"] is False
    assert [v.helpful for v in await rows(services, AnswerVote)] == [True]
    assert [p.resolution for p in await rows(services, ForumPost)] == ["solved"]


async def test_when_discord_refuses_the_edit_the_reply_says_why(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        # The role lost Manage Threads and the bot has not heard yet: Discord answers 403.
        role = next(r for r in h.fake.guilds[0]["roles"] if r["name"] == "CareerBot")
        manage_threads = discord.Permissions(manage_threads=True).value
        role["permissions"] = str(int(role["permissions"]) & ~manage_threads)
        click = await h.click("careerbot:post:1:salary-ml-engineer")
        text = (await click.wait("followup")).json["content"]
        assert "I need the **Manage Threads** permission" in text
        [refused] = [r for r in click.requests if r.kind == "edit_channel"]
        assert refused.status == 403
        assert thread_of(h, ex)["thread_metadata"]["archived"] is False


# ---- /config help-forum, /kb stats -----------------------------------------------------------


async def test_config_help_forum_sets_shows_and_turns_off(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    forum = help_forum(guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.slash("config", subcommand="help-forum", user=OWNER, forum=forum)
        assert ex.response == {"type": 5, "data": {"flags": EPHEMERAL}}
        done = (await ex.wait("followup")).json["content"]
        assert done == f"I'll answer each new post in <#{forum['id']}> once, inside the post."
        shown = await h.slash("config", subcommand="show", user=OWNER)
        assert (
            f"Help forum: <#{forum['id']}> (solved tag: **Solved**)"
            in (await shown.wait("followup")).json["content"]
        )
        await answered(h, await h.open_post(SALARY_TITLE))  # works end to end

        off = await h.slash("config", subcommand="help-forum", user=OWNER)
        assert (await off.wait("followup")).json["content"] == HELP_FORUM_OFF
        await h.open_post(SALARY_TITLE)
        await h.settle()
        assert len(h.fake.of_kind("channel_message")) == 1
    [stored] = await rows(services, GuildSettings)
    assert (stored.help_forum_id, stored.solved_tag) == (None, None)


async def test_config_help_forum_reports_missing_permissions_and_tag(
    factory: Factory, services: Services
) -> None:
    guild = forum_server(bot_can=discord.Permissions(), tags=[BEGINNER])  # @everyone's only
    forum = help_forum(guild)
    async with run_bot(lambda: factory(message_content=False), guilds=[guild], user=ALICE) as h:
        ex = await h.slash(
            "config", subcommand="help-forum", user=OWNER, forum=forum, **{"solved-tag": "Done"}
        )
        text = (await ex.wait("followup")).json["content"]
        assert (
            "But I'm missing these permissions there: send messages in posts, "
            "manage threads (to tag and close solved posts)."
        ) in text
        assert "The forum has no **Done** tag yet" in text
        assert "I read only each post's title" in text
    [stored] = await rows(services, GuildSettings)
    assert (stored.help_forum_id, stored.solved_tag) == (int(forum["id"]), "Done")


async def test_config_help_forum_is_refused_without_manage_server(
    factory: Factory, services: Services
) -> None:
    guild = forum_server()
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        refused = await h.slash("config", subcommand="help-forum", forum=help_forum(guild))
        assert refused.response["data"]["content"] == NEEDS_MANAGE_SERVER
        assert refused.response["data"]["flags"] == EPHEMERAL
        tag_only = await h.slash(
            "config", subcommand="help-forum", user=OWNER, **{"solved-tag": "x"}
        )
        assert tag_only.response["data"]["content"] == TAG_WITHOUT_FORUM
    assert await rows(services, GuildSettings) == []


async def test_kb_stats_counts_forum_posts(factory: Factory, services: Services) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        await open_answered_post(h)
        await h.click("careerbot:post:1:salary-ml-engineer")  # solved
        await answered(h, await h.open_post("what is kaggle"))
        await h.click("careerbot:post:0:kaggle")  # not solved: left for people
        await answered(h, await h.open_post("Weather on Mars tomorrow?"))  # no answer
        await h.settle()
        ex = await h.slash("kb", subcommand="stats", user=OWNER)
        embed = (await ex.wait("followup")).json["embeds"][0]
        forum = next(f for f in embed["fields"] if f["name"] == "Help forum posts")
        assert forum["value"] == (
            "3 new · 2 answered by me · 1 solved by my answer · 2 left for humans"
        )


# ---- the harness's threads behave like Discord's ---------------------------------------------


async def test_the_fake_edits_threads_as_discord_does(factory: Factory, services: Services) -> None:
    guild = forum_server()
    await with_help_forum(services, guild)
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex, _ = await open_answered_post(h)
        post = h.bot.get_channel(int(ex.payload["channel_id"]))
        assert isinstance(post, discord.Thread) and post.owner_id == int(ALICE["id"])
        unknown = discord.Object(id=int(snowflake()))
        with pytest.raises(discord.HTTPException) as bad_tag:
            await post.edit(applied_tags=[unknown])  # type: ignore[list-item]
        assert bad_tag.value.status == 400 and bad_tag.value.code == 50035
        edited = await post.edit(archived=True)
        assert edited.archived and thread_of(h, ex)["thread_metadata"]["archived"] is True
        await h.settle()  # THREAD_UPDATE followed: discord.py drops archived threads
        assert h.bot.get_channel(post.id) is None
        with pytest.raises(discord.HTTPException) as archived:
            await edited.edit(name="renamed")
        assert archived.value.code == 50083
        sent = await edited.send("reopened by a post")  # the bot posting unarchives it
        await h.settle()
        assert sent.channel.id == post.id
        assert thread_of(h, ex)["thread_metadata"]["archived"] is False
