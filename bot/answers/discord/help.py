"""/help: everything in one embed; the command list is read from the command tree, so commands
added by later cogs show up without touching this file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers.discord.embeds import help_embed
from bot.discord.common import Reply, respond

if TYPE_CHECKING:
    from bot.discord.app import CareerBot


class Help(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    def command_list(self) -> list[tuple[str, str]]:
        return [
            (command.qualified_name, command.description)
            for command in self.bot.tree.walk_commands()
            if isinstance(command, app_commands.Command)
        ]

    @app_commands.command(name="help", description="What CareerBot can do and how to use it")
    async def help(self, interaction: discord.Interaction) -> None:
        settings = self.bot.settings
        embed = help_embed(
            self.command_list(),
            message_content=self.bot.intents.message_content,
            rate=settings.ask_rate,
            per_seconds=settings.ask_per_seconds,
        )
        await respond(interaction, Reply(embeds=[embed], ephemeral=True))


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Help(bot))
