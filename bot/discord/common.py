"""What every cog and button shares: a reply that pings nobody, and fast access to services."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from bot.discord.app import CareerBot
    from bot.services import Services

# Every message pings nobody: no @everyone, roles or users from member or knowledge text. Passed
# explicitly on each send and edit too, because an edit without it falls back to the defaults.
NO_PINGS = discord.AllowedMentions.none()
KNOWLEDGE_BUDGET = 1.0  # seconds a click may wait for a server's knowledge before using memory


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


def knowledge_in_memory(services: Services, guild_id: int | None) -> KnowledgeBase:
    """What the server saw last, without awaiting anything (for autocomplete)."""
    view = services.knowledge.cached_view(guild_id)
    return view.knowledge if view is not None else services.knowledge.base


async def knowledge_now(services: Services, guild_id: int | None) -> KnowledgeBase:
    """The server's current knowledge; if its database check is slow, the last known one.

    Interactions must be answered within 3 seconds; a slow database must not cost that.
    """
    task = asyncio.ensure_future(services.knowledge.knowledge_for(guild_id))
    try:
        return await asyncio.wait_for(asyncio.shield(task), KNOWLEDGE_BUDGET)
    except TimeoutError:
        task.add_done_callback(_consume)
        return knowledge_in_memory(services, guild_id)


def _consume(task: asyncio.Future[Any]) -> None:
    with contextlib.suppress(BaseException):
        task.result()
