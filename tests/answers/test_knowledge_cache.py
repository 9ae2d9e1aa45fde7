"""The per-server knowledge cache: bounded memory, answers while building, the entry cap."""

from __future__ import annotations

import gc
import json
import tracemalloc
import weakref
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.answers.guildcache import GuildLayers
from bot.answers.serving import KnowledgeService
from bot.answers.sizedlru import SizedLRU
from bot.answers.viewsize import RESIDENT_PER_ALLOCATED, VIEW_BYTES
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.knowledge import KnowledgeBase
from bot.knowledge.layerpages import decode_rows, read_raw_rows
from bot.knowledge.layerstore import read_rows
from bot.matching.engine import Matcher
from bot.moderation.layerfile import entry_yaml
from bot.moderation.rules import KnowledgeEditError
from bot.services import Services, open_services

GUILD, OTHER, THIRD = 41, 42, 43


def own_entry(number: int, guild: int = GUILD) -> dict[str, object]:
    return {
        "id": f"club-{guild}-{number}",
        "title": f"Club meeting {number} of server {guild}",
        "questions": [f"when is the zorblax{guild}x{number} meetup"],
        "answer": f"Meetup {number} is on Fridays.",
    }


def question(number: int, guild: int = GUILD) -> str:
    return f"when is the zorblax{guild}x{number} meetup"


def synthetic_rows(count: int, seed: int) -> list[tuple[str, str, str, bool]]:
    """Raw rows of `count` server entries, as the database hands them to the cache."""
    rows = []
    for number in range(count):
        data = {
            "id": f"s{seed}-topic-{number}",
            "title": f"Server topic {number} about tensors {seed}",
            "category": "community",
            "questions": [f"where is item {number * 7} kept", f"who runs event {number}"],
            "keywords": [f"kw{number}"],
            "answer": "An answer of a typical length, with a link or two. " * 3,
        }
        rows.append((data["id"], json.dumps(data), json.dumps({"phrases": []}), False))
    return rows


@pytest.fixture
async def opened(
    settings: Settings, bundled_knowledge: KnowledgeBase
) -> AsyncIterator[Services]:
    """Services with a small cache (a test may shrink it further to see evictions)."""
    services = await open_services(
        replace(settings, knowledge_cache_mb=2, max_server_entries=3),
        knowledge=KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE),
    )
    try:
        yield services
    finally:
        await services.close()


def test_the_lru_evicts_the_least_recently_used_past_its_budget() -> None:
    lru: SizedLRU[str, str] = SizedLRU(budget=10)
    lru.put("a", "A", 4)
    lru.put("b", "B", 4)
    assert lru.get("a") == "A"  # now b is the least recently used
    assert lru.put("c", "C", 4) == ["b"]
    assert list(lru) == ["a", "c"] and lru.nbytes == 8 and lru.evictions == 1
    assert lru.peek("a") == "A" and lru.put("c", "C2", 7) == ["a"]  # peek does not count as use
    assert lru.put("huge", "H", 50) == ["c"] and lru.get("huge") == "H"  # the newest stays
    assert lru.pop("huge") == "H" and lru.nbytes == 0 and len(lru) == 0


async def test_servers_without_a_layer_share_the_bundled_matcher(services: Services) -> None:
    bundled = services.knowledge.matcher
    await services.ask.ask("how do I become an ml engineer", 1)  # warm up the session pool
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for guild in range(1000, 1200):
        assert await services.knowledge.matcher_for(guild) is bundled
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    stats = services.knowledge.cache_stats()
    assert stats is not None and stats.views == 201
    assert stats.nbytes == 201 * VIEW_BYTES
    assert grown / 200 < 3 * VIEW_BYTES, grown / 200  # no index, no entries: bookkeeping only


async def test_the_cache_keeps_to_its_budget_and_rebuilds_evicted_servers(
    opened: Services,
) -> None:
    layers = opened.knowledge.layers
    assert layers is not None
    for guild in (GUILD, OTHER, THIRD):
        await opened.moderation.add(guild, own_entry(1, guild))
        assert (await opened.ask.ask(question(1, guild), guild)).entry.id == f"club-{guild}-1"
        if guild == GUILD:  # a one-entry layer no longer copies the bundled index: 2 fit
            layers._views.budget = int(2.5 * layers.stats().nbytes)
    stats = layers.stats()
    assert stats.nbytes <= stats.budget < 2 * 1024 * 1024
    assert stats.evictions >= 1 and layers.cached(GUILD) is None  # the oldest server left
    assert stats.building == 0  # no lock or task is left behind for any server

    misses = stats.misses
    result = await opened.ask.ask(question(1, GUILD), GUILD)
    assert result.entry is not None and result.entry.id == f"club-{GUILD}-1"  # rebuilt
    assert layers.stats().misses == misses + 1


async def test_the_size_estimate_is_close_to_the_measured_memory(
    bundled_knowledge: KnowledgeBase,
) -> None:
    bundled = Matcher(bundled_knowledge)
    aliases = [
        (entry.id, None, json.dumps({"phrases": [f"another way to ask {n}"]}), False)
        for n, entry in enumerate(bundled_knowledge.entries[:3])
    ]
    for raw in (aliases, synthetic_rows(800, seed=1)):
        copies = [list(raw) for _ in range(3)]
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        views = [GuildLayers._build_raw(n, 1, 1, rows, bundled) for n, rows in enumerate(copies)]
        del copies
        gc.collect()
        measured = (tracemalloc.get_traced_memory()[0] - before) / len(views)
        tracemalloc.stop()
        ratio = views[0].nbytes / measured / RESIDENT_PER_ALLOCATED
        assert 0.8 < ratio < 1.25, (views[0].nbytes, measured)


async def test_a_question_never_waits_for_a_build(opened: Services) -> None:
    layers = opened.knowledge.layers
    assert layers is not None
    await opened.moderation.add(GUILD, own_entry(1))
    layers.wait_seconds = 0.0  # every build is "too slow"

    # A server not in memory answers from the bundled base while its view is built.
    first = await opened.knowledge.matcher_for(GUILD)
    assert first is opened.knowledge.matcher
    await layers.settled()
    assert (await opened.ask.ask(question(1), GUILD)).entry.id == f"club-{GUILD}-1"

    # After a change, the previous view answers until the new one is ready.
    await opened.moderation.edit(GUILD, f"club-{GUILD}-1", {"answer": "Moved to Mondays."})
    assert (await opened.ask.ask(question(1), GUILD)).entry.answer.startswith("Meetup 1")
    await layers.settled()
    assert (await opened.ask.ask(question(1), GUILD)).entry.answer == "Moved to Mondays."


async def test_paged_reads_return_the_same_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await services.moderation.add(GUILD, own_entry(1))
    await services.moderation.alias(GUILD, "kaggle", "leaderboard grinding")
    await services.moderation.hide(GUILD, "data-scientist")
    text = "".join(entry_yaml({**own_entry(n), "category": "community"}) for n in range(2, 40))
    await services.moderation.import_yaml(GUILD, text)
    monkeypatch.setattr("bot.knowledge.layerpages.PAGE_ROWS", 7)
    monkeypatch.setattr("bot.knowledge.layerpages.IDS_PER_QUERY", 5)
    async with services.sessions() as session:
        expected = await read_rows(session, GUILD)
        paged = decode_rows(await read_raw_rows(session, GUILD))
        some = [*sorted(expected)[::3], "no-such-id"]
        chosen = decode_rows(await read_raw_rows(session, GUILD, some))
    assert len(expected) == 41 and paged == expected
    assert chosen == {entry_id: expected[entry_id] for entry_id in some[:-1]}


async def test_a_server_cannot_add_past_max_server_entries(opened: Services) -> None:
    for number in range(3):
        await opened.moderation.add(GUILD, own_entry(number))
    with pytest.raises(KnowledgeEditError, match="up to 3 entries; this would make 4"):
        await opened.moderation.add(GUILD, own_entry(3))
    await opened.moderation.edit(GUILD, f"club-{GUILD}-0", {"answer": "Still fine."})
    await opened.moderation.edit(GUILD, "kaggle", {"answer": "Overrides do not count."})
    await opened.moderation.remove(GUILD, f"club-{GUILD}-2")
    await opened.moderation.add(GUILD, own_entry(4))  # room again

    def layer_file(*numbers: int) -> str:
        return "".join(entry_yaml({**own_entry(n), "category": "community"}) for n in numbers)

    with pytest.raises(KnowledgeEditError, match="this would make 4"):
        await opened.moderation.import_yaml(GUILD, layer_file(0, 5))
    result = await opened.moderation.import_yaml(OTHER, layer_file(7, 8, 9))
    assert len(result.added) == 3
    assert {entry.id for entry in (await opened.knowledge.knowledge_for(GUILD))} >= {
        f"club-{GUILD}-0",
        f"club-{GUILD}-4",
    }



def test_a_view_holds_no_reference_cycles(bundled_knowledge: KnowledgeBase) -> None:
    """Builds freeze what they leave alive (bot.answers.quietgc), so an evicted view must be
    freed by reference counting alone."""
    bundled = Matcher(bundled_knowledge)
    gc.disable()  # only reference counting may free it
    try:
        view = GuildLayers._build_raw(2, 1, 1, synthetic_rows(50, seed=3), bundled)
        parts = (view, view.matcher, view.matcher.index, view.matcher.cache, view.layer)
        alive = [weakref.ref(part) for part in (*parts, view.knowledge)]
        del view, parts
        assert [ref() for ref in alive] == [None] * len(alive)
    finally:
        gc.enable()
