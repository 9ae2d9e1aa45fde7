"""Discord adapter for roadmaps: /roadmap commands, progress embeds and their buttons."""

from bot.discord.limits import DynamicItems
from bot.roadmap.discord.components import MarkDoneButton, ResetButton, ShareButton

# Persistent buttons; the cog's setup registers them, so they work after a restart.
DYNAMIC_ITEMS: DynamicItems = (MarkDoneButton, ShareButton, ResetButton)
