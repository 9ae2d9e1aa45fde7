"""/roadmap and /mydata end to end through the offline harness (tests/harness): real discord.py
code paths in, what Discord would have received out, progress checked in the database.

SQLite only, like tests/test_discord_bot.py: RoadmapService itself runs on PostgreSQL in
tests/test_roadmap_*.py; the Discord layer is the same on every backend.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.config import Settings
from bot.db.engine import DatabaseUnavailable, create_engine
from bot.db.models import AnswerVote, SkillProgress, User
from bot.discord.app import CareerBot, create_bot
from bot.discord.confirm import CANCELLED, NOT_YOURS
from bot.discord.errors import DATABASE_DOWN
from bot.privacy.discord.cog import DELETE_PROMPT, export_text
from bot.roadmap.card import FILL, TRACK_BG, card_size
from bot.roadmap.discord.components import MarkDoneButton
from bot.roadmap.fitcard import FIT_FILENAME, chart_size, role_bar_box
from bot.roadmap.progress import MARKS
from bot.services import Services
from tests.harness import BotHarness, Exchange, limits, make_channel, make_guild, make_user, run_bot

Factory = Callable[..., CareerBot]
EPHEMERAL = 64
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALICE = make_user("alice")
BOB = make_user("bob")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


@pytest.fixture
def text_only(settings: Settings, services: Services) -> Factory:
    """The bot with ROADMAP_IMAGES=0."""
    plain = dataclasses.replace(settings, roadmap_images=False)
    return lambda: create_bot(plain, services=services)


def uid(user: dict[str, Any]) -> int:
    return int(user["id"])


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


def pings_nobody(body: dict[str, Any]) -> bool:
    allowed = body.get("allowed_mentions")
    return allowed is not None and allowed.get("parse") == [] and not allowed.get("users")


async def deferred(ex: Exchange) -> dict[str, Any]:
    """An ephemeral defer (the command touches the database), then the reply as a follow-up."""
    assert ex.response == {"type": 5, "data": {"flags": EPHEMERAL}}
    return (await ex.wait("followup")).json


async def roadmap(h: BotHarness, subcommand: str, **options: Any) -> dict[str, Any]:
    return await deferred(await h.slash("roadmap", subcommand=subcommand, **options))


async def statuses(services: Services, user: dict[str, Any], track: str) -> dict[str, str]:
    view = await services.roadmaps.view(uid(user), track)
    return {v.skill.id: v.status for step in view.steps for v in step.skills}


async def stored(services: Services, model: Any) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


# ---- commands --------------------------------------------------------------------------------


async def test_roadmap_and_mydata_commands_sync_for_servers_and_dms(factory: Factory) -> None:
    async with run_bot(factory) as h:
        synced = {c["name"]: c for c in h.fake.commands[None]}
        roadmap_cmd, mydata = synced["roadmap"], synced["mydata"]
        subcommands = {o["name"]: o for o in roadmap_cmd["options"]}
        assert list(subcommands) == [
            "tracks", "view", "fit", "done", "doing", "skip", "undo", "next", "reset"
        ]  # fmt: skip
        for name in ("done", "doing", "skip", "undo"):
            [item] = subcommands[name]["options"]
            assert (item["name"], item["required"], item["autocomplete"]) == ("item", True, True)
            assert item["max_length"] == 100
        assert subcommands["reset"]["options"][0]["required"] is True
        assert subcommands["view"]["options"][0].get("required", False) is False
        assert [o["name"] for o in mydata["options"]] == ["export", "delete"]
        assert roadmap_cmd["contexts"] == mydata["contexts"] == [0, 1]  # servers and bot DMs
        for command in (roadmap_cmd, mydata):
            for sub in command["options"]:
                assert len(sub["name"]) <= 32 and 1 <= len(sub["description"]) <= 100


async def test_tracks_lists_every_track_with_the_members_progress(
    factory: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    async with run_bot(factory, user=ALICE) as h:
        body = await roadmap(h, "tracks")
    embed = body["embeds"][0]
    assert embed["title"] == "Roadmap tracks" and pings_nobody(body)
    titles = [track.title for track in services.roadmaps.tracks]
    assert [f["name"] for f in embed["fields"]] == titles and len(titles) >= 3
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert "14% (1 of 7 done)" in values["Build your ML portfolio"]
    assert "`/roadmap view portfolio`" in values["Build your ML portfolio"]
    assert "2% (1 of 40 done)" in values["Become an ML engineer"]  # the same skill
    assert "0% (0 of 5 done)" in values["Grow your ML network"]


async def test_view_attaches_the_png_card_with_steps_items_and_share(
    factory: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "supervised-project", "doing")
    async with run_bot(factory, user=ALICE) as h:
        ex = await h.slash("roadmap", subcommand="view", track="portfolio")
        body = await deferred(ex)
        followup = await ex.wait("followup")
        message = h.last_message_with("careerbot:rm-share:portfolio")
    [(name, png)] = followup.files
    assert name == "roadmap-portfolio.png" and png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.verify()
    view = await services.roadmaps.view(uid(ALICE), "portfolio")
    assert image.format == "PNG" and image.size == card_size(view)
    embed = body["embeds"][0]
    assert embed["image"]["url"] == "attachment://roadmap-portfolio.png"
    text = embed["description"]
    assert "14% (1 of 7 done)" in text and "**1. Projects**" in text
    assert f"{MARKS['done']} Give every project a README that explains goal, method" in text
    assert f"{MARKS['doing']} A supervised project" in text
    assert "█" in text and "░" in text  # per-step bars
    assert custom_ids(body) == ["careerbot:rm-share:portfolio"] and pings_nobody(body)
    assert message["flags"] & EPHEMERAL and message["attachments"][0]["filename"] == name
    assert limits.problems(body) == []


async def test_view_without_images_sends_the_text_card_of_the_last_changed_track(
    text_only: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    await services.roadmaps.set_status(uid(ALICE), "networking", "mentor", "done")  # the latest
    async with run_bot(text_only, user=ALICE) as h:
        ex = await h.slash("roadmap", subcommand="view")  # no track: the one changed last
        body = await deferred(ex)
        assert (await ex.wait("followup")).files == []
        share = await h.click("careerbot:rm-share:networking")
        post = await share.wait("followup")
    embed = body["embeds"][0]
    assert "image" not in embed
    assert embed["description"].startswith("**Grow your ML network** — 20% (1 of 5 done)")
    assert f"{MARKS['done']} Find a mentor" in embed["description"]
    assert "████░░░░░░" in embed["description"]  # Meet people: 1 of 3
    assert post.files == [] and "image" not in post.json["embeds"][0]
    assert f"{MARKS['done']} Find a mentor" in post.json["embeds"][0]["description"]


async def test_view_marks_skills_done_in_another_track(
    factory: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "deployed-project", "done")
    await services.roadmaps.set_status(uid(ALICE), "networking", "linkedin-profile", "doing")
    async with run_bot(factory, user=ALICE) as h:
        body = await roadmap(h, "view", track="ml-engineer")
    text = body["embeds"][0]["description"]
    assert "2% (1 of 40 done)" in text  # a skill counts in every track that lists it
    assert (
        f"{MARKS['done']} Ship one end-to-end project with a deployed model "
        "· done in Build your ML portfolio"
    ) in text
    linkedin = "Set up a LinkedIn profile that shows your projects"
    assert f"{MARKS['doing']} {linkedin} · in progress in Grow your ML network" in text
    assert limits.problems(body) == []


async def test_fit_shows_every_role_with_a_chart_and_the_text_beside_it(
    factory: Factory, services: Services
) -> None:
    roadmaps = services.roadmaps
    for skill in ("python-fluency", "statistics-probability", "sql-data-prep", "ab-testing"):
        await roadmaps.set_status(uid(ALICE), "data-scientist", skill, "done")
    guild = make_guild(members=[ALICE], channels=[make_channel("general")])
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        ex = await h.slash("roadmap", subcommand="fit")
        body = await deferred(ex)
        followup = await ex.wait("followup")
    embed = body["embeds"][0]
    assert embed["title"] == "Role fit" and pings_nobody(body) and limits.problems(body) == []
    assert embed["image"]["url"] == f"attachment://{FIT_FILENAME}"
    text = embed["description"]
    roles = [line.split("**")[1] for line in text.splitlines() if line.startswith("**")]
    assert roles == [
        "Data scientist",
        "MLOps engineer",
        "AI engineer",
        "Research engineer",
        "ML engineer",
    ]  # best fit first: 12%, 10%, 10% (a tie keeps display order), 8%, 7%
    assert "**Data scientist** — 12% (4 of 31 done)" in text
    assert (
        "Next:\n• ○ Finish a linear algebra course (vectors, matrices, eigenvalues, SVD) — "
        "`/topic linear-algebra`\n• ○ Explore a dataset and explain what you found with clear "
        "charts — `/topic data-analyst`"
    ) in text
    [(name, png)] = followup.files
    assert name == FIT_FILENAME and png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    report = await roadmaps.fit(uid(ALICE))
    assert image.size == chart_size(report)
    box = role_bar_box(0)  # Data scientist, 12%: filled at 6%, empty at 50%
    y, width = (box[1] + box[3]) // 2, box[2] - box[0]
    assert image.getpixel((box[0] + width * 8 // 100, y)) == FILL
    assert image.getpixel((box[0] + width // 2, y)) == TRACK_BG


async def test_fit_without_images_is_the_text_alone(text_only: Factory, services: Services) -> None:
    async with run_bot(text_only, user=ALICE) as h:
        ex = await h.slash("roadmap", subcommand="fit", dm=True)
        body = await deferred(ex)
        assert (await ex.wait("followup")).files == []
    embed = body["embeds"][0]
    assert "image" not in embed
    assert embed["description"].startswith(
        "How far you are from each role (share of its skills done):"
    )
    assert embed["description"].endswith("and this shows how close you are.")


@pytest.mark.parametrize(
    ("command", "status"),
    [("done", "done"), ("doing", "doing"), ("skip", "skipped")],
)
async def test_done_doing_skip_change_the_item(
    factory: Factory, services: Services, command: str, status: str
) -> None:
    async with run_bot(factory, user=ALICE) as h:
        body = await roadmap(h, command, item="portfolio:readme")
    assert body["content"].startswith(f"{MARKS[status]} **Give every project a README")
    assert "(Build your ML portfolio) is now" in body["content"] and pings_nobody(body)
    assert "Progress on this track: " in body["content"]
    assert (await statuses(services, ALICE, "portfolio"))["project-readmes"] == status
    assert set((await statuses(services, ALICE, "networking")).values()) == {"todo"}


async def test_done_reports_progress_next_item_and_undo_sets_it_back(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory, user=ALICE) as h:
        done = await roadmap(h, "done", item="kaggle competition")  # typed words, not an id
        assert "is now done" in done["content"] and "14% (1 of 7 done)" in done["content"]
        assert "Next up: A supervised project" in done["content"]
        again = await roadmap(h, "done", item="portfolio:kaggle-competition")
        assert "already done; nothing changed" in again["content"]
        assert (await statuses(services, ALICE, "portfolio"))["kaggle-competition"] == "done"
        undone = await roadmap(h, "undo", item="portfolio:kaggle-competition")
        assert undone["content"].startswith(f"{MARKS['todo']} **Take part in a Kaggle")
        assert "0% (0 of 7 done)" in undone["content"]
    assert (await statuses(services, ALICE, "portfolio"))["kaggle-competition"] == "todo"


async def test_marking_before_the_prerequisites_works_with_a_gentle_note(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory, user=ALICE) as h:
        body = await roadmap(h, "done", item="ai-agent")
    content = body["content"]
    assert content.startswith(f"{MARKS['done']} **Build an agent with two or three tools")
    assert "Heads-up: this builds on “Let an LLM call your functions (tool calling)" in content
    assert "not marked done yet" in content and pings_nobody(body)
    assert (await statuses(services, ALICE, "ai-engineer"))["ai-agent"] == "done"


async def test_unknown_or_ambiguous_item_and_unknown_track_change_nothing(
    factory: Factory, services: Services
) -> None:
    async with run_bot(factory, user=ALICE) as h:
        unknown = await roadmap(h, "done", item="xyzzy plugh")
        assert unknown["content"].startswith("No roadmap item matches “xyzzy plugh”")
        assert "nothing changed" in unknown["content"]
        vague = await roadmap(h, "done", item="rag")  # three skills mention RAG
        assert vague["content"].startswith("Which item do you mean")
        assert "item:ai-engineer:rag-pipeline" in vague["content"]
        assert "item:ai-engineer:llm-fine-tuning" in vague["content"]
        no_track = await h.slash("roadmap", subcommand="view", track="cooking")
        data = no_track.response["data"]  # known at once: answered without a defer
        assert no_track.response["type"] == 4 and data["flags"] == EPHEMERAL
        assert data["content"].startswith("There is no roadmap track “cooking”")
        assert "`portfolio`" in data["content"]
        reset = await h.slash("roadmap", subcommand="reset", track="cooking")
        assert reset.response["data"]["content"] == data["content"]
        assert custom_ids(reset.response["data"]) == []
        close = await h.slash("roadmap", subcommand="next", track="engineer")
        assert close.response["data"]["content"] == (
            "There is no roadmap track “engineer”. Did you mean `ml-engineer`, "
            "`mlops-engineer`, `ai-engineer`?"
        )
    assert await stored(services, SkillProgress) == []


async def test_progress_is_per_user_across_servers_and_dms(
    factory: Factory, services: Services
) -> None:
    first, second = (
        make_guild(members=[ALICE, BOB], channels=[make_channel("general")]) for _ in range(2)
    )
    async with run_bot(factory, guilds=[first, second], user=ALICE) as h:
        await deferred(
            await h.slash("roadmap", subcommand="done", guild=first, item="networking:mentor")
        )
        await deferred(
            await h.slash("roadmap", subcommand="doing", dm=True, item="networking:blog-post")
        )
        seen = await deferred(
            await h.slash("roadmap", subcommand="view", guild=second, track="networking")
        )
        bobs = await deferred(
            await h.slash("roadmap", subcommand="view", user=BOB, track="networking")
        )
    assert f"{MARKS['done']} Find a mentor" in seen["embeds"][0]["description"]
    assert f"{MARKS['todo']} Find a mentor" in bobs["embeds"][0]["description"]
    alice = await statuses(services, ALICE, "networking")
    assert (alice["mentor"], alice["blog-post"]) == ("done", "doing")
    assert set((await statuses(services, BOB, "networking")).values()) == {"todo"}


# ---- autocomplete ------------------------------------------------------------------------------


async def test_item_autocomplete_shows_statuses_most_relevant_first_in_one_query(
    factory: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "project-readmes", "done")
    queries: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        queries.append(statement)

    async with run_bot(factory, user=ALICE) as h:
        event.listen(services.engine.sync_engine, "before_cursor_execute", count)
        try:
            everything = await h.autocomplete("roadmap", "item", subcommand="done", item="")
            typo = await h.autocomplete("roadmap", "item", subcommand="done", item="lineer algebra")
            closed = await h.autocomplete("roadmap", "item", subcommand="undo", item="")
            readme = await h.autocomplete("roadmap", "item", subcommand="done", item="readme")
        finally:
            event.remove(services.engine.sync_engine, "before_cursor_execute", count)
    assert len(queries) == 4  # one per keystroke answer
    assert len(everything) == 25
    for choice in everything + typo + closed:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
        assert choice["name"][0] in MARKS.values()
    assert everything[0]["value"] == "ml-engineer:linear-algebra-course"  # open items first
    assert "portfolio:project-readmes" not in [c["value"] for c in everything]  # done: below
    assert len({c["value"].split(":")[1] for c in everything}) == 25  # a shared skill once
    assert typo[0]["value"] == "ml-engineer:linear-algebra-course"
    assert typo[0]["name"].startswith(f"{MARKS['todo']} Finish a linear algebra course")
    assert typo[0]["name"].endswith("· Become an ML engineer +2")  # two more tracks list it
    assert closed[0]["value"] == "portfolio:project-readmes"  # undo: what you marked first
    assert closed[0]["name"].startswith(f"{MARKS['done']} Give every project a README")
    # done already: still offered with its mark, under the track it was marked in, below the
    # open skill that also matches
    assert [c["value"] for c in readme[:2]] == [
        "ai-engineer:llm-app-showcase",
        "portfolio:project-readmes",
    ]
    assert readme[1]["name"].startswith(f"{MARKS['done']} Give every project a README")


async def test_autocomplete_falls_back_to_items_without_status_when_slow_or_down(
    factory: Factory, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()

    async def slow(*args: Any, **kwargs: Any) -> list[Any]:
        await release.wait()  # far beyond the budget; released at the end
        return []

    async def down(*args: Any, **kwargs: Any) -> list[Any]:
        raise DatabaseUnavailable("cannot connect")

    async with run_bot(factory, user=ALICE) as h:
        # load_extension imports the cog module afresh: patch the one the bot loaded
        monkeypatch.setattr(sys.modules["bot.roadmap.discord.cog"], "AUTOCOMPLETE_BUDGET", 0.05)
        monkeypatch.setattr(services.roadmaps, "search", slow)
        started = time.perf_counter()
        late = await h.autocomplete("roadmap", "item", subcommand="done", item="lineer algebra")
        assert time.perf_counter() - started < 1.0
        monkeypatch.setattr(services.roadmaps, "search", down)
        failed = await h.autocomplete("roadmap", "item", subcommand="skip", item="")
        release.set()  # the late search ends; its result is dropped
    assert late[0]["value"] == "ml-engineer:linear-algebra-course"
    assert late[0]["name"].startswith("Finish a linear algebra course")
    assert len(failed) == 25
    assert all(c["name"][0] not in MARKS.values() for c in late + failed)  # no made-up status


async def test_track_autocomplete_lists_tracks_and_survives_a_typo(factory: Factory) -> None:
    async with run_bot(factory) as h:
        every = await h.autocomplete("roadmap", "track", subcommand="view", track="")
        typo = await h.autocomplete("roadmap", "track", subcommand="reset", track="portfolo")
    assert [c["value"] for c in every] == [
        "ml-engineer", "data-scientist", "mlops-engineer", "ai-engineer", "research-engineer",
        "portfolio", "networking",
    ]  # fmt: skip
    assert every[5]["name"] == "Build your ML portfolio (7 items)"
    assert [c["value"] for c in typo] == ["portfolio"]


# ---- next, Mark done ----------------------------------------------------------------------------


async def test_next_shows_the_item_and_its_answer_and_mark_done_moves_on(
    factory: Factory, services: Services
) -> None:
    guild = make_guild(members=[ALICE], channels=[make_channel("general")])
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        body = await roadmap(h, "next", track="portfolio")
        item, answer = body["embeds"]
        assert item["title"] == f"{MARKS['todo']} A supervised project (classification or " + (
            "regression) on real data"
        )
        assert "Build your ML portfolio · step: Projects" in item["description"]
        assert "`/topic portfolio-projects`" in item["fields"][0]["value"]
        assert answer["footer"]["text"].startswith("topic: portfolio-projects")
        done_id = "careerbot:rm-done:portfolio:supervised-project"
        votes = [f"careerbot:vote:{n}:portfolio-projects" for n in (1, 0)]
        assert custom_ids(body) == [done_id, *votes] and pings_nobody(body)
        assert [len(row["components"]) for row in body["components"]] == [1, 2]  # Mark done, votes
        message = copy.deepcopy(h.last_message_with(done_id))  # the click edits it in place

        click = await h.click(done_id)
        assert click.response == {"type": 6}
        update = (await click.wait("edit")).json
        assert update["content"].startswith(f"{MARKS['done']} **A supervised project")
        assert "14% (1 of 7 done)" in update["content"] and pings_nobody(update)
        assert update["embeds"][0]["title"].startswith(f"{MARKS['todo']} An unsupervised")
        after = custom_ids(update)
        assert after[0] == "careerbot:rm-done:portfolio:unsupervised-project"
        helps = update["embeds"][1]["footer"]["text"].removeprefix("topic: ")
        assert after[1:] == [f"careerbot:vote:{n}:{helps}" for n in (1, 0)]  # the new answer's
    assert (await statuses(services, ALICE, "portfolio"))["supervised-project"] == "done"

    async with run_bot(factory, guilds=[guild], user=ALICE) as h:  # a restarted bot
        again = await h.click(done_id, on_message=message)  # the button of the old message
        update = (await again.wait("edit")).json
        assert "already done; nothing changed" in update["content"]


async def test_next_answer_has_votes_and_pages_and_turning_a_page_keeps_mark_done(
    factory: Factory, services: Services
) -> None:
    guild = make_guild(members=[ALICE], channels=[make_channel("general")])
    paragraph = ("build, ship, explain. " * 17).strip()
    long_answer = "\n\n".join(f"Paragraph {n}: {paragraph}" for n in range(10))
    assert 3800 < len(long_answer) <= 4000
    await services.moderation.edit(int(guild["id"]), "portfolio-projects", {"answer": long_answer})
    done_id = "careerbot:rm-done:portfolio:supervised-project"
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        body = await roadmap(h, "next", track="portfolio")
        item, answer = body["embeds"]
        assert answer["footer"]["text"] == "topic: portfolio-projects · page 1/2"
        assert answer["description"].startswith("Paragraph 0:")
        first, second = body["components"]
        assert [c["custom_id"] for c in first["components"]] == [done_id]
        buttons = second["components"]
        assert [b.get("label") for b in buttons] == [
            "◀ Previous", "Next ▶", "Helpful", "Not helpful"
        ]  # fmt: skip
        assert [b.get("disabled", False) for b in buttons] == [True, False, False, False]
        assert limits.problems(body) == []

        turned = await h.click("careerbot:page:portfolio-projects:1")
        page = turned.response
        assert page["type"] == 7  # the message itself, updated in place
        kept, answer2 = page["data"]["embeds"]
        assert kept["title"] == item["title"]  # the roadmap item stays above the answer
        assert answer2["footer"]["text"] == "topic: portfolio-projects · page 2/2"
        assert long_answer.endswith(answer2["description"])
        assert custom_ids(page["data"])[0] == done_id  # Mark done is still there
        assert [len(row["components"]) for row in page["data"]["components"]] == [1, 4]
        assert page["data"]["components"][1]["components"][1]["disabled"] is True  # last page
        assert pings_nobody(page["data"])

        vote = await h.click("careerbot:vote:1:portfolio-projects")
        assert "helpful" in (await vote.wait("followup")).json["content"]
        click = await h.click(done_id)  # from the turned page: still marks the item done
        update = (await click.wait("edit")).json
        assert update["content"].startswith(f"{MARKS['done']} **A supervised project")
    [stored_vote] = await stored(services, AnswerVote)
    assert (stored_vote.entry_id, stored_vote.helpful) == ("portfolio-projects", True)
    assert (await statuses(services, ALICE, "portfolio"))["supervised-project"] == "done"


async def test_mark_done_on_the_last_item_finishes_the_track(
    factory: Factory, services: Services
) -> None:
    view = await services.roadmaps.view(uid(ALICE), "networking")
    items = [v.skill.id for step in view.steps for v in step.skills]
    for item_id in items[:-1]:
        await services.roadmaps.set_status(uid(ALICE), "networking", item_id, "done")
    async with run_bot(factory, user=ALICE) as h:
        body = await roadmap(h, "next", track="networking")
        click = await h.click(custom_ids(body)[0])
        update = (await click.wait("edit")).json
    assert "Well done!" in update["content"] and "100%" in update["content"]
    assert update["components"] == [] and update["embeds"] == []
    assert set((await statuses(services, ALICE, "networking")).values()) == {"done"}


async def test_mark_done_custom_ids_fit_discord_even_for_the_longest_ids(
    services: Services,
) -> None:
    short = MarkDoneButton("portfolio", "readme")  # an old item id: still finds its skill
    assert short.custom_id == "careerbot:rm-done:portfolio:readme"
    longest = MarkDoneButton("t" * 32, "i" * 64)  # the schema's maxima: only the item id fits
    assert longest.custom_id == "careerbot:rm-done:" + "i" * 64
    for button in (short, longest):
        match = MarkDoneButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
        assert match and len(button.custom_id) <= 100
    assert (match["track"], match["item"]) == (None, "i" * 64)
    roadmaps = services.roadmaps
    found = (await roadmaps.resolve(uid(ALICE), "readme", exact=True)).choice  # a bare item id
    assert found is not None and found.value == "portfolio:project-readmes"
    shared = (await roadmaps.resolve(uid(ALICE), "deployed-project", exact=True)).choice
    assert shared is not None and shared.value == "portfolio:deployed-project"  # one skill
    assert (await roadmaps.resolve(uid(ALICE), "mentr", exact=True)).choice is None  # ids only


# ---- reset ------------------------------------------------------------------------------------


async def test_reset_asks_only_the_asker_can_confirm_and_cancel_keeps_progress(
    factory: Factory, services: Services
) -> None:
    guild = make_guild(members=[ALICE, BOB], channels=[make_channel("general")])
    roadmaps = services.roadmaps
    await roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    await roadmaps.set_status(uid(ALICE), "portfolio", "blog-post", "doing")
    await roadmaps.set_status(uid(ALICE), "networking", "mentor", "done")
    before = await statuses(services, ALICE, "portfolio")
    confirm, cancel = f"careerbot:rm-reset:{uid(ALICE)}:portfolio", f"careerbot:cancel:{uid(ALICE)}"
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        prompt = await roadmap(h, "reset", track="portfolio")
        assert prompt["content"].startswith(
            "Clear all your progress on **Build your ML portfolio**"
        )
        assert "(2 items marked)" in prompt["content"]
        assert custom_ids(prompt) == [confirm, cancel]

        refused = await h.click(confirm, user=BOB)
        assert refused.response["type"] == 4
        assert refused.response["data"]["content"] == NOT_YOURS
        assert refused.response["data"]["flags"] == EPHEMERAL
        assert (await h.click(cancel, user=BOB)).response["data"]["content"] == NOT_YOURS
        assert await statuses(services, ALICE, "portfolio") == before

        cancelled = await h.click(cancel)
        assert cancelled.response["type"] == 7
        assert cancelled.response["data"]["content"] == CANCELLED
        assert cancelled.response["data"]["components"] == []
        assert await statuses(services, ALICE, "portfolio") == before

        await roadmap(h, "reset", track="portfolio")
        cleared = await h.click(confirm)
        assert cleared.response == {"type": 6}
        outcome = (await cleared.wait("edit")).json
        assert outcome["content"].startswith("Cleared your progress on **Build your ML portfolio**")
        assert outcome["components"] == [] and pings_nobody(outcome)
    rows = await stored(services, SkillProgress)
    assert [(r.skill_id, r.marked_in) for r in rows] == [("mentor", "networking")]  # that track


# ---- share ------------------------------------------------------------------------------------


async def test_share_posts_the_card_publicly_without_pings(
    factory: Factory, services: Services
) -> None:
    sneaky = make_user("Ada @everyone")
    guild = make_guild(members=[sneaky], channels=[make_channel("general")])
    await services.roadmaps.set_status(uid(sneaky), "portfolio", "readme", "done")
    async with run_bot(factory, guilds=[guild], user=sneaky) as h:
        await roadmap(h, "view", track="portfolio")
        click = await h.click("careerbot:rm-share:portfolio")
        assert click.response == {"type": 6}
        post = await click.wait("followup")
        public = next(m for m in h.fake.messages.values() if m["embeds"] and not m["flags"])
    body = post.json
    assert body["allowed_mentions"] == {"parse": []} and not body.get("flags")
    assert public["channel_id"] == guild["channels"][0]["id"] and "components" not in body
    embed = body["embeds"][0]
    assert embed["title"] == "Ada @\u200beveryone's roadmap: Build your ML portfolio"
    assert "@everyone" not in json.dumps(body, ensure_ascii=False)
    assert "14% (1 of 7 done)" in embed["description"]
    assert embed["image"]["url"] == "attachment://roadmap-portfolio.png"
    [(name, png)] = post.files
    assert name == "roadmap-portfolio.png" and png.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(png)).size[0] > 0


# ---- /mydata ----------------------------------------------------------------------------------


async def test_mydata_export_sends_a_json_file_with_the_progress(
    factory: Factory, services: Services
) -> None:
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    await services.roadmaps.set_status(uid(BOB), "portfolio", "blog-post", "done")
    await services.feedback.vote(1, uid(ALICE), None, "kaggle", True)
    async with run_bot(factory, user=ALICE) as h:
        ex = await h.slash("mydata", subcommand="export", dm=True)
        body = await deferred(ex)
        followup = await ex.wait("followup")
    assert body["content"] == export_text(90) and pings_nobody(body)
    assert body["content"].endswith("they are deleted after 90 days.")
    [(name, raw)] = followup.files
    assert name == f"careerbot-mydata-{uid(ALICE)}.json"
    data = json.loads(raw)
    assert data["user_id"] == uid(ALICE)
    progress = [(r["marked_in"], r["skill_id"], r["status"]) for r in data["skill_progress"]]
    assert progress == [("portfolio", "project-readmes", "done")]  # not Bob's
    assert [(v["entry_id"], v["helpful"]) for v in data["answer_votes"]] == [("kaggle", True)]
    assert [u["id"] for u in data["users"]] == [uid(ALICE)]


async def test_mydata_delete_asks_then_removes_only_the_askers_rows(
    factory: Factory, services: Services
) -> None:
    guild = make_guild(members=[ALICE, BOB], channels=[make_channel("general")])
    await services.roadmaps.set_status(uid(ALICE), "portfolio", "readme", "done")
    await services.roadmaps.set_status(uid(ALICE), "networking", "mentor", "doing")
    await services.roadmaps.set_status(uid(BOB), "portfolio", "readme", "done")
    await services.feedback.vote(1, uid(ALICE), int(guild["id"]), "kaggle", True)
    confirm, cancel = f"careerbot:mydata-delete:{uid(ALICE)}", f"careerbot:cancel:{uid(ALICE)}"
    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        prompt = await h.slash("mydata", subcommand="delete")
        assert prompt.response["type"] == 4  # nothing to read first: asked at once
        data = prompt.response["data"]
        assert data["content"] == DELETE_PROMPT and data["flags"] == EPHEMERAL
        assert custom_ids(data) == [confirm, cancel]
        assert (await h.click(confirm, user=BOB)).response["data"]["content"] == NOT_YOURS
        assert (await h.click(cancel)).response["data"]["content"] == CANCELLED
        assert len(await stored(services, SkillProgress)) == 3

        await h.slash("mydata", subcommand="delete")
        deleted = await h.click(confirm)
        outcome = (await deleted.wait("edit")).json
    assert outcome["content"] == (
        "Deleted everything CareerBot stored about you (2 roadmap progress entries, "
        "1 votes on answers)."
    )
    assert outcome["components"] == []
    rows = await stored(services, SkillProgress)
    assert [(r.user_id, r.skill_id) for r in rows] == [(uid(BOB), "project-readmes")]
    assert [u.id for u in await stored(services, User)] == [uid(BOB)]
    assert await stored(services, AnswerVote) == []


# ---- database down ------------------------------------------------------------------------------


async def test_database_down_gets_a_clear_message(
    factory: Factory, services: Services, tmp_path: Path
) -> None:
    broken = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}")
    services.roadmaps.sessions = services.privacy.sessions = async_sessionmaker(broken)
    try:
        async with run_bot(factory, user=ALICE) as h:
            for subcommand, options in (
                ("tracks", {}),
                ("view", {"track": "portfolio"}),
                ("done", {"item": "portfolio:readme"}),
            ):
                text = await roadmap(h, subcommand, **options)
                assert text["content"].startswith(DATABASE_DOWN), subcommand
                assert text["flags"] == EPHEMERAL
            export = await deferred(await h.slash("mydata", subcommand="export"))
            assert export["content"].startswith(DATABASE_DOWN)
            offered = await h.autocomplete("roadmap", "item", subcommand="done", item="readme")
            assert "portfolio:project-readmes" in [c["value"] for c in offered]  # answers,
            assert all(c["name"][0] not in MARKS.values() for c in offered)  # without statuses
    finally:
        await broken.dispose()
