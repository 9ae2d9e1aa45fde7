"""The component kit: the one base every button, select and form of the bot builds on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.discord.errors import report_interaction_error

Action = Callable[[discord.Interaction], Awaitable[None]]


class Guarded:
    """Runs `check` first, then the action; any exception goes to the bot's one interaction
    error handler (discord.py would only log it and leave the member with "This interaction
    failed").

    `check` returns False after it has told the member why they may not go on.
    """

    async def check(self, interaction: discord.Interaction) -> bool:
        return True

    async def guarded(self, interaction: discord.Interaction, action: Action) -> None:
        try:
            if await self.check(interaction):
                await action(interaction)
        except Exception as error:
            await report_interaction_error(interaction, error)


class GuardedItem(Guarded):
    """A button or select (mixed in before discord.ui.DynamicItem): a click runs `clicked`."""

    async def callback(self, interaction: discord.Interaction) -> None:
        await self.guarded(interaction, self.clicked)

    async def clicked(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class GuardedForm(Guarded, discord.ui.Modal):
    """A form (modal): submitting runs `submitted`, and its errors go where a click's go."""

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self.guarded(interaction, self.submitted)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any] | None = None,  # never passed: a view's hook has it
        /,
    ) -> None:
        await report_interaction_error(interaction, error)  # raised outside `guarded`

    async def submitted(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of these items that never times out (they are DynamicItems: a click is matched
    by its custom id, so it works on messages from before a restart)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view
