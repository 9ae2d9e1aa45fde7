"""Discord adapter for moderation: /kb commands, forms, gaps and access checks."""

from bot.discord.limits import DynamicItems
from bot.moderation.discord.forms import FormButton, ReopenButton
from bot.moderation.discord.gaps import AliasOtherButton, AliasSelect, GapButton

# Persistent buttons and selects; the cog's setup registers them, so they work after a
# restart. Forms (modals) cannot be persistent.
DYNAMIC_ITEMS: DynamicItems = (
    FormButton,
    ReopenButton,
    GapButton,
    AliasSelect,
    AliasOtherButton,
)
