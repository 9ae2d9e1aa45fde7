"""`careerbot run` and `careerbot sync`: start-up failures become one line and an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from bot.config import Settings
from bot.discord.app import CareerBot, create_bot

log = logging.getLogger(__name__)

EXIT_OK, EXIT_CONFIG = 0, 2  # as in bot.cli
NO_TOKEN = (
    "careerbot: DISCORD_TOKEN is not set; put the bot token from the Developer Portal "
    "(Bot page) in .env, see README"
)
BAD_TOKEN = (
    "careerbot: Discord rejected DISCORD_TOKEN (invalid, or reset in the Developer Portal); "
    "copy the current token from the Bot page"
)
NO_CONTENT_INTENT = (
    "the Message Content intent is not enabled for this application, so I run without it: "
    "slash commands, mentions and DMs work, the ask channel does not (enable it under Bot > "
    "Privileged Gateway Intents in the Developer Portal and restart)"
)
Factory = Callable[..., CareerBot]


def run_discord(settings: Settings, *, sync: bool = False, factory: Factory = create_bot) -> int:
    """Run the bot until stopped (or sync its commands); returns the process exit code.

    DatabaseUnavailable and DataFileError pass through to the CLI, which prints them.
    """
    token = (settings.discord_token or "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    try:
        if sync:
            print(asyncio.run(sync_commands(settings, token, factory)))
        else:
            asyncio.run(serve(settings, token, factory))
    except discord.LoginFailure:
        print(BAD_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    except aiohttp.ClientConnectionError as exc:
        print(f"careerbot: cannot reach Discord: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM (docker stop)
        pass
    return EXIT_OK


async def serve(settings: Settings, token: str, factory: Factory = create_bot) -> None:
    """Connect and run until cancelled. If the Message Content intent is not enabled in the
    Developer Portal, Discord refuses the connection; then run again without it."""
    _cancel_on_sigterm()
    try:
        await _run(factory(settings), token)
    except discord.PrivilegedIntentsRequired:
        log.warning(NO_CONTENT_INTENT)
        await _run(factory(settings, message_content=False), token)


async def _run(bot: CareerBot, token: str) -> None:
    async with bot:
        await bot.start(token)


async def sync_commands(settings: Settings, token: str, factory: Factory = create_bot) -> str:
    """Log in (no gateway), register the slash commands, log out."""
    bot = factory(settings, sync_on_start=False)
    async with bot:
        await bot.login(token)  # runs setup_hook: services and cogs
        synced = await bot.sync_commands()
    where = f"to server {settings.dev_guild_id}" if settings.dev_guild_id else "globally"
    return f"synced {len(synced)} commands {where}: " + ", ".join(c.name for c in synced)


def _cancel_on_sigterm() -> None:
    """docker stop sends SIGTERM: close the gateway and the database pool cleanly."""
    task: Any = asyncio.current_task()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows, threads
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
