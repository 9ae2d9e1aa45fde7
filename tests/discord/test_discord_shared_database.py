"""Two bot processes sharing one database (PostgreSQL in CI): a moderator's edit through one
bot answers the next question asked through the other, which was already running and warm.

The harness patches discord.py's globals, so the two bots take turns on the fake Discord;
their services (and so their knowledge caches) stay alive across both turns, as two
processes' would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.answers.serving import KnowledgeService
from bot.config import Settings
from bot.discord.app import create_bot
from bot.knowledge import KnowledgeBase
from bot.services import Services, open_services
from tests.harness import make_guild, make_user, run_bot

OWNER = make_user("owner")  # owns the server, so has Manage Server
GUILD = make_guild("Shared", members=[OWNER], owner=OWNER)
QUESTION = "when does the study group meet?"


@pytest.fixture
async def two_processes(
    settings: Settings, bundled_knowledge: KnowledgeBase
) -> AsyncIterator[tuple[Services, Services]]:
    opened = [
        await open_services(
            settings, knowledge=KnowledgeService(bundled_knowledge, settings.knowledge_dir)
        )
        for _ in range(2)
    ]
    try:
        yield opened[0], opened[1]
    finally:
        for services in opened:
            await services.close()


async def footer_of_answer(services: Services, settings: Settings) -> str:
    async with run_bot(create_bot(settings, services=services), guilds=[GUILD], user=OWNER) as h:
        exchange = await h.slash("ask", question=QUESTION)
        embeds = (await exchange.wait("followup")).json["embeds"]
    return str(embeds[0].get("footer", {}).get("text", "")).split(" · as of")[0]


async def test_an_edit_in_one_bot_answers_in_the_other(
    settings: Settings, two_processes: tuple[Services, Services]
) -> None:
    editor, other = two_processes
    assert await footer_of_answer(other, settings) != "topic: study-group"  # warm, and absent

    async with run_bot(create_bot(settings, services=editor), guilds=[GUILD], user=OWNER) as h:
        opened = await h.slash("kb", subcommand="add")
        assert opened.response["type"] == 9  # the add form
        saved = await h.submit_modal(
            {
                "id": "study-group",
                "title": "Our study group",
                "questions": "when does the study group meet\nhow do I join the study group",
                "answer": "Fridays at 18:00 UTC in the study-hall channel.",
            }
        )
        body = (await saved.wait("followup")).json
        assert body["content"].startswith("Added `study-group`")

    await asyncio.sleep(settings.kb_sync_seconds)  # the other bot's version check interval
    assert await footer_of_answer(other, settings) == "topic: study-group"
