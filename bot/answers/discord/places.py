"""Where a message was written and to whom: mentions of the bot, and help-forum posts.

Shared by the ask cog (mentions, the ask channel) and the help-forum cog (new posts), so the
two agree on which of them answers a message.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.db.engine import DatabaseUnavailable
from bot.settings.service import GuildSettingsService

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[!&]?(\d+)>")


def mentions_me(message: discord.Message, my_id: int) -> bool:
    """A direct mention of the bot or its role; @everyone and @here do not count."""
    if any(user.id == my_id for user in message.mentions):
        return True
    role = message.guild.self_role if message.guild else None
    return role is not None and role in message.role_mentions


def without_my_mentions(message: discord.Message, my_id: int) -> str:
    """The message's text without mentions of the bot, whitespace collapsed."""
    role = message.guild.self_role if message.guild else None
    mine = {my_id, role.id if role else None}
    text = _MENTION.sub(lambda m: "" if int(m[1]) in mine else m[0], message.content)
    return " ".join(text.split())


def forum_post(channel: object) -> discord.Thread | None:
    """The channel as a forum post (a thread of a forum channel), else None."""
    if isinstance(channel, discord.Thread) and isinstance(channel.parent, discord.ForumChannel):
        return channel
    return None


async def in_help_forum(settings: GuildSettingsService, channel: object) -> bool:
    """Whether `channel` is a post of its server's help forum (/config help-forum).

    While the database is down no forum counts as the help forum: mentions there are then
    answered like anywhere else, and new posts wait for people.
    """
    post = forum_post(channel)
    if post is None:
        return False
    try:
        config = await settings.get(post.guild.id)
    except DatabaseUnavailable as exc:
        log.warning("cannot read settings of server %s: %s", post.guild.id, exc)
        return False
    return config.help_forum_id == post.parent_id
