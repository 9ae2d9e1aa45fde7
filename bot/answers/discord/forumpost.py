"""The bot's reply inside a help-forum post, and its buttons.

The reply is the normal answer (votes, related topics) plus **Solved** / **Not solved**, "did
you mean" topics, or a short note that people will help. Only the post's author, or a
knowledge moderator, may press Solved or Not solved, and only the author turns the suggestions
into an answer: the post is theirs. Everything a button needs is in its custom id or the post
itself, so the buttons work after a restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.answers.discord.components import GONE, answer_parts, answer_reply
from bot.answers.discord.embeds import suggest_embed
from bot.answers.discord.solved import resolve_post
from bot.answers.forum import Resolution
from bot.discord.common import Reply, knowledge_now, respond, say, services_of
from bot.discord.components import GuardedItem, persistent_view
from bot.discord.limits import BUTTON_LABEL_MAX, BUTTONS_MAX, Button, clip
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome
from bot.moderation.permissions import member_may_moderate

LEFT_FOR_PEOPLE = (
    "I don't have a good answer for this one, so I'll leave it to the community: someone here "
    "will help soon."
)
NOT_THE_ASKER = (
    "Only the person who opened this post, or a knowledge moderator, can mark it. If my "
    "answer helped you too, press **Helpful**."
)
NOT_A_POST = "This button only works inside a help-forum post."
RESOLVE_ID = r"careerbot:post:(?P<solved>[01]):(?P<entry>[a-z0-9-]+)"
RESOLVE_ROW = 1  # under the answer's own buttons (Previous / Next, Helpful / Not helpful)


def post_reply(result: MatchResult, knowledge: KnowledgeBase) -> Reply:
    """The reply to a help-forum post: an answer that can be marked solved, topics to pick
    from, or a note that people will help (naming no topics: they would be guesses)."""
    if result.entry is not None:
        return post_answer(result.entry, knowledge)
    if result.outcome is Outcome.SUGGEST:
        entries = [candidate.entry for candidate in result.suggestions][:BUTTONS_MAX]
        view = persistent_view(*(PostPickButton(entry) for entry in entries))
        return Reply(embeds=[suggest_embed(entries)], view=view)
    return Reply(content=LEFT_FOR_PEOPLE)


def post_answer(entry: Entry, knowledge: KnowledgeBase) -> Reply:
    """The normal answer with Solved / Not solved on a row of their own."""
    embed, items = answer_parts(entry, knowledge)
    for solved in (True, False):
        button = ResolveButton(entry.id, solved)
        button.item.row = RESOLVE_ROW
        items.append(button)
    return Reply(embeds=[embed], view=persistent_view(*items))


async def may_act_for_post(interaction: discord.Interaction, post: discord.Thread) -> bool:
    """The post's author (who opened it), or a knowledge moderator of the server."""
    if interaction.user.id == post.owner_id:
        return True
    user = interaction.user
    roles = [role.id for role in user.roles] if isinstance(user, discord.Member) else []
    return await member_may_moderate(
        services_of(interaction).guild_settings,
        interaction.guild_id,
        interaction.permissions.manage_guild,
        roles,
    )


def _post_of(interaction: discord.Interaction) -> discord.Thread | None:
    channel = interaction.channel
    return channel if isinstance(channel, discord.Thread) else None


class ResolveButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=RESOLVE_ID,
):
    """Solved / Not solved under the answer to a post: a helpful or not-helpful vote for the
    topic; Solved also tags the post and closes it."""

    def __init__(self, entry_id: str, solved: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Solved" if solved else "Not solved",
                emoji="✅" if solved else "❔",
                style=discord.ButtonStyle.success if solved else discord.ButtonStyle.secondary,
                custom_id=f"careerbot:post:{int(solved)}:{entry_id}",
            )
        )
        self.entry_id, self.solved = entry_id, solved

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ResolveButton:
        return cls(match["entry"], match["solved"] == "1")

    async def check(self, interaction: discord.Interaction) -> bool:
        """Privately: answered after a defer (the moderator check may read the database)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        post = _post_of(interaction)
        if post is None:
            await say(interaction, NOT_A_POST)
            return False
        if not await may_act_for_post(interaction, post):
            await say(interaction, NOT_THE_ASKER)
            return False
        return True

    async def clicked(self, interaction: discord.Interaction) -> None:
        post = _post_of(interaction)
        assert post is not None  # checked in `check`
        resolution = Resolution.SOLVED if self.solved else Resolution.NOT_SOLVED
        await say(interaction, await resolve_post(interaction, post, self.entry_id, resolution))


class PostPickButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:postpick:(?P<entry>[a-z0-9-]+)",
):
    """One "did you mean" topic under a post. The author's click turns the reply into that
    answer, with Solved / Not solved; anyone else sees the answer just for themselves."""

    def __init__(self, entry: Entry | str) -> None:
        entry_id = entry if isinstance(entry, str) else entry.id
        title = entry if isinstance(entry, str) else entry.title
        super().__init__(
            discord.ui.Button(
                label=clip(title, BUTTON_LABEL_MAX),
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:postpick:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PostPickButton:
        return cls(match["entry"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        knowledge = await knowledge_now(services, interaction.guild_id)
        entry = knowledge.get(self.entry_id)
        if entry is None:
            await say(interaction, GONE)
            return
        post = _post_of(interaction)
        if post is not None and interaction.user.id == post.owner_id:
            await interaction.response.edit_message(**post_answer(entry, knowledge).edit_kwargs())
            await services.forum_posts.picked(post.id, entry.id)
        else:
            await respond(interaction, answer_reply(entry, knowledge, ephemeral=True))
        await services.ask.record_answer(interaction.guild_id, entry.id)  # after answering
