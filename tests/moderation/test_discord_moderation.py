"""/kb end to end through the offline harness: who may moderate, the add/edit forms, aliases,
hide/unhide/remove, history and revert, export/import, gaps with their buttons, stats,
owner-only reload and autocomplete. Asserts on what Discord received and on the database.

SQLite only: ModerationService and InsightsService are tested on PostgreSQL elsewhere.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.answers.serving import KnowledgeService
from bot.config import Settings
from bot.db.models import GuildEntry, KnowledgeRevision
from bot.discord import common
from bot.discord.app import CareerBot, create_bot
from bot.discord.errors import APOLOGY, SLOW_DATABASE
from bot.knowledge import load_knowledge
from bot.knowledge.layers import Origin
from bot.knowledge.models import MAX_QUESTIONS, Entry
from bot.knowledge.staleness import REVIEW_INTERVAL
from bot.knowledge.yamlsource import ANCHORS_REFUSED, ValidationIssue
from bot.moderation import service as service_module
from bot.moderation.discord.access import NOT_A_MODERATOR, SERVER_ONLY
from bot.moderation.discord.cog import IMPORT_MAX_BYTES, OTHER_PROCESSES, OWNER_ONLY
from bot.moderation.discord.forms import reviewed_today
from bot.moderation.discord.gaps import GAP_GONE
from bot.moderation.discord.text import listing, rejected_embed, show_embed
from bot.moderation.service import EntryState
from bot.services import Services, open_services
from tests.harness import (
    BotHarness,
    Exchange,
    limits,
    make_guild,
    make_member,
    make_role,
    make_user,
    run_bot,
)
from tests.harness.fake import FakeDiscord
from tests.moderation.test_hostile_files import alias_bomb

Factory = Callable[..., CareerBot]
Payload = dict[str, Any]
EPHEMERAL = 64
ALICE = make_user("alice")  # a plain member
MIA = make_user("mia")  # has the moderator role in server A
OWNER = make_user("owner")  # owns both servers: Manage Server
OLGA = make_user("olga")  # runs the bot (OWNER_IDS); no server permissions
MOD_ROLE = make_role("helpers")
STUDY = {
    "id": "study-group",
    "title": "Our study group",
    "questions": "when does the study group meet\nhow do I join the study group",
    "answer": "Fridays at 18:00 UTC in #study-hall. Just turn up!",
}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, owner_ids=(int(OLGA["id"]),))


@pytest.fixture
def servers() -> tuple[Payload, Payload]:
    """Server A, where MIA has the moderator role, and server B, where she is a plain member."""
    a = make_guild(
        "A",
        members=[ALICE, make_member(MIA, roles=[MOD_ROLE["id"]]), OLGA],
        roles=[MOD_ROLE],
        owner=OWNER,
    )
    b = make_guild("B", members=[ALICE, MIA, OLGA], owner=OWNER)
    return a, b


@pytest.fixture
async def factory(
    settings: Settings, services: Services, servers: tuple[Payload, Payload]
) -> Factory:
    await services.guild_settings.set_mod_role(int(servers[0]["id"]), int(MOD_ROLE["id"]))

    def make(**options: Any) -> CareerBot:
        return create_bot(settings, services=services, **options)

    return make


def gid(guild: Payload) -> int:
    return int(guild["id"])


async def kb(h: BotHarness, sub: str, *, user: Payload = MIA, **options: Any) -> Exchange:
    return await h.slash("kb", subcommand=sub, user=user, **options)


async def reply(ex: Exchange) -> Payload:
    """The body the member sees: the direct reply, or the follow-up after a defer."""
    assert ex.response is not None
    if ex.response["type"] == 5:
        assert ex.response["data"]["flags"] == EPHEMERAL  # every /kb reply is private
        return (await ex.wait("followup")).json
    assert ex.response["type"] == 4, ex.response
    return ex.response["data"]


async def text_of(ex: Exchange) -> str:
    return (await reply(ex))["content"]


async def answer_footer(h: BotHarness, question: str, guild: Payload) -> str:
    ex = await h.slash("ask", question=question, guild=guild)
    embeds = (await ex.wait("followup")).json["embeds"]
    return topic_footer(embeds[0].get("footer", {}).get("text", "")) if embeds else ""


def topic_footer(footer: str) -> str:
    """The footer without the "as of Month YYYY" that dated entries add."""
    return re.sub(r" · as of \w+ \d{4}( · may be out of date)?", "", footer)


async def counts(services: Services) -> tuple[int, int]:
    """(guild_entries rows, kb_revisions rows)."""
    async with services.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(GuildEntry))
        revisions = await session.scalar(select(func.count()).select_from(KnowledgeRevision))
    return int(rows or 0), int(revisions or 0)


def modal_inputs(modal: Payload) -> dict[str, Payload]:
    """A sent modal's components by custom id (text inputs and selects inside labels)."""
    return {row["component"]["custom_id"]: row["component"] for row in modal["components"]}


def custom_ids(body: Payload) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


def modal_problems(modal: Payload) -> list[str]:
    """Discord's limits for a modal: title 45, 5 components, label 45, description 100, a text
    input's pre-filled value within its max_length."""
    out = [f"title {modal['title']!r}"] if not 1 <= len(modal["title"]) <= 45 else []
    out += ["more than 5 components"] if len(modal["components"]) > 5 else []
    for row in modal["components"]:
        item = row["component"]
        if len(row["label"]) > 45 or len(row.get("description") or "") > 100:
            out.append(f"label of {item['custom_id']}")
        if item["type"] == 4 and len(item.get("value") or "") > item.get("max_length", 4000):
            out.append(f"value of {item['custom_id']} is longer than its max_length")
    return out


def every_body_is_safe(fake: FakeDiscord) -> None:
    """Within Discord's limits and pinging nobody, whatever was sent."""
    for rec in fake.requests:
        body = rec.json
        if rec.kind == "callback" and body["type"] == 9:
            assert modal_problems(body["data"]) == [], body
            continue
        if rec.kind == "callback" and body["type"] in (4, 7):
            body = body["data"]
        elif rec.kind not in ("followup", "edit"):
            continue
        assert limits.problems(body) == [], body
        assert body["allowed_mentions"] == {"parse": []}, body


async def add_by_form(h: BotHarness, fields: dict[str, str], user: Payload = MIA) -> Payload:
    opened = await kb(h, "add", user=user)
    assert opened.response["type"] == 9
    submitted = await h.submit_modal(fields, user=user)
    return await reply(submitted)


# ---- permissions ------------------------------------------------------------------------------


async def test_kb_is_a_server_only_group_hidden_from_members_by_default(
    factory: Factory, servers: tuple[Payload, Payload]
) -> None:
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        (command,) = [c for c in h.fake.commands[None] if c["name"] == "kb"]
        assert command["contexts"] == [0]
        assert int(command["default_member_permissions"]) == 1 << 5  # Manage Server
        subs = {o["name"]: o for o in command["options"]}
        assert set(subs) == {
            "add", "edit", "alias", "unalias", "hide", "unhide", "remove", "revert", "show",
            "history", "gaps", "stale", "stats", "export", "import", "reload",
        }  # fmt: skip
        for name, sub in subs.items():
            assert 1 <= len(sub["description"]) <= 100
            for option in sub.get("options", []):
                if option["name"] == "id":
                    assert option["autocomplete"] is True, name
        assert subs["import"]["options"][0]["type"] == 11  # an attachment
        assert subs["gaps"]["options"][0]["max_value"] == 365


async def test_plain_member_is_refused_everywhere_and_nothing_changes(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a, b = servers
    async with run_bot(factory, guilds=[a, b], user=ALICE) as h:
        refused = await kb(h, "add", user=ALICE)
        assert refused.response["type"] == 4  # no form opened
        assert refused.response["data"] == {
            "tts": False,
            "content": NOT_A_MODERATOR,
            "flags": EPHEMERAL,
            "embeds": [],
            "allowed_mentions": {"parse": []},
        }
        assert (await kb(h, "edit", user=ALICE, id="kaggle")).response["type"] == 4
        for sub, options in [
            ("alias", {"id": "kaggle", "phrase": "where do I compete"}),
            ("unalias", {"id": "kaggle", "phrase": "where do I compete"}),
            ("hide", {"id": "kaggle"}),
            ("unhide", {"id": "kaggle"}),
            ("remove", {"id": "kaggle"}),
            ("show", {"id": "kaggle"}),
            ("revert", {"id": "kaggle", "revision": 1}),
            ("export", {}),
            ("gaps", {}),
            ("stats", {}),
            ("stale", {}),
            ("history", {}),
        ]:
            assert await text_of(await kb(h, sub, user=ALICE, **options)) == NOT_A_MODERATOR
        attachment = h.fake.add_attachment("layer.yaml", b"- id: x\n")
        assert await text_of(await kb(h, "import", user=ALICE, file=attachment)) == (
            NOT_A_MODERATOR
        )
        assert await h.autocomplete("kb", "id", subcommand="edit", user=ALICE, id="") == []

        # the moderator role is per server: MIA moderates A, not B
        in_b = await kb(h, "hide", guild=b, id="kaggle")
        assert await text_of(in_b) == NOT_A_MODERATOR

        # a form opened by a moderator but submitted by someone else changes nothing
        assert (await kb(h, "add")).response["type"] == 9
        stolen = await h.submit_modal(STUDY, user=ALICE)
        assert await text_of(stolen) == NOT_A_MODERATOR

        dm = await kb(h, "stats", dm=True)  # Discord never sends it; the code refuses anyway
        assert await text_of(dm) == SERVER_ONLY
        every_body_is_safe(h.fake)
    assert await counts(services) == (0, 0)


# ---- add and edit forms --------------------------------------------------------------------


async def test_add_form_by_a_moderator_answers_the_next_question_only_in_that_server(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a, b = servers
    async with run_bot(factory, guilds=[a, b], user=MIA) as h:
        opened = await kb(h, "add")
        modal = opened.response["data"]
        inputs = modal_inputs(modal)
        assert list(inputs) == ["id", "title", "questions", "answer", "category"]
        assert inputs["answer"]["max_length"] == 4000 and inputs["answer"]["style"] == 2
        assert inputs["id"]["max_length"] == 64 and inputs["title"]["max_length"] == 100
        defaults = [o["value"] for o in inputs["category"]["options"] if o.get("default")]
        assert defaults == ["community"]

        body = await reply(await h.submit_modal(STUDY))
        assert body["content"].startswith("Added `study-group` (revision #1)")
        assert body["embeds"][0]["title"] == "Our study group"
        assert body["flags"] == EPHEMERAL

        assert await answer_footer(h, "when does the study group meet?", a) == (
            "topic: study-group"
        )
        assert await answer_footer(h, "when does the study group meet?", b) != (
            "topic: study-group"
        )
        every_body_is_safe(h.fake)
    async with services.sessions() as session:
        rows = (await session.scalars(select(GuildEntry))).all()
        revision = (await session.scalars(select(KnowledgeRevision))).one()
    assert [(r.guild_id, r.entry_id) for r in rows] == [(gid(a), "study-group")]
    assert (revision.author_id, revision.action) == (int(MIA["id"]), "add")


async def test_a_form_that_fails_gets_the_apology_with_a_reference_like_a_click(
    factory: Factory,
    services: Services,
    servers: tuple[Payload, Payload],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services.moderation, "add", broken)
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        body = await add_by_form(h, STUDY)
    assert body["content"].startswith(APOLOGY) and "secret" not in str(body)
    assert re.search(r"error reference `[0-9a-f]{8}`", body["content"])
    assert body["flags"] == EPHEMERAL


async def test_server_owner_may_moderate_without_a_role(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a, b = servers
    async with run_bot(factory, guilds=[b, a], user=MIA) as h:  # B: no moderator role configured
        body = await add_by_form(h, STUDY, user=OWNER)
        assert body["content"].startswith("Added `study-group`")
    assert (await services.moderation.show(gid(b), "study-group")).origin is Origin.SERVER


async def test_invalid_form_lists_every_problem_saves_nothing_and_keeps_the_text(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    long_question = "how do I " + "q" * 241  # the form takes 4,000 characters of questions
    bad = {**STUDY, "id": "Bad Id!", "title": "t" * 150, "questions": f"ok\n{long_question}"}
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        body = await add_by_form(h, bad)
        embed = body["embeds"][0]
        assert embed["title"] == "Nothing saved: fix 3 problems"
        assert (
            "`bad id!.questions.1`: too long: 250 characters, the limit is 200"
            in (embed["description"])
        )
        assert "`bad id!.id`: 'bad id!' is not a kebab-case id" in embed["description"]
        too_long = "`bad id!.title`: too long: 150 characters, the limit is 100"
        assert too_long in embed["description"]
        assert custom_ids(body) == ["careerbot:kbform:+"]
        assert await counts(services) == (0, 0)
        fresh = modal_inputs((await kb(h, "add")).response["data"])  # a new /kb add starts empty
        assert "value" not in fresh["title"] and "value" not in fresh["answer"]

        again = await h.click("careerbot:kbform:+")  # "Fix and resubmit": the typed text is back
        assert again.response["type"] == 9
        inputs = modal_inputs(again.response["data"])
        assert inputs["title"]["value"] == "t" * 100  # as much as the input takes
        assert inputs["questions"]["value"] == f"ok\n{long_question}"
        assert inputs["answer"]["value"] == STUDY["answer"]
        fixed = await h.submit_modal(
            {"id": "study-group", "title": "Our study group", "questions": STUDY["questions"]}
        )
        assert (await reply(fixed))["content"].startswith("Added `study-group`")

        refused = await h.click("careerbot:kbform:+", user=ALICE)
        assert refused.response["data"]["content"] == NOT_A_MODERATOR
        every_body_is_safe(h.fake)
    assert await counts(services) == (1, 1)


async def test_edit_form_is_prefilled_with_the_current_text(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    kaggle = services.knowledge.base.get("kaggle")
    assert kaggle is not None
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        opened = await kb(h, "edit", id="Kaggle ")
        modal = opened.response["data"]
        assert modal["title"] == "Edit kaggle"
        inputs = modal_inputs(modal)
        assert "id" not in inputs
        assert inputs["title"]["value"] == kaggle.title
        assert inputs["questions"]["value"] == "\n".join(kaggle.questions)
        assert inputs["answer"]["value"] == kaggle.answer
        chosen = [o["value"] for o in inputs["category"]["options"] if o.get("default")]
        assert chosen == [kaggle.category]

        body = await reply(await h.submit_modal({"answer": "Ask in #kaggle-team first."}))
        assert body["content"] == "Saved your changes to `kaggle` (revision #1)."
        assert body["embeds"][0]["description"] == "Ask in #kaggle-team first."

        assert (await kb(h, "edit", id="kaggle")).response["type"] == 9
        unchanged = await reply(await h.submit_modal({}))  # the pre-filled text as it is
        assert "nothing to change" in unchanged["embeds"][0]["description"]

        missing = await kb(h, "edit", id="no-such-entry")
        assert "There is no entry `no-such-entry`" in (await reply(missing))["content"]
    state = await services.moderation.show(gid(servers[0]), "kaggle")
    assert state.origin is Origin.OVERRIDE and state.text.questions == kaggle.questions


async def test_a_stale_edit_form_is_refused_with_the_difference_and_reopens_on_current_text(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    kaggle = services.knowledge.base.get("kaggle")
    assert kaggle is not None
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        mine = (await kb(h, "edit", id="kaggle")).response["data"]  # both open the form
        theirs = (await kb(h, "edit", id="kaggle", user=OWNER)).response["data"]
        first = await h.submit_modal(
            {"answer": "Owner: ask in #kaggle-team."}, custom_id=theirs["custom_id"], user=OWNER
        )
        assert (await reply(first))["content"] == "Saved your changes to `kaggle` (revision #1)."

        stale = await h.submit_modal({"title": "Kaggle, by Mia"}, custom_id=mine["custom_id"])
        body = await reply(stale)
        embed = body["embeds"][0]
        assert embed["title"] == "Not saved: kaggle changed meanwhile"
        assert embed["description"].startswith(
            "Someone saved revision #1 (edit) of this entry after you opened the form on "
            "revision #0. Saving your form would have undone that, so nothing was saved."
        )
        old_answer = "\n".join(f"+{line}" for line in kaggle.answer.splitlines())
        assert (
            f"```diff\ntitle:\n-{kaggle.title}\n+Kaggle, by Mia\n"
            f"answer:\n-Owner: ask in #kaggle-team.\n{old_answer}\n```"
        ) in embed["description"]
        assert custom_ids(body) == ["careerbot:kbform-current:kaggle"]
        assert body["flags"] == EPHEMERAL
        assert (await services.moderation.show(gid(servers[0]), "kaggle")).text.answer == (
            "Owner: ask in #kaggle-team."
        )

        refused = await h.click("careerbot:kbform-current:kaggle", user=ALICE)
        assert refused.response["data"]["content"] == NOT_A_MODERATOR
        reopened = await h.click("careerbot:kbform-current:kaggle")
        assert reopened.response["type"] == 9
        inputs = modal_inputs(reopened.response["data"])
        assert inputs["answer"]["value"] == "Owner: ask in #kaggle-team."
        done = await reply(await h.submit_modal({"title": "Kaggle, by Mia"}))
        assert done["content"] == "Saved your changes to `kaggle` (revision #2)."
        every_body_is_safe(h.fake)
    state = await services.moderation.show(gid(servers[0]), "kaggle")
    assert (state.text.title, state.text.answer) == (
        "Kaggle, by Mia",
        "Owner: ask in #kaggle-team.",
    )


async def test_fix_and_resubmit_keeps_the_revision_the_form_was_opened_on(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        assert (await kb(h, "edit", id="kaggle")).response["type"] == 9
        invalid = await reply(await h.submit_modal({"title": "t" * 150}))
        assert custom_ids(invalid) == ["careerbot:kbform:kaggle"]
        await services.moderation.edit(gid(servers[0]), "kaggle", {"answer": "Meanwhile."})
        again = await h.click("careerbot:kbform:kaggle")  # the draft, on revision 0
        assert modal_inputs(again.response["data"])["title"]["value"] == "t" * 100
        body = await reply(await h.submit_modal({"title": "Kaggle, fixed"}))
        assert body["embeds"][0]["title"] == "Not saved: kaggle changed meanwhile"
        assert custom_ids(body) == ["careerbot:kbform-current:kaggle"]
    assert (await services.moderation.show(gid(servers[0]), "kaggle")).text.answer == "Meanwhile."


async def test_saved_preview_of_a_long_answer_has_every_page_and_no_votes(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    paragraph = ("Ask early, ask often, share what you tried. " * 9).strip()
    answer = "\n\n".join(f"Part {n}: {paragraph}" for n in range(10))[:4000].rstrip()
    assert len(answer) > 3900
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        assert (await kb(h, "edit", id="kaggle")).response["type"] == 9
        body = await reply(await h.submit_modal({"answer": answer}))
        assert body["content"] == "Saved your changes to `kaggle` (revision #1)."
        [embed] = body["embeds"]
        assert topic_footer(embed["footer"]["text"]) == "topic: kaggle · page 1/3"
        assert custom_ids(body) == ["careerbot:page:kaggle:0", "careerbot:page:kaggle:1"]
        shown = [embed["description"]]

        for number in (2, 3):  # Next, Next
            turned = await h.click(f"careerbot:page:kaggle:{number - 1}")
            assert turned.response["type"] == 7
            page = turned.response["data"]
            assert page["content"] == body["content"]  # what was saved stays above the answer
            assert (
                topic_footer(page["embeds"][0]["footer"]["text"])
                == f"topic: kaggle · page {number}/3"
            )
            shown.append(page["embeds"][0]["description"])
        assert "\n\n".join(shown) == answer  # every page together: the whole answer
        assert custom_ids(page) == ["careerbot:page:kaggle:1", "careerbot:page:kaggle:2"]
        assert [b.get("disabled", False) for b in page["components"][0]["components"]] == [
            False, True
        ]  # fmt: skip
        every_body_is_safe(h.fake)


async def test_forms_and_gap_buttons_answer_in_time_when_the_database_is_slow(
    factory: Factory,
    services: Services,
    servers: tuple[Payload, Payload],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = asyncio.Event()

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await release.wait()  # far beyond the budget; released at the end
        raise AssertionError("dropped: the member was answered already")

    monkeypatch.setattr(common, "ANSWER_BUDGET", 0.05)
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        await (await h.slash("ask", question="who runs the friday meetup")).wait("followup")
        add_gap = custom_ids(await reply(await kb(h, "gaps")))[0]

        monkeypatch.setattr(services.moderation, "show", slow)  # /kb edit reads the entry
        started = time.perf_counter()
        edit = await kb(h, "edit", id="kaggle")
        assert time.perf_counter() - started < 1.0
        assert edit.response["type"] == 4  # an answer, not the form nor silence
        assert edit.response["data"]["content"] == SLOW_DATABASE
        assert edit.response["data"]["flags"] == EPHEMERAL

        monkeypatch.setattr(services.guild_settings, "get", slow)  # the moderator check
        started = time.perf_counter()
        click = await h.click(add_gap)
        assert time.perf_counter() - started < 1.0
        assert click.response["type"] == 4 and click.response["data"]["content"] == SLOW_DATABASE
        assert click.response["data"]["flags"] == EPHEMERAL
        release.set()  # the late reads end; their results are dropped
    assert await counts(services) == (0, 0)


# ---- alias, hide, unhide, remove, show --------------------------------------------------------


async def test_alias_hide_unhide_remove_and_show(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a = servers[0]
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        question = "where do data people hold contests for prize money"
        assert await answer_footer(h, question, a) != "topic: kaggle"
        alias = await text_of(await kb(h, "alias", id="kaggle", phrase=question))
        assert alias == "`kaggle` now also answers that question (revision #1)."
        assert await answer_footer(h, question, a) == "topic: kaggle"
        twice = await reply(await kb(h, "alias", id="kaggle", phrase=question))
        assert "already one of its questions" in twice["embeds"][0]["description"]

        hidden = await text_of(await kb(h, "hide", id="kaggle"))
        assert hidden.startswith("Hid `kaggle` in this server (revision #2)")
        topic = await h.slash("topic", name="kaggle", user=ALICE)
        assert topic.response["data"]["embeds"][0]["title"] == "No such topic"
        shown = await reply(await kb(h, "show", id="kaggle"))
        fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
        assert fields["Hidden"] == "yes" and question in fields["Questions added in this server"]
        assert fields["Revision"] == "#2"  # the hide, which an edit form would start from
        assert shown["embeds"][0]["description"].startswith("```yaml\n- id: kaggle\n")
        assert await text_of(await kb(h, "unhide", id="kaggle")) == (
            "`kaggle` is visible again (revision #3)."
        )
        shown = (await h.slash("topic", name="kaggle")).response["data"]["embeds"][0]
        assert topic_footer(shown["footer"]["text"]) == "topic: kaggle"

        bundled = await reply(await kb(h, "remove", id="kaggle"))
        assert "bundled entries cannot be removed" in bundled["embeds"][0]["description"]
        await add_by_form(h, STUDY)
        removed = await text_of(await kb(h, "remove", id="study-group"))
        assert removed.startswith("Removed `study-group` (revision #5)")
        assert await answer_footer(h, "when does the study group meet", a) != ("topic: study-group")
        gone = await kb(h, "show", id="study-group")
        assert (await reply(gone))["content"].startswith("There is no entry `study-group`")
        every_body_is_safe(h.fake)
    assert await counts(services) == (1, 5)  # kaggle keeps its alias; five revisions


def test_show_attaches_the_fields_when_they_do_not_fit() -> None:
    answer = "word " * 790
    entry = Entry(
        id="huge",
        title="Huge",
        category="community",
        questions=[f"question number {n} " + "x" * 150 for n in range(MAX_QUESTIONS)],
        answer=answer.strip(),
    )
    state = EntryState("huge", Origin.SERVER, entry, entry, ("extra question",), False)
    embed, attachment = show_embed(state)
    assert attachment is not None and "question number 59" in attachment
    assert "attached `huge.yaml`" in (embed.description or "")
    assert limits.problems({"embeds": [embed.to_dict()]}) == []


# ---- history and revert ------------------------------------------------------------------------


async def test_history_is_mention_free_and_revert_restores(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a = gid(servers[0])
    original = services.knowledge.base.get("kaggle")
    assert original is not None
    first = await services.moderation.edit(a, "kaggle", {"answer": "One."}, int(MIA["id"]))
    await services.moderation.edit(a, "kaggle", {"answer": "Two."})  # the operator (CLI)
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        body = await reply(await kb(h, "history", id="kaggle"))
        embed = body["embeds"][0]
        assert embed["title"] == "History of kaggle"
        lines = embed["description"].splitlines()
        assert re.fullmatch(r"\*\*#2\*\* <t:\d+:f> · operator · edit: answer changed", lines[0])
        assert re.fullmatch(
            rf"\*\*#1\*\* <t:\d+:f> · user `{MIA['id']}` · edit: answer changed", lines[1]
        )
        assert "<@" not in str(body)

        choices = await h.autocomplete(
            "kb", "revision", subcommand="revert", id="kaggle", revision=""
        )
        assert [c["value"] for c in choices] == [2, 1]
        assert choices[1]["name"].startswith("#1 ") and "answer changed" in choices[1]["name"]

        reverted = await reply(await kb(h, "revert", id="kaggle", revision=first.revision_id))
        assert reverted["content"] == "Reverted `kaggle` (saved as revision #3)."
        assert reverted["embeds"][0]["description"] == original.answer
        wrong = await reply(await kb(h, "revert", id="python", revision=first.revision_id))
        assert "no revision 1 of it" in wrong["embeds"][0]["description"]

        server = (await reply(await kb(h, "history")))["embeds"][0]
        assert server["title"] == "Knowledge changes in this server"
        assert "`kaggle` revert: answer changed" in server["description"].splitlines()[0]
        every_body_is_safe(h.fake)
    assert (await services.knowledge.knowledge_for(a)).get("kaggle") == original


# ---- export and import -------------------------------------------------------------------------


async def exported(h: BotHarness, guild: Payload) -> bytes:
    ex = await kb(h, "export", guild=guild, user=OWNER)
    followup = await ex.wait("followup")
    assert followup.json["flags"] == EPHEMERAL
    ((name, data),) = followup.files
    assert name == f"careerbot-kb-{guild['id']}.yaml"
    return data


async def test_an_uploaded_alias_bomb_is_refused_in_a_worker_thread(
    factory: Factory,
    services: Services,
    servers: tuple[Payload, Payload],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[int] = []
    parse = service_module.parse_layer_file

    def spy(text: str, file: str) -> Any:
        threads.append(threading.get_ident())
        return parse(text, file)

    monkeypatch.setattr(service_module, "parse_layer_file", spy)
    bomb = alias_bomb(levels=9, width=9).encode()  # 9**9 nodes once expanded
    assert len(bomb) < 600
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        upload = h.fake.add_attachment("bomb.yaml", bomb)
        body = await reply(await kb(h, "import", file=upload))
        embed = body["embeds"][0]
        assert embed["title"] == "Nothing saved: fix 1 problem"
        assert embed["description"] == f"• line 1: {ANCHORS_REFUSED}"
        every_body_is_safe(h.fake)
    assert threads and threading.get_ident() not in threads
    assert await counts(services) == (0, 0)


async def test_export_then_import_round_trip_is_equal_and_import_is_all_or_nothing(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a, b = servers
    moderation = services.moderation
    await moderation.add(gid(a), {**STUDY, "related": ["kaggle"]})
    await moderation.alias(gid(a), "python", "snake language for data work")
    await moderation.edit(gid(a), "sql", {"title": "SQL, the language of data"})
    await moderation.hide(gid(a), "linkedin")
    async with run_bot(factory, guilds=[a, b], user=MIA) as h:
        data = await exported(h, a)
        assert b"- id: study-group" in data and b"# hidden: linkedin" in data

        upload = h.fake.add_attachment("layer.yaml", data)
        done = await text_of(await kb(h, "import", guild=b, user=OWNER, file=upload))
        assert done.startswith("Imported in one go: 1 added, 2 changed, 1 hidden, 0 unchanged")
        assert await exported(h, b) == data.replace(a["id"].encode(), b["id"].encode())
        assert (await moderation.layer(gid(b))).rows == (await moderation.layer(gid(a))).rows
        again = await text_of(await kb(h, "import", guild=b, user=OWNER, file=upload))
        assert again == "Nothing to import: all 4 entries already match this server."

        before = await counts(services)
        broken = data.replace(b"title: Our study group", b"title: " + b"x" * 120)
        broken += b"- id: Not An Id\n  title: t\n  category: community\n  questions: [q]\n"
        broken += b"  answer: a\n"
        bad = await reply(
            await kb(
                h, "import", guild=b, user=OWNER, file=h.fake.add_attachment("bad.yaml", broken)
            )
        )
        embed = bad["embeds"][0]
        assert embed["title"] == "Nothing saved: fix 2 problems"
        assert re.search(r"line \d+ · `study-group.title`: too long", embed["description"])
        assert "not a kebab-case id" in embed["description"]
        assert await counts(services) == before

        huge = h.fake.add_attachment("huge.yaml", b"#" * (IMPORT_MAX_BYTES + 1))
        too_big = await text_of(await kb(h, "import", guild=b, user=OWNER, file=huge))
        assert too_big.startswith(f"That file has {IMPORT_MAX_BYTES + 1:,} bytes")
        assert [r for r in h.fake.of_kind("attachment") if "huge" in r.path] == []  # not fetched
        every_body_is_safe(h.fake)
    assert await counts(services) == before


# ---- gaps and stats ----------------------------------------------------------------------------


async def test_gaps_list_unanswered_questions_and_their_buttons_add_or_alias(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a, b = servers
    async with run_bot(factory, guilds=[a, b], user=MIA) as h:
        for question in ["Who runs the Friday meetup?", "who runs the friday meetup"]:
            await (await h.slash("ask", question=question, user=ALICE)).wait("followup")
        await (await h.slash("ask", question="career", user=ALICE)).wait("followup")
        await (await h.slash("ask", question="what is the weather", guild=b)).wait("followup")

        body = await reply(await kb(h, "gaps", days=7))
        embed = body["embeds"][0]
        assert embed["title"] == "Unanswered questions, last 7 days"
        lines = embed["description"].splitlines()
        assert lines[0] == "**1.** who runs the friday meetup"  # as asked, folded for grouping
        assert re.fullmatch(r"asked 2× · last <t:\d+:R>", lines[1])
        assert lines[2] == "**2.** career" and "weather" not in embed["description"]
        ids = custom_ids(body)
        assert [i.split(":")[2] for i in ids] == ["add", "add", "alias", "alias"]
        assert all(re.fullmatch(r"careerbot:kbgap:(add|alias):7:[0-9a-f]{16}", i) for i in ids)

        refused = await h.click(ids[0], user=ALICE)
        assert refused.response["data"]["content"] == NOT_A_MODERATOR
        opened = await h.click(ids[0])
        assert opened.response["type"] == 9
        questions = modal_inputs(opened.response["data"])["questions"]
        assert questions["value"] == "who runs the friday meetup"
        meetup = {"id": "friday-meetup", "title": "The Friday meetup", "answer": "Mia runs it."}
        added = await reply(await h.submit_modal(meetup))
        assert added["content"].startswith("Added `friday-meetup`")
        after = (await reply(await kb(h, "gaps", days=7)))["embeds"][0]["description"]
        assert "meetup" not in after and after.startswith("**1.** career")

        chooser = await reply(await h.click(ids[3]))  # Alias #2: "career"
        assert chooser["content"] == "Which entry should answer **career**?"
        select = chooser["components"][0]["components"][0]
        assert select["custom_id"] == ids[3].replace("kbgap:alias", "kbalias")
        options = [o["value"] for o in select["options"]]
        assert 2 <= len(options) <= 10
        picked = await h.click(select["custom_id"], component_type=3, values=[options[0]])
        assert (await reply(picked))["content"].startswith(f"`{options[0]}` now also answers")
        state = await services.moderation.show(gid(a), options[0])
        assert state.aliases == ("career",)

        other = await h.click(ids[3].replace("kbgap:alias", "kbalias-id"))
        assert other.response["type"] == 9  # "Another entry…": a form asking for the id
        typed = await reply(await h.submit_modal({"entry": "mlops-engineer"}))
        assert typed["content"].startswith("`mlops-engineer` now also answers")

        # a listing whose question has aged out (or was never asked here)
        unknown = ids[0].replace(ids[0][-16:], "0" * 16)
        old = json.loads(json.dumps(h.last_message_with(ids[0])).replace(ids[0], unknown))
        stale = await h.click(unknown, on_message=old)
        assert stale.response["data"]["content"] == GAP_GONE
        every_body_is_safe(h.fake)


async def test_gap_buttons_work_after_a_restart(
    factory: Factory, servers: tuple[Payload, Payload]
) -> None:
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        await (await h.slash("ask", question="who runs the friday meetup")).wait("followup")
        body = await reply(await kb(h, "gaps"))
        message = h.last_message_with(custom_ids(body)[0])
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h2:
        opened = await h2.click(custom_ids(body)[0], on_message=message, user=MIA)
        assert opened.response["type"] == 9


async def test_stats_show_most_asked_topics_and_votes(
    factory: Factory, servers: tuple[Payload, Payload]
) -> None:
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        for _ in range(2):
            await (await h.slash("ask", question="what is kaggle", user=ALICE)).wait("followup")
        vote = await h.click("careerbot:vote:1:kaggle", user=ALICE)
        await vote.wait("followup")
        embed = (await reply(await kb(h, "stats", user=OWNER)))["embeds"][0]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert re.fullmatch(
            r"2× .*Kaggle.* \(`kaggle`\) · last <t:\d+:R>", fields["Most asked topics"]
        )
        assert re.fullmatch(r"👍 1 · 👎 0 .*\(`kaggle`\)", fields["Helpful / not helpful votes"])


# ---- reload --------------------------------------------------------------------------------------


@pytest.fixture
async def copy_services(settings: Settings, knowledge_copy: Path) -> AsyncIterator[Services]:
    knowledge = KnowledgeService.from_directory(knowledge_copy)
    opened = await open_services(
        dataclasses.replace(settings, knowledge_dir=knowledge_copy), knowledge=knowledge
    )
    try:
        yield opened
    finally:
        await opened.close()


async def test_reload_is_owner_only_and_keeps_the_old_knowledge_on_broken_files(
    settings: Settings,
    copy_services: Services,
    knowledge_copy: Path,
    servers: tuple[Payload, Payload],
) -> None:
    roles = knowledge_copy / "roles.yaml"
    good = roles.read_text(encoding="utf-8")
    entries = len(copy_services.knowledge.base)
    async with run_bot(
        lambda: create_bot(settings, services=copy_services), guilds=[servers[0]], user=MIA
    ) as h:
        assert await text_of(await kb(h, "reload", user=OWNER)) == OWNER_ONLY  # Manage Server
        roles.write_text(good + "\n- id: [broken\n", encoding="utf-8")
        body = await reply(await kb(h, "reload", user=OLGA))
        embed = body["embeds"][0]
        assert embed["title"] == "Not reloaded: 1 problem in the knowledge files"
        [line] = embed["description"].splitlines()  # the cause, once: not every reference into it
        assert re.fullmatch(
            r"• `knowledge/roles\.yaml` · line \d+: invalid YAML: .+ \(\d+ references into it "
            r"not checked\)",
            line,
        )
        assert embed["footer"]["text"] == (
            f"Still serving the previous knowledge base ({entries} entries) and roadmap tracks (7)."
        )
        guild = h.guild
        assert await answer_footer(h, "how do I become an mlops engineer", guild) == (
            "topic: mlops-engineer"
        )

        renamed = good.replace(
            copy_services.knowledge.base.get("mlops-engineer").title,  # type: ignore[union-attr]
            "MLOps, freshly reloaded",
        )
        roles.write_text(renamed, encoding="utf-8")
        done = await text_of(await kb(h, "reload", user=OLGA))
        assert done.startswith(f"Reloaded the knowledge files: {entries} entries")
        topic = await h.slash("topic", name="mlops-engineer")
        assert topic.response["data"]["embeds"][0]["title"] == "MLOps, freshly reloaded"


def rename_entry(directory: Path, old: str, new: str) -> None:
    """Rename a knowledge entry and the `related` lists that name it (not the tracks)."""
    for path in directory.glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace(f"- id: {old}\n", f"- id: {new}\n")
        text = re.sub(rf"(?m)^(  related: \[.*)\b{old}\b", rf"\g<1>{new}", text)
        path.write_text(text, encoding="utf-8")


async def test_reload_checks_the_tracks_and_swaps_knowledge_and_tracks_together(
    settings: Settings,
    copy_services: Services,
    knowledge_copy: Path,
    servers: tuple[Payload, Payload],
) -> None:
    services = copy_services
    old_knowledge, old_tracks = services.knowledge.base, services.roadmaps.tracks
    originals = {path: path.read_bytes() for path in knowledge_copy.glob("*.yaml")}
    rename_entry(knowledge_copy, "mentorship", "mentoring")
    load_knowledge(knowledge_copy)  # the knowledge alone is valid; a track learns "mentorship"
    async with run_bot(
        lambda: create_bot(settings, services=services), guilds=[servers[0]], user=OLGA
    ) as h:
        body = await reply(await kb(h, "reload", user=OLGA))
        [embed] = body["embeds"]
        assert embed["title"] == "Not reloaded: 1 problem in the knowledge files"
        assert re.fullmatch(
            r"• `knowledge/roadmaps/skills/career\.yaml` · line \d+ · `mentor\.learn`: "
            r"unknown knowledge entry 'mentorship'",
            embed["description"],
        ), embed["description"]
        assert embed["footer"]["text"] == (
            f"Still serving the previous knowledge base ({len(old_knowledge)} entries) and "
            f"roadmap tracks ({len(old_tracks)})."
        )
        assert services.knowledge.base is old_knowledge and services.roadmaps.tracks is old_tracks
        topic = await h.slash("topic", name="mentorship")
        assert topic.response["data"]["embeds"][0]["title"] == "Finding a mentor in ML"

        for path, data in originals.items():
            path.write_bytes(data)
        track = knowledge_copy / "roadmaps" / "skills" / "career.yaml"  # networking's skills
        text = track.read_text(encoding="utf-8")
        assert "title: Go to an ML meetup or conference and talk to three people\n" in text
        track.write_text(
            text.replace("an ML meetup or conference and talk to three people", "one meetup"),
            encoding="utf-8",
        )
        done = await text_of(await kb(h, "reload", user=OLGA))
        assert done.startswith(f"Reloaded the knowledge files: {len(old_knowledge)} entries")
        assert "and 7 roadmap tracks." in done and "SHARD_IDS" not in done  # one process
        next_up = await reply(await h.slash("roadmap", subcommand="next", track="networking"))
        assert next_up["embeds"][0]["title"].endswith(" Go to one meetup")
    assert services.knowledge.base is not old_knowledge
    assert services.roadmaps.tracks is not old_tracks


async def test_reload_in_one_of_several_processes_says_to_restart_the_others(
    settings: Settings, copy_services: Services, servers: tuple[Payload, Payload]
) -> None:
    sharded = dataclasses.replace(settings, shard_count=2, shard_ids=(0,))
    async with run_bot(
        lambda: create_bot(sharded, services=copy_services), guilds=[servers[0]], user=OLGA
    ) as h:
        done = await text_of(await kb(h, "reload", user=OLGA))
    assert done.startswith("Reloaded the knowledge files")
    assert done.endswith(OTHER_PROCESSES) != copy_services.reloads_everywhere  # PostgreSQL tells


# ---- autocomplete and text helpers --------------------------------------------------------------


async def test_id_autocomplete_is_scoped_bounded_and_for_moderators_only(
    factory: Factory, services: Services, servers: tuple[Payload, Payload]
) -> None:
    a = gid(servers[0])
    await services.moderation.add(a, STUDY)
    await services.moderation.hide(a, "kaggle")
    async with run_bot(factory, guilds=[servers[0]], user=MIA) as h:
        everything = await h.autocomplete("kb", "id", subcommand="show", user=MIA, id="")
        assert len(everything) == 25
        assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 64 for c in everything)
        salaries = await h.autocomplete("kb", "id", subcommand="edit", user=MIA, id="salary")
        assert salaries and all("salary" in c["value"] for c in salaries)
        assert salaries[0]["name"].endswith(f" · {salaries[0]['value']}")
        hidden = await h.autocomplete("kb", "id", subcommand="unhide", user=MIA, id="")
        assert [c["value"] for c in hidden] == ["kaggle"]
        visible = await h.autocomplete("kb", "id", subcommand="hide", user=MIA, id="kag")
        assert "kaggle" not in [c["value"] for c in visible]
        own = await h.autocomplete("kb", "id", subcommand="remove", user=MIA, id="")
        assert own == [{"name": "Our study group · study-group", "value": "study-group"}]
        assert await h.autocomplete("kb", "id", subcommand="show", user=ALICE, id="") == []


def test_problem_lists_end_with_and_n_more_within_embed_limits() -> None:
    issues = [
        ValidationIssue("<guild 1>", n, f"entry-{n}", "answer", "too long " + "x" * 200)
        for n in range(1, 201)
    ]
    embed = rejected_embed(issues).to_dict()
    assert embed["title"] == "Nothing saved: fix 200 problems"
    assert limits.problems({"embeds": [embed]}) == []
    last = embed["description"].splitlines()[-1]
    shown = len(embed["description"].splitlines()) - 1
    assert last == f"...and {200 - shown} more" and shown > 5
    assert listing(["a", "b"], 100) == "a\nb"
    assert listing(["a" * 60, "b" * 60], 100) == "a" * 60 + "\n...and 1 more"


async def test_stale_lists_entries_due_for_a_check_with_a_button_to_edit_each(
    factory: Factory, servers: tuple[Payload, Payload]
) -> None:
    a, _ = servers
    async with run_bot(factory, guilds=[a], user=MIA) as h:
        assert await text_of(await kb(h, "stale", user=ALICE)) == NOT_A_MODERATOR
        body = await reply(await kb(h, "stale", within=365))
        embed = body["embeds"][0]
        assert re.fullmatch(r"\d+ entries to fact-check", embed["title"])
        lines = embed["description"].splitlines()
        assert lines[0].startswith("**1.** ") and "(`eu-blue-card`) · due in " in lines[0]
        dates = re.findall(r"\((\d{4}-\d\d-\d\d)\)$", "\n".join(lines), flags=re.MULTILINE)
        assert dates == sorted(dates)  # the soonest due first
        assert custom_ids(body)[0] == "careerbot:kbform-current:eu-blue-card"
        assert limits.problems(body) == []
        opened = await h.click("careerbot:kbform-current:eu-blue-card")
        assert opened.response["type"] == 9  # the edit form, on the entry's current text
        nothing = await reply(await kb(h, "stale", within=0))
        assert nothing["embeds"][0]["title"] == "Nothing to check"


def test_saving_the_form_counts_as_a_fact_check() -> None:
    dated = Entry(
        id="x",
        title="X",
        category="salaries",
        questions=["x"],
        answer="**X.**",
        sources=["s"],
        reviewed=dt.date(2025, 1, 1),
        review_by=dt.date(2025, 6, 1),
    )
    today = dt.datetime.now(dt.UTC).date()
    assert reviewed_today(dated) == {
        "reviewed": today.isoformat(),
        "review_by": (today + REVIEW_INTERVAL).isoformat(),
    }
    assert reviewed_today(None) == {"reviewed": today.isoformat()}
