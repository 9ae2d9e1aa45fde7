"""The confirmation under /mydata delete, and what it says once done."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import discord

from bot.discord.common import services_of
from bot.discord.components import GuardedItem
from bot.discord.confirm import AskerOnly, finish
from bot.discord.limits import Button

# what delete_user's per-table counts mean to a member
TABLE_WORDS = {
    "skill_progress": "roadmap progress entries",
    "answer_votes": "votes on answers",
    "kb_revisions": "knowledge edits now without your name",
}


def deleted_text(counts: Mapping[str, int]) -> str:
    parts = [f"{counts[table]} {text}" for table, text in TABLE_WORDS.items() if counts.get(table)]
    if not parts:
        return "Done: CareerBot had nothing stored about you (and has nothing now)."
    return f"Deleted everything CareerBot stored about you ({', '.join(parts)})."


class DeleteDataButton(
    AskerOnly,
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
        await interaction.response.defer()  # a database write; then the prompt shows the outcome
        counts = await services_of(interaction).privacy.delete_user(self.asker_id)
        await finish(interaction, deleted_text(counts))
