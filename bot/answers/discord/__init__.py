"""Discord adapter for answers: /ask, mentions, the ask channel, help forums, browsing, help,
buttons."""

from bot.answers.discord.components import PageButton, PickButton, TopicsButton, VoteButton
from bot.answers.discord.forumpost import PostPickButton, ResolveButton
from bot.discord.limits import DynamicItems

# Persistent buttons; the ask cog's setup registers them, so they work after a restart.
DYNAMIC_ITEMS: DynamicItems = (
    VoteButton,
    PageButton,
    PickButton,
    TopicsButton,
    ResolveButton,
    PostPickButton,
)
