"""The component kit: the one base every button, select and form of the bot builds on."""

from __future__ import annotations

import discord

from bot.discord.errors import report_interaction_error


class GuardedItem:
    """Runs `check` first, then `clicked`; any exception goes to the bot's one interaction error
    handler (discord.py would only log it and leave the member with "This interaction failed").

    `check` returns False after it has told the member why they may not use the item.
    """

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if await self.check(interaction):
                await self.clicked(interaction)
        except Exception as error:
            await report_interaction_error(interaction, error)

    async def check(self, interaction: discord.Interaction) -> bool:
        return True

    async def clicked(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError
