"""The two error handlers: interactions (commands, buttons) and events (messages).

The member gets a short apology with an error reference; the log gets the traceback with the
same reference, so a member's screenshot leads an operator to the cause. Internal details
(exception text, paths, SQL) never go to Discord.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import DatabaseUnavailable
from bot.discord.common import NO_PINGS, TooSlow

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side."
DATABASE_DOWN = (
    "Sorry, my database isn't reachable right now, so I couldn't do that. "
    "Please try again in a few minutes."
)
SLOW_DATABASE = (
    "Sorry, my database is slow right now, so I couldn't do that in time. Nothing was changed; "
    "please try again in a moment."
)
SNOWFLAKE = re.compile(r"(?<!\d)\d{15,20}(?!\d)")  # a Discord id (user, message, ...)
UNKNOWN_COMMAND = (
    "I don't know that command (any more). It may have been renamed: see `/help` for what I can "
    "do now."
)


def new_reference() -> str:
    """8 hex characters: short enough to read out, unique enough to grep the log for."""
    return secrets.token_hex(4)


def unwrap(error: BaseException) -> BaseException:
    """The exception the command raised, not discord.py's wrapper around it."""
    while isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
        error = error.original
    return error


def is_database_error(error: BaseException | None) -> bool:
    return isinstance(error, SQLAlchemyError | DatabaseUnavailable | ConnectionRefusedError)


def apology(error: BaseException | None, reference: str) -> str:
    text = DATABASE_DOWN if is_database_error(error) else APOLOGY
    return f"{text} (error reference `{reference}`)"


def without_ids(custom_id: str) -> str:
    """A custom id for the log: Discord ids in it (e.g. the asker in
    `careerbot:mydata-delete:<user id>`) become `<id>`, the rest still says which button."""
    return SNOWFLAKE.sub("<id>", custom_id)


def describe(interaction: discord.Interaction) -> str:
    """Where it happened, for the log: command or button, and server (no user ids)."""
    if interaction.command is not None:
        what = f"/{interaction.command.qualified_name}"
    else:
        data: Mapping[str, object] = interaction.data or {}
        what = f"component {without_ids(str(data.get('custom_id', '?')))}"
    return f"{what} in guild {interaction.guild_id or 'DM'}"


async def report_interaction_error(interaction: discord.Interaction, error: BaseException) -> str:
    """Log `error` with a new reference and tell the member ephemerally. Returns the reference."""
    error = unwrap(error)
    if isinstance(error, app_commands.CommandNotFound):
        await _tell(interaction, UNKNOWN_COMMAND, "-")
        return "-"
    if isinstance(error, TooSlow):  # not a bug: the member may simply try again
        log.warning("database too slow to answer %s in time", describe(interaction))
        await _tell(interaction, SLOW_DATABASE, "-")
        return "-"
    reference = new_reference()
    log.error(
        "error %s in %s",
        reference,
        describe(interaction),
        exc_info=(type(error), error, error.__traceback__),
    )
    await _tell(interaction, apology(error, reference), reference)
    return reference


async def _tell(interaction: discord.Interaction, text: str, reference: str) -> None:
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await _drop_public_thinking(interaction)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:  # the interaction expired, or Discord is unhappy
        log.warning("could not tell the member about error %s: %s", reference, exc)


async def _drop_public_thinking(interaction: discord.Interaction) -> None:
    """After a public defer, the next follow-up would fill the public "thinking…" message;
    delete it first so the apology is a new, ephemeral message."""
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return
    with contextlib.suppress(discord.HTTPException):
        original = await interaction.original_response()
        if original.flags.loading and not original.flags.ephemeral:
            await original.delete()


async def report_event_error(event: str, args: tuple[Any, ...], error: BaseException | None) -> str:
    """Log an event handler's exception (call from inside the except block, as discord.py does)
    and, for a member's message, reply with the apology."""
    reference = new_reference()
    log.error("error %s in event %s", reference, event, exc_info=error)
    message = next((arg for arg in args if isinstance(arg, discord.Message)), None)
    if message is not None and not message.author.bot:
        try:
            await message.reply(
                apology(error, reference), mention_author=False, allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:  # e.g. no permission to send there
            log.warning("could not tell the member about error %s: %s", reference, exc)
    return reference
