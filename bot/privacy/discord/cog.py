"""/mydata: a member's own data, as a JSON file or deleted (after a confirmation).

What counts as "their data" is bot/privacy/service.py's PERSONAL_DATA (a test keeps it
complete), read and deleted by PrivacyService. Works in servers and DMs alike: the data is
keyed by the Discord user id, not by server.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.common import NO_PINGS, Reply, respond, services_of
from bot.discord.components import GuardedItem
from bot.discord.confirm import Button, confirm_view, finish, is_asker
from bot.privacy.service import PrivacyService

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

EXPORT_TEXT = (
    "Here is everything CareerBot stores about you: roadmap progress, your votes on answers "
    "and knowledge edits you made as a moderator. Delete it with `/mydata delete`."
)
DELETE_PROMPT = (
    "Delete everything CareerBot stores about you: your roadmap progress on every track and "
    "your votes on answers? Knowledge edits you made as a moderator stay, without your name. "
    "This can't be undone."
)
# what delete_user's per-table counts mean to a member
TABLE_WORDS = {
    "roadmap_progress": "roadmap progress entries",
    "answer_votes": "votes on answers",
    "kb_revisions": "knowledge edits now without your name",
}


def export_file(data: Mapping[str, Any], user_id: int) -> discord.File:
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    return discord.File(io.BytesIO(payload), filename=f"careerbot-mydata-{user_id}.json")


def deleted_text(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[table]} {text}" for table, text in TABLE_WORDS.items() if counts.get(table)]
    if not parts:
        return "Done: CareerBot had nothing stored about you (and has nothing now)."
    return f"Deleted everything CareerBot stored about you ({', '.join(parts)})."


class DeleteDataButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:mydata-delete:(?P<asker>\d{1,20})",
):
    """Confirms /mydata delete for the member who asked, and only for them."""

    def __init__(self, asker_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete my data",
                style=discord.ButtonStyle.danger,
                custom_id=f"careerbot:mydata-delete:{asker_id}",
            )
        )
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DeleteDataButton:
        return cls(int(match["asker"]))

    async def clicked(self, interaction: discord.Interaction) -> None:
        if not await is_asker(interaction, self.asker_id):
            return
        await interaction.response.defer()  # a database write; then the prompt shows the outcome
        counts = await PrivacyService(services_of(interaction).sessions).delete_user(self.asker_id)
        await finish(interaction, deleted_text(counts))


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
        data = await PrivacyService(self.bot.services.sessions).export_user(user_id)
        await interaction.followup.send(
            EXPORT_TEXT,
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


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (DeleteDataButton,)


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons work after a restart
    await bot.add_cog(MyData(bot))
