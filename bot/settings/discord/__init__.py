"""Discord adapter for server settings: /config."""

from bot.discord.limits import DynamicItems

DYNAMIC_ITEMS: DynamicItems = ()  # /config has no buttons
