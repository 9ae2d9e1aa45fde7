"""Marking a help-forum post solved or not: the vote, the forum's "Solved" tag, closing it.

Tagging and closing someone else's post need the Manage Threads permission. Without it, or
without the tag, the vote still counts and the reply says what could not be done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import discord

from bot.answers.forum import Resolution
from bot.discord.common import services_of
from bot.settings.discord.forum import find_tag

log = logging.getLogger(__name__)

TAGS_MAX = 5  # Discord: at most 5 tags on a post
LEFT_OPEN = (
    "Thanks for telling me. I've noted that my answer didn't solve it and left the post open, "
    "so someone from the community can help."
)


@dataclass
class Closing:
    """What marking a post solved did to it, and why it did not do the rest."""

    tagged: str | None = None  # the name of the tag the post carries now
    closed: bool = False
    problems: list[str] = field(default_factory=list)


async def resolve_post(
    interaction: discord.Interaction, post: discord.Thread, entry_id: str, resolution: Resolution
) -> str:
    """Record the vote and the post's resolution; close a solved post. Returns the private
    reply for whoever pressed the button."""
    services = services_of(interaction)
    assert interaction.message is not None  # components always come with their message
    solved = resolution is Resolution.SOLVED
    await services.feedback.vote(
        interaction.message.id, interaction.user.id, post.guild.id, entry_id, solved
    )
    await services.forum_posts.resolve(post.guild.id, post.id, entry_id, resolution)
    if not solved:
        return LEFT_OPEN
    tag_name = (await services.guild_settings.get(post.guild.id)).solved_tag
    return solved_text(await close_post(post, tag_name))


def shown(tag_name: str) -> str:
    """A tag's name in bold, whatever characters it has."""
    return f"**{discord.utils.escape_markdown(tag_name)}**"


def solved_text(closing: Closing) -> str:
    if closing.tagged and closing.closed:
        done = f"I tagged the post {shown(closing.tagged)} and closed it."
    elif closing.closed:
        done = "I closed the post."
    else:
        done = "I counted my answer as helpful."
    return " ".join(["Marked as solved, thanks!", done, *closing.problems])


async def close_post(post: discord.Thread, tag_name: str) -> Closing:
    """Apply the forum's `tag_name` tag (if it has one) and archive the post."""
    forum = post.parent
    if not isinstance(forum, discord.ForumChannel):
        return Closing(problems=["I couldn't find this post's forum, so I left the post as it is."])
    if not post.permissions_for(post.guild.me).manage_threads:
        return Closing(problems=[missing_manage_threads(forum)])
    if post.archived:
        return Closing(problems=["The post was already closed, so I left it as it is."])
    closing = Closing()
    tags = list(post.applied_tags)
    tag = find_tag(forum, tag_name)
    if tag is None:
        closing.problems.append(
            f"This forum has no {shown(tag_name)} tag, so the post has none: add the tag in the "
            "forum's settings, or name your tag with `/config help-forum`."
        )
    elif tag in tags:
        closing.tagged = tag.name
    elif len(tags) >= TAGS_MAX:
        closing.problems.append(
            f"The post already has {TAGS_MAX} tags, the most Discord allows, so I couldn't add "
            f"{shown(tag.name)}."
        )
    else:
        tags.append(tag)
        closing.tagged = tag.name
    try:
        await post.edit(archived=True, applied_tags=tags)
    except discord.Forbidden:
        return Closing(problems=[missing_manage_threads(forum)])
    except discord.HTTPException as error:
        log.warning("cannot close post %s: %s", post.id, error)
        return Closing(problems=["Discord refused to tag and close the post; try again later."])
    closing.closed = True
    return closing


def missing_manage_threads(forum: discord.ForumChannel) -> str:
    return (
        "I couldn't tag or close the post: I need the **Manage Threads** permission in "
        f"{forum.mention}."
    )
