"""Confirm / Cancel for destructive actions (clearing a track, deleting one's data).

The prompt is ephemeral, but a click is matched by custom id alone, so the asker's id is part
of every custom id and checked on each click: nobody else can confirm or cancel.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord.common import Reply, say
from bot.discord.components import Guarded, GuardedItem, persistent_view
from bot.discord.limits import Button

NOT_YOURS = "Only the member who asked can answer this."
CANCELLED = "Cancelled; nothing changed."


async def is_asker(interaction: discord.Interaction, asker_id: int) -> bool:
    """True for the member who asked; anyone else is told so (ephemerally) and gets False."""
    if interaction.user.id == asker_id:
        return True
    await say(interaction, NOT_YOURS)
    return False


async def finish(interaction: discord.Interaction, text: str) -> None:
    """After a deferred update: the prompt becomes the outcome, its buttons removed."""
    await interaction.edit_original_response(**Reply(content=text).edit_kwargs())


class AskerOnly(Guarded):
    """Only the member who asked may use it; anyone else is told so."""

    asker_id: int

    async def check(self, interaction: discord.Interaction) -> bool:
        return await is_asker(interaction, self.asker_id)


class CancelButton(
    AskerOnly,
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:cancel:(?P<asker>\d{1,20})",
):
    """Cancel under any confirmation prompt: replaces the prompt, changes nothing."""

    def __init__(self, asker_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.secondary,
                custom_id=f"careerbot:cancel:{asker_id}",
            )
        )
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CancelButton:
        return cls(int(match["asker"]))

    async def clicked(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(**Reply(content=CANCELLED).edit_kwargs())


def confirm_view(confirm: discord.ui.Item[Any], asker_id: int) -> discord.ui.View:
    """The confirm button (danger style is the caller's choice) and Cancel, in that order."""
    return persistent_view(confirm, CancelButton(asker_id))
