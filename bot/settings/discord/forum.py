"""What /config help-forum tells a moderator about the forum: missing permissions, a missing
"Solved" tag, and reading only titles without the Message Content intent."""

from __future__ import annotations

import discord

from bot.db.models import TAG_NAME_LENGTH

TAG_NAME_MAX = TAG_NAME_LENGTH  # Discord's limit for a forum tag's name
# What the bot needs in the forum, by discord.Permissions name, and how to say it.
FORUM_NEEDS = {
    "view_channel": "view channel",
    "send_messages_in_threads": "send messages in posts",
    "embed_links": "embed links",
    "read_message_history": "read message history",
    "manage_threads": "manage threads (to tag and close solved posts)",
}


def missing_permissions(forum: discord.ForumChannel, me: discord.Member) -> list[str]:
    allowed = forum.permissions_for(me)
    return [said for name, said in FORUM_NEEDS.items() if not getattr(allowed, name)]


def find_tag(forum: discord.ForumChannel, name: str) -> discord.ForumTag | None:
    """The forum's tag called `name`, ignoring case and spacing."""
    wanted = " ".join(name.split()).casefold()
    return next(
        (tag for tag in forum.available_tags if " ".join(tag.name.split()).casefold() == wanted),
        None,
    )


def forum_notes(forum: discord.ForumChannel, solved_tag: str, message_content: bool) -> list[str]:
    """Everything that keeps the help forum from working fully, one sentence each."""
    notes: list[str] = []
    missing = missing_permissions(forum, forum.guild.me)
    if missing:
        notes.append(f"But I'm missing these permissions there: {', '.join(missing)}.")
    if find_tag(forum, solved_tag) is None:
        notes.append(
            f"The forum has no **{discord.utils.escape_markdown(solved_tag)}** tag yet: add one "
            "in its settings (or name yours with `solved-tag`); until then **Solved** closes "
            "posts without a tag."
        )
    if not message_content:
        notes.append(
            "This bot runs without the Message Content intent, so I read only each post's "
            "title; enable the intent in the Developer Portal and restart me."
        )
    return notes
