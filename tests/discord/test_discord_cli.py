"""`careerbot run` / `careerbot sync` against FakeDiscord: exit codes, one-line errors, and the
fallback when the Message Content intent is not enabled for the application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bot.cli import run_cli
from bot.config import Settings
from bot.discord.app import CareerBot, create_bot
from bot.discord.runner import BAD_TOKEN, NO_CONTENT_INTENT, NO_TOKEN, serve
from bot.services import Services
from tests.harness import FakeDiscord, make_guild, make_message, make_user, redirect_discord
from tests.harness.fake import MESSAGE_CONTENT


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.sqlite3'}"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> pytest.MonkeyPatch:
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "SHARD_COUNT", "SHARD_IDS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return monkeypatch


async def cli(*argv: str) -> int:
    """The CLI in a thread (it runs its own event loop) while FakeDiscord serves on this one."""
    return await asyncio.to_thread(run_cli, list(argv))


async def test_invalid_token_is_one_line_and_exit_code_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeDiscord() as fake:
        with redirect_discord(fake):
            env.setenv("DISCORD_TOKEN", "not-the-real-token")
            assert await cli("run") == 2
            assert await cli("sync") == 2
    assert capsys.readouterr().err.splitlines() == [BAD_TOKEN, BAD_TOKEN]
    assert {(r.kind, r.path, r.status) for r in fake.requests} == {
        ("unauthorized", "/api/v10/users/@me", 401)
    }
    assert fake.gateway_received == []


def test_missing_token_is_one_line_and_exit_code_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["run", "--discord"]) == 2  # what the Docker image runs
    assert run_cli(["sync"]) == 2
    assert capsys.readouterr().err.splitlines() == [NO_TOKEN, NO_TOKEN]


async def test_sync_registers_commands_globally_or_in_the_dev_guild(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    guild = make_guild()
    async with FakeDiscord(guilds=[guild]) as fake:
        with redirect_discord(fake):
            env.setenv("DISCORD_TOKEN", fake.token)
            assert await cli("sync") == 0
            env.setenv("DEV_GUILD_ID", guild["id"])
            assert await cli("sync") == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"synced \d+ commands globally: ask, topic, .*, help(, [a-z]+)*", out[0])
    assert out[1].startswith(f"synced {len(fake.commands[guild['id']])} commands to server")
    assert {"ask", "config", "help"} <= {c["name"] for c in fake.commands[None]}
    assert fake.gateway_received == []  # sync logs in over REST only


async def test_runs_without_message_content_when_the_intent_is_not_enabled(
    settings: Settings, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    bots: list[CareerBot] = []

    def factory(settings: Settings, **options: Any) -> CareerBot:
        bots.append(create_bot(settings, services=services, guild_ready_timeout=0.02, **options))
        return bots[-1]

    alice = make_user("alice")
    guild = make_guild(members=[alice])
    caplog.set_level(logging.WARNING, logger="bot.discord.runner")
    async with FakeDiscord(guilds=[guild], privileged_intents=0) as fake:
        with redirect_discord(fake):
            task = asyncio.create_task(serve(settings, fake.token, factory))
            try:
                async with asyncio.timeout(5):
                    while len(bots) < 2:
                        await asyncio.sleep(0.01)
                    await bots[1].wait_until_ready()
                assert fake.intents is not None and not fake.intents & MESSAGE_CONTENT
                assert not bots[1].intents.message_content
                me = fake.bot_user
                question = make_message(
                    f"<@{me['id']}> what is kaggle",
                    alice,
                    guild["channels"][0],
                    guild=guild,
                    known_users=[me],
                )
                await fake.dispatch("MESSAGE_CREATE", question)
                reply = await fake.wait_for(lambda r: r.kind == "channel_message")
                assert (
                    reply.json["embeds"][0]["footer"]["text"].split(" · as of")[0]
                    == "topic: kaggle"
                )
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    identifies = [p["d"]["intents"] for p in fake.gateway_received if p["op"] == 2]
    assert [bool(i & MESSAGE_CONTENT) for i in identifies] == [True, False]
    assert NO_CONTENT_INTENT in caplog.messages
    assert bots[1].is_closed()
