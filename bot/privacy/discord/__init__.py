"""Discord adapter for privacy: /mydata."""

from bot.discord.limits import DynamicItems
from bot.privacy.discord.components import DeleteDataButton

# Persistent buttons; the cog's setup registers them, so they work after a restart.
DYNAMIC_ITEMS: DynamicItems = (DeleteDataButton,)
