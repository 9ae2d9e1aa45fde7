"""/config: per-server settings, for members with Manage Server.

`default_member_permissions` only hides the commands by default and server admins can change
that, so the permission is checked here in code as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.common import say
from bot.settings.discord import DYNAMIC_ITEMS
from bot.settings.discord.forum import TAG_NAME_MAX, forum_notes

if TYPE_CHECKING:
    from bot.discord.app import CareerBot
    from bot.settings.service import ServerSettings

NEEDS_MANAGE_SERVER = "You need the **Manage Server** permission to change CareerBot's settings."
SERVER_ONLY = "Server settings only work inside a server, not in direct messages."
TAG_WITHOUT_FORUM = (
    "Name the forum too: `/config help-forum forum:#your-forum solved-tag:...`. "
    "Nothing was changed."
)
HELP_FORUM_OFF = (
    "Help forum turned off: new posts there get no answer from me. Members can still "
    "mention me or /ask."
)
_CHANNEL_NEEDS = ("view_channel", "send_messages", "embed_links", "read_message_history")


class Config(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="CareerBot settings for this server (Manage Server)",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def _allowed(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            await say(interaction, SERVER_ONLY)
            return False
        if not interaction.permissions.manage_guild:
            await say(interaction, NEEDS_MANAGE_SERVER)
            return False
        return True

    @config.command(name="ask-channel", description="Answer every question asked in a channel")
    @app_commands.describe(channel="Where I answer every question; leave empty to turn it off")
    async def ask_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if not await self._allowed(interaction):
            return
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # a database write
        await self.bot.services.guild_settings.set_ask_channel(
            interaction.guild.id, channel.id if channel else None
        )
        if channel is None:
            await say(interaction, "Ask channel turned off. Members can still mention me or /ask.")
            return
        notes = [f"I'll answer every question in {channel.mention}."]
        missing = [
            name.replace("_", " ")
            for name in _CHANNEL_NEEDS
            if not getattr(channel.permissions_for(interaction.guild.me), name)
        ]
        if missing:
            notes.append(f"But I'm missing these permissions there: {', '.join(missing)}.")
        if not self.bot.intents.message_content:
            notes.append(
                "But this bot runs without the Message Content intent, so I only see messages "
                "that mention me; enable the intent in the Developer Portal and restart me."
            )
        await say(interaction, " ".join(notes))

    @config.command(name="mod-role", description="The role that may moderate CareerBot's answers")
    @app_commands.describe(role="Members with this role moderate; leave empty to clear it")
    async def mod_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        if not await self._allowed(interaction):
            return
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.services.guild_settings.set_mod_role(
            interaction.guild.id, role.id if role else None
        )
        if role is None:
            await say(interaction, "Moderator role cleared: members with Manage Server moderate.")
        else:
            await say(interaction, f"Members with {role.mention} can now moderate my answers.")

    @config.command(name="help-forum", description="Answer each new post in a forum channel once")
    @app_commands.describe(
        forum="The forum whose new posts I answer; leave empty to turn it off",
        solved_tag='The forum tag I put on solved posts (default "Solved")',
    )
    @app_commands.rename(solved_tag="solved-tag")
    async def help_forum(
        self,
        interaction: discord.Interaction,
        forum: discord.ForumChannel | None = None,
        solved_tag: app_commands.Range[str, 1, TAG_NAME_MAX] | None = None,
    ) -> None:
        if not await self._allowed(interaction):
            return
        assert interaction.guild is not None
        if forum is None and solved_tag is not None:
            await say(interaction, TAG_WITHOUT_FORUM)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)  # a database write
        current = await self.bot.services.guild_settings.set_help_forum(
            interaction.guild.id, forum.id if forum else None, solved_tag
        )
        if forum is None:
            await say(interaction, HELP_FORUM_OFF)
            return
        notes = [f"I'll answer each new post in {forum.mention} once, inside the post."]
        notes += forum_notes(forum, current.solved_tag, self.bot.intents.message_content)
        await say(interaction, " ".join(notes))

    @config.command(name="show", description="Show this server's CareerBot settings")
    async def show(self, interaction: discord.Interaction) -> None:
        if not await self._allowed(interaction):
            return
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        current = await self.bot.services.guild_settings.get(interaction.guild.id)
        await say(interaction, describe_settings(current))


def describe_settings(current: ServerSettings) -> str:
    channel = f"<#{current.ask_channel_id}>" if current.ask_channel_id else "not set"
    role = f"<@&{current.mod_role_id}>" if current.mod_role_id else "not set (Manage Server only)"
    forum = "not set"
    if current.help_forum_id:
        tag = discord.utils.escape_markdown(current.solved_tag)
        forum = f"<#{current.help_forum_id}> (solved tag: **{tag}**)"
    return f"Ask channel: {channel}\nModerator role: {role}\nHelp forum: {forum}"


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Config(bot))
