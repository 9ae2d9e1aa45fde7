"""/mydata: a member's own data, as a JSON file or deleted (after a confirmation).

What counts as "their data" is bot/privacy/service.py's PERSONAL_DATA (a test keeps it
complete), read and deleted by PrivacyService. Works in servers and DMs alike: the data is
keyed by the Discord user id, not by server.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.common import NO_PINGS, Reply, respond
from bot.discord.confirm import confirm_view
from bot.privacy.discord import DYNAMIC_ITEMS
from bot.privacy.discord.components import DeleteDataButton

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

EXPORT_TEXT = (
    "Here is everything CareerBot stores about you: roadmap progress, your votes on answers "
    "and knowledge edits you made as a moderator. Delete it with `/mydata delete`."
)
UNANSWERED_TEXT = (
    "Questions I could not answer are also kept, without your name, so moderators can add "
    "answers; they are deleted after {days} days."
)


def export_text(gap_retention_days: int) -> str:
    """What comes with the export: what it holds, and the one thing it cannot hold."""
    return f"{EXPORT_TEXT} {UNANSWERED_TEXT.format(days=gap_retention_days)}"


DELETE_PROMPT = (
    "Delete everything CareerBot stores about you: your roadmap progress on every track and "
    "your votes on answers? Knowledge edits you made as a moderator stay, without your name. "
    "This can't be undone."
)


def export_file(data: Mapping[str, Any], user_id: int) -> discord.File:
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    return discord.File(io.BytesIO(payload), filename=f"careerbot-mydata-{user_id}.json")


class MyData(commands.Cog):
    mydata = app_commands.Group(
        name="mydata",
        description="See or delete everything CareerBot stores about you",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @mydata.command(name="export", description="Get everything stored about you as a JSON file")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # a database read
        user_id = interaction.user.id
        data = await self.bot.services.privacy.export_user(user_id)
        await interaction.followup.send(
            export_text(self.bot.settings.gap_retention_days),
            file=export_file(data, user_id),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @mydata.command(name="delete", description="Delete everything stored about you (asks first)")
    async def delete(self, interaction: discord.Interaction) -> None:
        asker = interaction.user.id
        prompt = Reply(
            content=DELETE_PROMPT,
            view=confirm_view(DeleteDataButton(asker), asker),
            ephemeral=True,
        )
        await respond(interaction, prompt)


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons work on messages from before a restart
    await bot.add_cog(MyData(bot))
