"""Discord's hard limits and the component types every feature's adapter shares.

Limits from the developer documentation (Message, Embed, Components, Application Commands,
Interactions); Discord answers 400 to a message that breaks one. Texts are fitted with `clip`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

# Messages and embeds
CONTENT_MAX = 2000  # message content
EMBEDS_TOTAL_MAX = 6000  # title + description + fields + footer + author, all embeds together
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048

# Components
ROWS_MAX = 5  # action rows on a message
ROW_MAX = 5  # buttons in one action row
BUTTONS_MAX = ROWS_MAX * ROW_MAX
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_MAX = 100  # an option's label, value and description
MODAL_TITLE_MAX = 45
FIELD_HINT_MAX = 100  # the description under a modal's field
TEXT_INPUT_MAX = 4000  # a modal text input's value

# Application commands
CHOICES_MAX = 25  # autocomplete choices
CHOICE_MAX = 100  # a choice's name, and a string choice's value

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]
TextInput = discord.ui.TextInput[Any]
DynamicItems = tuple[type[discord.ui.DynamicItem[Any]], ...]
Typed = app_commands.Range[str, 1, CHOICE_MAX]  # an option typed or picked from autocomplete
Completer = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
