"""The buttons under /kb gaps: "Add #n" opens the add form with the question filled in,
"Alias #n" offers the closest entries to teach the question to (or asks for an id).

They are `DynamicItem`s: the custom id holds the days listed and a hash of the question (a
question has up to 1,000 characters, a custom id 100), and a click looks the question up
again, so the buttons work on messages from before a restart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.answers.lookup import search
from bot.discord.common import Reply, guild_of, in_time, respond, say, services_of
from bot.discord.components import persistent_view
from bot.discord.limits import (
    FIELD_HINT_MAX,
    ROW_MAX,
    SELECT_OPTION_MAX,
    SELECT_OPTIONS_MAX,
    Button,
    Select,
    TextInput,
    clip,
)
from bot.knowledge.models import MAX_ID, Entry
from bot.moderation.discord.access import ModeratorForm, ModeratorItem, reject, saved
from bot.moderation.discord.forms import FORM_SECONDS, open_entry_form
from bot.moderation.discord.text import gap_key
from bot.moderation.insights import Gap
from bot.moderation.rules import KnowledgeEditError

GAP_LOOKUP = 200  # gaps searched when a button names one by its hash
ALIAS_CHOICES = 10
GAPS_MAX = 10  # two buttons each, five to a row: four rows
_DAYS_KEY = r"(?P<days>\d{1,3}):(?P<key>[0-9a-f]{16})"
GAP_GONE = "That question is no longer in the list. Run `/kb gaps` again for the current one."


async def find_gap(interaction: discord.Interaction, days: int, key: str) -> Gap | None:
    """The gap whose text hashes to `key` (buttons carry the hash, not the text). Read before
    the click has a response (it may open a form), so within common.in_time's budget."""
    gaps = await in_time(
        interaction,
        services_of(interaction).insights.gaps(
            interaction.guild_id, days, GAP_LOOKUP, open_only=False
        ),
    )
    return next((gap for gap in gaps if gap_key(gap.text) == key), None)


async def closest_entries(interaction: discord.Interaction, text: str) -> list[Entry]:
    """What the matcher found nearest to the question, then titles that look alike."""
    knowledge_service = services_of(interaction).knowledge
    matcher = await in_time(interaction, knowledge_service.matcher_for(interaction.guild_id))
    found = [candidate.entry for candidate in matcher.match(text).candidates]
    found += search(matcher.knowledge, text, ALIAS_CHOICES)
    unique = {entry.id: entry for entry in found}
    return list(unique.values())[:ALIAS_CHOICES]


class GapButton(
    ModeratorItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:kbgap:(?P<action>add|alias):" + _DAYS_KEY,
):
    """The "Add #n" button opens the add form with the question filled in; "Alias #n" offers the
    closest entries to teach that question to."""

    def __init__(
        self, action: str, days: int, key: str, number: int = 0, row: int | None = None
    ) -> None:
        label = f"{'Add' if action == 'add' else 'Alias'} #{number}"
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="➕" if action == "add" else "🔗",
                style=discord.ButtonStyle.secondary,
                custom_id=f"careerbot:kbgap:{action}:{days}:{key}",
            ),
            row=row,
        )
        self.action, self.days, self.key = action, days, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> GapButton:
        return cls(match["action"], int(match["days"]), match["key"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        gap = await find_gap(interaction, self.days, self.key)
        if gap is None:
            await say(interaction, GAP_GONE)
        elif self.action == "add":
            await open_entry_form(interaction, None, gap.text)
        else:
            await offer_alias(interaction, gap, self.days, self.key)


async def offer_alias(interaction: discord.Interaction, gap: Gap, days: int, key: str) -> None:
    """A select of the closest entries (and "Another entry…"); none close: ask for the id."""
    closest = await closest_entries(interaction, gap.text)
    if not closest:
        await interaction.response.send_modal(AliasForm(gap.text))
        return
    view = persistent_view(AliasSelect(days, key, closest), AliasOtherButton(days, key))
    question = clip(discord.utils.escape_markdown(gap.text), 500)
    content = f"Which entry should answer **{question}**?"
    await respond(interaction, Reply(content=content, view=view, ephemeral=True))


async def add_alias(interaction: discord.Interaction, entry_id: str, phrase: str) -> None:
    """Save an alias for a moderator already checked (the interaction is not answered yet)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        change = await services_of(interaction).moderation.alias(
            guild_of(interaction), entry_id, phrase, interaction.user.id
        )
    except KnowledgeEditError as error:
        await reject(interaction, error)
        return
    await saved(interaction, change)


class AliasSelect(
    ModeratorItem,
    discord.ui.DynamicItem[Select],
    template=r"careerbot:kbalias:" + _DAYS_KEY,
):
    """The closest entries to a gap's question; picking one adds the question to it."""

    def __init__(self, days: int, key: str, entries: Sequence[Entry] = ()) -> None:
        options = [
            discord.SelectOption(
                label=clip(entry.title, SELECT_OPTION_MAX), value=entry.id, description=entry.id
            )
            for entry in entries[:SELECT_OPTIONS_MAX]
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"careerbot:kbalias:{days}:{key}",
                placeholder="Pick the entry that answers it",
                options=options or [discord.SelectOption(label="-")],
            )
        )
        self.days, self.key = days, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AliasSelect:
        return cls(int(match["days"]), match["key"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        values = self.item.values  # the options picked in this click
        gap = await find_gap(interaction, self.days, self.key)
        if gap is None or not values:
            await say(interaction, GAP_GONE)
            return
        await add_alias(interaction, values[0], gap.text)


class AliasOtherButton(
    ModeratorItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:kbalias-id:" + _DAYS_KEY,
):
    """None of the offered entries fits: type the entry id."""

    def __init__(self, days: int, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Another entry…",
                style=discord.ButtonStyle.secondary,
                custom_id=f"careerbot:kbalias-id:{days}:{key}",
            )
        )
        self.days, self.key = days, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AliasOtherButton:
        return cls(int(match["days"]), match["key"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        gap = await find_gap(interaction, self.days, self.key)
        if gap is None:
            await say(interaction, GAP_GONE)
            return
        await interaction.response.send_modal(AliasForm(gap.text))


class AliasForm(ModeratorForm):
    """Asks which entry (by id) should answer a gap's question."""

    def __init__(self, phrase: str) -> None:
        super().__init__(title="Which entry answers it?", timeout=FORM_SECONDS)
        self.phrase = phrase
        self.entry: TextInput = discord.ui.TextInput(
            custom_id="entry", max_length=MAX_ID, placeholder="e.g. mlops-engineer"
        )
        self.add_item(
            discord.ui.Label(
                text="Entry id",
                description=clip(f"It will also answer: {phrase}", FIELD_HINT_MAX),
                component=self.entry,
            )
        )

    async def submitted(self, interaction: discord.Interaction) -> None:
        await add_alias(interaction, self.entry.value, self.phrase)


def gaps_view(days: int, keys: Sequence[str]) -> discord.ui.View | None:
    """Add #n buttons, then Alias #n buttons, five to a row (at most ten gaps)."""
    if not keys:
        return None
    shown = list(keys)[:GAPS_MAX]
    rows = -(-len(shown) // ROW_MAX)
    return persistent_view(
        *(
            GapButton(action, days, key, index + 1, offset + index // ROW_MAX)
            for offset, action in ((0, "add"), (rows, "alias"))
            for index, key in enumerate(shown)
        )
    )
