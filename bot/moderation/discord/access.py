"""Who may moderate a server's knowledge, checked in code on every /kb command, form submit
and click (Discord's `default_member_permissions` only hides commands, and server admins can
change it), and the replies every change ends with.
"""

from __future__ import annotations

import discord

from bot.answers.discord.components import answer_reply
from bot.discord.common import Reply, in_time, respond, say, services_of
from bot.discord.components import Guarded, GuardedForm, GuardedItem
from bot.discord.limits import clip
from bot.moderation.discord.text import rejected_embed
from bot.moderation.permissions import member_may_moderate
from bot.moderation.rules import KnowledgeEditError
from bot.moderation.service import Change

NOT_A_MODERATOR = (
    "Only knowledge moderators can do that: members with the **Manage Server** permission or "
    "the moderator role set with `/config mod-role`. Nothing was changed."
)
SERVER_ONLY = "Knowledge moderation only works inside a server, not in direct messages."
SAVED = {
    "add": "Added `{id}` (revision #{rev}). Members in this server get it from their next "
    "question.",
    "edit": "Saved your changes to `{id}` (revision #{rev}).",
    "alias": "`{id}` now also answers that question (revision #{rev}).",
    "unalias": "Took that question back from `{id}` (revision #{rev}).",
    "hide": "Hid `{id}` in this server (revision #{rev}). `/kb unhide` brings it back.",
    "unhide": "`{id}` is visible again (revision #{rev}).",
    "remove": "Removed `{id}` (revision #{rev}). `/kb revert` can bring it back.",
    "revert": "Reverted `{id}` (saved as revision #{rev}).",
}


# ---- who may moderate -----------------------------------------------------------------------


async def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server, or the server's moderator role; never outside a server."""
    if interaction.guild_id is None:
        return False
    user = interaction.user
    roles = [role.id for role in user.roles] if isinstance(user, discord.Member) else []
    return await member_may_moderate(
        services_of(interaction).guild_settings,
        interaction.guild_id,
        interaction.permissions.manage_guild,
        roles,
    )


async def ensure_moderator(interaction: discord.Interaction) -> bool:
    """True for a moderator; anyone else gets an ephemeral refusal and False.

    Before the interaction has a response (a form may have to be its first one), a slow
    database raises TooSlow rather than missing Discord's 3 seconds (see common.in_time).
    """
    if interaction.guild_id is None:
        await say(interaction, SERVER_ONLY)
        return False
    if await in_time(interaction, is_moderator(interaction)):
        return True
    await say(interaction, NOT_A_MODERATOR)
    return False


async def begin(interaction: discord.Interaction) -> bool:
    """Defer privately (what follows reads or writes the database), then check the member."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    return await ensure_moderator(interaction)


def not_found(entry_id: str) -> str:
    shown = clip(entry_id.strip().replace("`", "'"), 64)  # inside a code span
    return f"There is no entry `{shown}` in this server. Start typing the id to pick one."


# ---- replies after a change -------------------------------------------------------------------


async def reject(
    interaction: discord.Interaction, error: KnowledgeEditError, view: discord.ui.View | None = None
) -> None:
    await respond(
        interaction, Reply(embeds=[rejected_embed(error.issues)], view=view, ephemeral=True)
    )


async def saved(interaction: discord.Interaction, change: Change) -> None:
    """What changed, and the entry as members now see it: every page of a long answer (with
    Previous / Next), but no vote buttons, so a moderator's preview never counts as a vote."""
    text = SAVED[change.action].format(id=change.entry_id, rev=change.revision_id)
    reply = Reply(content=text, ephemeral=True)
    if change.entry is not None:
        knowledge = await services_of(interaction).knowledge.knowledge_for(interaction.guild_id)
        reply = answer_reply(change.entry, knowledge, ephemeral=True, votes=False)
        reply.content = text
    await respond(interaction, reply)


class ModeratorOnly(Guarded):
    """Only a knowledge moderator may use it; anyone else is told so."""

    async def check(self, interaction: discord.Interaction) -> bool:
        return await ensure_moderator(interaction)


class ModeratorItem(ModeratorOnly, GuardedItem):
    """A button or select for knowledge moderators only."""


class ModeratorForm(ModeratorOnly, GuardedForm):
    """A form for knowledge moderators only (checked again on submit: roles change)."""
