"""Discord adapter for answers: /ask, mentions, the ask channel, browsing, help, buttons."""

from bot.answers.discord.components import PageButton, PickButton, TopicsButton, VoteButton
from bot.discord.limits import DynamicItems

# Persistent buttons; the ask cog's setup registers them, so they work after a restart.
DYNAMIC_ITEMS: DynamicItems = (VoteButton, PageButton, PickButton, TopicsButton)
