"""A server's hidden entries and edits survive a restart while its database is down or hung:
each server's last known layer is kept on local disk, and its hidden ids are known from the
start, so autocomplete never lists them before the server's first question."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.answers.guildcache import ANSWER_WAIT_SECONDS, DISK_WAIT_SECONDS, GuildLayers
from bot.answers.layercache import LocalLayers, cache_file_for
from bot.answers.serving import KnowledgeService
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.db.engine import create_engine, session_factory
from bot.discord.app import create_bot
from bot.knowledge import KnowledgeBase
from bot.services import Services, open_services
from tests.harness import make_channel, make_guild, make_user, run_bot

GUILD = 41
HIDDEN = "kaggle"
STUDY = {
    "id": "study-group",
    "title": "Our weekly study group",
    "questions": ["when does the study group meet"],
    "answer": "Fridays at 18:00 UTC.",
}
REFUSED = "postgresql+asyncpg://careerbot@127.0.0.1:9/nowhere"  # nothing listens on port 9


async def shape_the_layer(services: Services, guild: int = GUILD) -> None:
    """Hide a bundled entry, add one, edit one; then a question reads the layer once."""
    await services.moderation.hide(guild, HIDDEN)
    await services.moderation.add(guild, STUDY)
    await services.moderation.edit(guild, "sql", {"answer": "Ask in #sql-help first."})
    assert (await services.ask.ask("when does the study group meet", guild)).entry is not None
    assert services.knowledge.layers is not None
    await services.knowledge.layers.settled()  # the disk copy is written in the background


def restarted(bundled: KnowledgeBase, url: str, local: LocalLayers | None) -> KnowledgeService:
    """A new process's KnowledgeService whose database is at `url`."""
    knowledge = KnowledgeService(bundled, BUNDLED_KNOWLEDGE)
    knowledge.attach_database(session_factory(create_engine(url)), sync_seconds=60, local=local)
    return knowledge


def local_of(settings: Settings) -> LocalLayers:
    assert settings.layer_cache_dir is not None
    return LocalLayers(cache_file_for(settings.layer_cache_dir, settings.database_url))


def assert_layer_applies(knowledge: KnowledgeBase) -> None:
    assert HIDDEN not in knowledge
    assert knowledge.get("study-group") is not None
    assert knowledge.get("sql").answer == "Ask in #sql-help first."  # type: ignore[union-attr]


async def test_a_restart_with_the_database_down_keeps_the_servers_layer(
    services: Services, settings: Settings, bundled_knowledge: KnowledgeBase
) -> None:
    await shape_the_layer(services)
    local = local_of(settings)
    knowledge = restarted(bundled_knowledge, REFUSED, local)
    await knowledge.load_hidden()
    assert_layer_applies(await knowledge.knowledge_for(GUILD))
    matcher = await knowledge.matcher_for(GUILD)
    found = await knowledge.match(matcher, "when does the study group meet?")
    assert found.entry is not None and found.entry.id == "study-group"
    assert (await knowledge.knowledge_for(GUILD + 1)) is bundled_knowledge  # no layer, no copy


async def test_a_hung_database_serves_the_last_known_layer_within_the_budget(
    services: Services, settings: Settings, bundled_knowledge: KnowledgeBase, stalling_port: int
) -> None:
    await shape_the_layer(services)
    hung = f"postgresql+asyncpg://bot@127.0.0.1:{stalling_port}/bot"
    knowledge = restarted(bundled_knowledge, hung, local_of(settings))
    start = time.monotonic()
    seen = await knowledge.knowledge_for(GUILD)
    assert time.monotonic() - start < ANSWER_WAIT_SECONDS + DISK_WAIT_SECONDS + 0.5
    assert_layer_applies(seen)
    await knowledge.close()


async def test_the_database_wins_once_it_answers_again(
    services: Services, settings: Settings, bundled_knowledge: KnowledgeBase
) -> None:
    """The local copy is only a fallback: a change made while this process could not read the
    database is served as soon as it can."""
    await shape_the_layer(services)
    local = local_of(settings)
    knowledge = restarted(bundled_knowledge, REFUSED, local)
    assert HIDDEN not in await knowledge.knowledge_for(GUILD)
    await services.moderation.unhide(GUILD, HIDDEN)
    knowledge.attach_database(services.sessions, sync_seconds=0.0, local=local)
    assert HIDDEN in await knowledge.knowledge_for(GUILD)
    await services.moderation.hide(GUILD, "sql")  # read as a change since the last revision
    assert "sql" not in await knowledge.knowledge_for(GUILD)
    await knowledge.close()
    on_disk = await asyncio.to_thread(local.load, GUILD)  # the disk copy caught up too
    assert [row[0] for row in on_disk or [] if row[3]] == ["sql"]


async def test_without_a_disk_copy_hidden_entries_stay_hidden(
    services: Services, settings: Settings, bundled_knowledge: KnowledgeBase
) -> None:
    await shape_the_layer(services)
    knowledge = KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE)
    knowledge.attach_database(services.sessions, sync_seconds=60)  # no local cache
    await knowledge.load_hidden()  # the database answered at start ...
    assert knowledge.layers is not None
    knowledge.layers.sessions = session_factory(create_engine(REFUSED))  # ... then went down
    seen = await knowledge.knowledge_for(GUILD)
    assert HIDDEN not in seen and "sql" in seen


async def test_a_damaged_cache_file_is_ignored_then_replaced(tmp_path: Path) -> None:
    path = tmp_path / "layers.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    local = LocalLayers(path)
    assert local.open() == {} and local.load(GUILD) is None
    local.replace(GUILD, [("study-group", '{"id": "study-group"}', None, False)])
    local.update(GUILD, {HIDDEN}, [(HIDDEN, None, None, True)])
    assert LocalLayers(path).open() == {GUILD: {HIDDEN}}
    assert [row[0] for row in local.load(GUILD) or []] == [HIDDEN, "study-group"]
    local.replace(GUILD, [])
    assert local.load(GUILD) is None and LocalLayers(path).open() == {}


def test_the_cache_file_is_named_by_database_without_its_password(tmp_path: Path) -> None:
    one = cache_file_for(tmp_path, "postgresql+asyncpg://bot:secret@db/careerbot")
    same = cache_file_for(tmp_path, "postgresql+asyncpg://bot:other@db/careerbot")
    other = cache_file_for(tmp_path, "postgresql+asyncpg://bot:secret@db/staging")
    assert one == same != other and "secret" not in one.name


def test_the_cache_directory_is_a_setting_that_can_be_turned_off(tmp_path: Path) -> None:
    assert Settings.from_env({}).layer_cache_dir is not None
    assert Settings.from_env({"LAYER_CACHE_DIR": str(tmp_path)}).layer_cache_dir == tmp_path
    assert Settings.from_env({"LAYER_CACHE_DIR": "off"}).layer_cache_dir is None


# ---- autocomplete before a server's first question --------------------------------------------

ALICE = make_user("alice")


@pytest.fixture
async def fresh_process(
    settings: Settings, bundled_knowledge: KnowledgeBase
) -> AsyncIterator[Callable[..., Any]]:
    """Opens services as a restarted process would, on the same database."""
    opened: list[Services] = []

    async def start() -> Services:
        new = await open_services(
            settings, knowledge=KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE)
        )
        opened.append(new)
        return new

    yield start
    for each in opened:
        await each.close()


async def test_autocomplete_after_a_restart_never_lists_a_hidden_entry(
    services: Services,
    settings: Settings,
    bundled_knowledge: KnowledgeBase,
    fresh_process: Callable[..., Any],
) -> None:
    guild = make_guild(members=[ALICE], channels=[make_channel("general")])
    await shape_the_layer(services, int(guild["id"]))
    after_restart: Services = await fresh_process()
    assert after_restart.knowledge.cached_view(int(guild["id"])) is None  # no question yet

    def factory(**options: Any) -> Any:
        return create_bot(settings, services=after_restart, **options)

    async with run_bot(factory, guilds=[guild], user=ALICE) as h:
        typed = await h.autocomplete("topic", "name", name="kaggle")
        listed = await h.autocomplete("topic", "name", name="")
        portfolio = await h.autocomplete("topics", "category", category="portf")
    assert typed and all(choice["value"] != HIDDEN for choice in typed + listed)
    shown = len(bundled_knowledge.in_category("portfolio")) - 1  # without the hidden one
    assert portfolio == [{"name": f"portfolio ({shown} topics)", "value": "portfolio"}]


class CountingLayers(LocalLayers):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.loads = 0

    def load(self, guild_id: int) -> list[Any] | None:
        self.loads += 1
        return super().load(guild_id)


async def test_a_slow_build_is_not_mistaken_for_a_slow_database(
    services: Services,
    settings: Settings,
    bundled_knowledge: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big server's first build outlasts the answer budget: the question gets the bundled base
    without its hidden entries, and the disk copy is not built a second time alongside."""
    await shape_the_layer(services)
    local = CountingLayers(local_of(settings).path)
    knowledge = KnowledgeService(bundled_knowledge, BUNDLED_KNOWLEDGE)
    knowledge.attach_database(services.sessions, sync_seconds=60, local=local)
    await knowledge.load_hidden()
    assert knowledge.layers is not None
    knowledge.layers.wait_seconds = 0.2
    build = GuildLayers._build_raw

    def slow_build(*args: Any) -> Any:
        time.sleep(0.6)
        return build(*args)

    monkeypatch.setattr(GuildLayers, "_build_raw", staticmethod(slow_build))
    early = await knowledge.knowledge_for(GUILD)
    assert HIDDEN not in early and "study-group" not in early  # not built yet
    await knowledge.layers.settled()
    assert_layer_applies(await knowledge.knowledge_for(GUILD))
    assert local.loads == 0
    await knowledge.close()


async def test_a_hide_in_another_process_reaches_autocomplete_before_any_question(
    services: Services, settings: Settings, fresh_process: Callable[..., Any]
) -> None:
    other: Services = await fresh_process()  # knows no hidden entry of GUILD yet
    assert HIDDEN in other.knowledge.knowledge_in_memory(GUILD)
    await services.moderation.hide(GUILD, HIDDEN)
    other.knowledge.changed_elsewhere(GUILD)  # what its change feed does on the notice
    assert other.knowledge.layers is not None
    await other.knowledge.layers.settled()
    assert HIDDEN not in other.knowledge.knowledge_in_memory(GUILD)
    assert other.knowledge.cached_view(GUILD) is None  # only the ids were read, not the layer
    await services.moderation.unhide(GUILD, HIDDEN)
    other.knowledge.changed_elsewhere(GUILD)
    await other.knowledge.layers.settled()
    assert HIDDEN in other.knowledge.knowledge_in_memory(GUILD)
