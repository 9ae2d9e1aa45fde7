"""What every cog and button shares: a reply that pings nobody, and fast access to services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from bot.db.models import NO_GUILD
from bot.knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from bot.discord.app import CareerBot
    from bot.services import Services

# Every message pings nobody: no @everyone, roles or users from member or knowledge text. Passed
# explicitly on each send and edit too, because an edit without it falls back to the defaults.
NO_PINGS = discord.AllowedMentions.none()
KNOWLEDGE_BUDGET = 1.0  # seconds a click may wait for a server's knowledge before using memory
# Seconds of database reads an interaction may spend before its first response, where it
# cannot defer (a form must be the first response): Discord allows 3 s from its creation.
ANSWER_BUDGET = 2.0
_ANSWER_BY = "careerbot:answer-by"  # key in Interaction.extras: the loop time of the deadline
T = TypeVar("T")


class TooSlow(Exception):
    """Database reads before an interaction's first response overran ANSWER_BUDGET. The
    interaction error handler answers it with SLOW_DATABASE (bot.discord.errors)."""


@dataclass
class Reply:
    """One message to send: content and/or embeds, the buttons under them, visibility."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = False

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": NO_PINGS}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Replaces everything: content, embeds and buttons (None removes them)."""
        return {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "allowed_mentions": NO_PINGS,
        }


async def respond(interaction: discord.Interaction, reply: Reply) -> None:
    """Send `reply` as the interaction's response, or as a follow-up once it has one."""
    if interaction.response.is_done():
        await interaction.followup.send(**reply.send_kwargs(), ephemeral=reply.ephemeral)
    else:
        await interaction.response.send_message(**reply.send_kwargs(), ephemeral=reply.ephemeral)


async def say(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """A short text reply (notes, refusals)."""
    await respond(interaction, Reply(content=text, ephemeral=ephemeral))


def bot_of(interaction: discord.Interaction) -> CareerBot:
    return cast("CareerBot", interaction.client)


def services_of(interaction: discord.Interaction) -> Services:
    return bot_of(interaction).services


def guild_of(interaction: discord.Interaction) -> int:
    """The server the interaction came from; NO_GUILD (0) in a direct message, as stored."""
    return interaction.guild_id or NO_GUILD


async def within(seconds: float, work: Awaitable[T]) -> T:
    """`work`'s result, or TimeoutError after `seconds`. A late `work` is not cancelled
    (cancelling a query midway can cost a pooled connection): it finishes in the background
    and its result is dropped."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), seconds)
    except TimeoutError:
        task.add_done_callback(_consume)
        raise


async def knowledge_now(services: Services, guild_id: int | None) -> KnowledgeBase:
    """The server's current knowledge; if its database check is slow, the last known one.

    Interactions must be answered within 3 seconds; a slow database must not cost that.
    """
    try:
        return await within(KNOWLEDGE_BUDGET, services.knowledge.knowledge_for(guild_id))
    except TimeoutError:
        return services.knowledge.knowledge_in_memory(guild_id)


async def in_time(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """Await `work` (a database read) before answering an interaction that cannot defer first,
    e.g. because its answer is a form. Every such read of one interaction shares one deadline,
    ANSWER_BUDGET after the first; past it raise TooSlow, so the member still gets an answer
    in time. A late read finishes in the background and its result is dropped.

    Once the interaction has its response, `work` is simply awaited.
    """
    if interaction.response.is_done():
        return await work
    loop = asyncio.get_running_loop()
    deadline = interaction.extras.setdefault(_ANSWER_BY, loop.time() + ANSWER_BUDGET)
    try:
        return await within(max(deadline - loop.time(), 0.0), work)
    except TimeoutError:
        raise TooSlow from None


def _consume(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(BaseException):
        task.result()
