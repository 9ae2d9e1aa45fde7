"""Server layers across processes, reloads and database trouble."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers.guildcache import RetainingCache
from bot.answers.serving import KnowledgeService
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.db.engine import create_engine, session_factory
from bot.knowledge import DataFileError, KnowledgeBase
from bot.services import Services, open_services

GUILD, OTHER = 31, 32
STUDY = {
    "id": "study-group",
    "title": "Our weekly study group",
    "questions": ["when does the study group meet"],
    "answer": "Fridays at 18:00 UTC.",
}
QUESTION = "when does the study group meet"


@pytest.fixture
async def second(settings: Settings, bundled_knowledge: KnowledgeBase) -> AsyncIterator[Services]:
    """Another bot process on the same database: its own KnowledgeService and caches."""
    opened = await open_services(
        settings, knowledge=KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE), upgrade=False
    )
    try:
        yield opened
    finally:
        await opened.close()


async def seconds_until(services: Services, guild: int, answer: str, limit: float = 3.0) -> float:
    """Ask every 20 ms until the reply is `answer`; how long that took."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        result = await services.ask.ask(QUESTION, guild)
        if result.entry is not None and result.entry.answer == answer:
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    raise AssertionError("the other process never saw the change")


async def test_an_edit_in_one_process_reaches_the_other_within_a_second(
    services: Services, second: Services
) -> None:
    assert services.knowledge is not second.knowledge
    # Both processes have answered in both servers, so both hold warm caches.
    await asyncio.gather(
        *(p.ask.ask(QUESTION, g) for p in (services, second) for g in (GUILD, OTHER))
    )
    other_view = second.knowledge.cached_view(OTHER)

    await services.moderation.add(GUILD, STUDY)
    assert (await services.ask.ask(QUESTION, GUILD)).entry.id == "study-group"  # here: at once
    took = await seconds_until(second, GUILD, STUDY["answer"])
    assert took <= second.settings.kb_sync_seconds + 0.3, took
    cache = second.knowledge.cached_view(GUILD).matcher.cache

    await services.moderation.edit(GUILD, "study-group", {"answer": "Moved to Mondays."})
    took = await seconds_until(second, GUILD, "Moved to Mondays.")
    assert took <= second.settings.kb_sync_seconds + 0.3, took
    view = second.knowledge.cached_view(GUILD)
    assert view.matcher.cache is cache and isinstance(cache, RetainingCache)  # incremental

    # Only the changed server was rebuilt in the other process.
    await second.ask.ask(QUESTION, OTHER)
    assert second.knowledge.cached_view(OTHER).matcher is other_view.matcher


async def test_reload_with_broken_files_keeps_the_old_knowledge_and_the_layers(
    settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, directory)
    knowledge = KnowledgeService.from_directory(directory)
    services = await open_services(settings, knowledge=knowledge)
    try:
        await services.moderation.add(GUILD, STUDY)
        await services.moderation.alias(GUILD, "kaggle", "leaderboard grinding")
        old_base = knowledge.base
        roles = directory / "roles.yaml"
        roles.write_text(roles.read_text().replace("title:", "titel:", 1))
        with pytest.raises(DataFileError) as caught:
            await services.reload_content()
        problems = {(i.file, i.line, i.entry_id, i.field, i.message) for i in caught.value.issues}
        assert {
            ("knowledge/roles.yaml", 2, "ml-engineer", "titel", "unknown field"),
            ("knowledge/roles.yaml", 1, "ml-engineer", "title", "required field is missing"),
        } <= problems
        assert knowledge.base is old_base
        assert (await services.ask.ask(QUESTION, GUILD)).entry.id == "study-group"

        # A good reload changes the bundled text under the server's layer, which stays.
        shutil.copy(BUNDLED_KNOWLEDGE / "roles.yaml", roles)
        kaggle = directory / "portfolio.yaml"
        text = kaggle.read_text()
        assert "- id: kaggle\n" in text
        kaggle.write_text(text.replace("- id: kaggle\n  title:", "- id: kaggle\n  title: New |", 1))
        await services.reload_content()
        seen = (await knowledge.knowledge_for(GUILD)).get("kaggle")
        assert seen.title.startswith("New |") and seen.questions[-1] == "leaderboard grinding"
        assert (await services.ask.ask(QUESTION, GUILD)).entry.id == "study-group"
    finally:
        await services.close()


async def test_an_unreachable_database_serves_the_bundled_base(
    bundled_knowledge: KnowledgeBase,
) -> None:
    engine = create_engine("postgresql+asyncpg://careerbot@127.0.0.1:9/nowhere")  # refused
    knowledge = KnowledgeService(bundled_knowledge)
    knowledge.attach_database(session_factory(engine), sync_seconds=60)
    try:
        assert await knowledge.knowledge_for(GUILD) is bundled_knowledge
        assert await knowledge.matcher_for(GUILD) is await knowledge.matcher_for(None)
    finally:
        await engine.dispose()


async def test_concurrent_writers_and_a_polling_reader_agree(
    services: Services, settings: Settings, bundled_knowledge: KnowledgeBase
) -> None:
    reader = await open_services(
        replace(settings, kb_sync_seconds=0.0),
        knowledge=KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE),
        upgrade=False,
    )
    targets = bundled_knowledge.ids()[:12]
    try:

        async def write(entry_id: str) -> None:
            await services.moderation.alias(GUILD, entry_id, f"special phrase for {entry_id}")
            await services.moderation.hide(GUILD, entry_id)

        async def poll(stop: asyncio.Event) -> None:
            while not stop.is_set():
                await reader.knowledge.knowledge_for(GUILD)  # incremental refreshes meanwhile
                await asyncio.sleep(0)

        stop = asyncio.Event()
        polling = asyncio.create_task(poll(stop))
        await asyncio.gather(*(write(entry_id) for entry_id in targets))
        stop.set()
        await polling
        seen = await reader.knowledge.knowledge_for(GUILD)
        fresh = (await services.moderation.layer(GUILD)).knowledge()
        assert seen.entries == fresh.entries
        assert not set(targets) & set(seen.ids())
        assert len(await services.moderation.history(GUILD, limit=100)) == 2 * len(targets)
    finally:
        await reader.close()
