"""Help forums: each new post in the server's help forum (/config help-forum) is answered once,
inside the post.

A forum post is a thread whose opening ("starter") message has the thread's id. Discord
announces the thread (THREAD_CREATE, which discord.py dispatches once per new thread) and then
sends the starter message; the post is answered on the announcement, with the starter read
from the cache or fetched. The ask cog leaves the starter message alone and answers only
mentions later in the post, where members talk to each other.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.answers.discord.forumpost import post_reply
from bot.answers.discord.places import forum_post, in_help_forum, without_my_mentions
from bot.answers.forum import PostOutcome, post_question
from bot.matching.engine import MatchResult, Outcome

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

log = logging.getLogger(__name__)


def outcome_of(result: MatchResult) -> PostOutcome:
    if result.entry is not None:
        return PostOutcome.ANSWERED
    if result.outcome is Outcome.SUGGEST:
        return PostOutcome.SUGGESTED
    return PostOutcome.UNANSWERED


class HelpForum(commands.Cog):
    """Answers new help-forum posts; posts from before the bot started are left alone."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        # thread ids are snowflakes: a post whose id is below this was opened before we started
        self.first_new_id = discord.utils.time_snowflake(discord.utils.utcnow())

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        post = forum_post(thread)
        me = self.bot.user
        if post is None or me is None or post.id < self.first_new_id or post.owner_id == me.id:
            return
        if not await in_help_forum(self.bot.services.guild_settings, post):
            return
        starter = post.starter_message or await self._fetch_starter(post)
        if self._by_a_bot(post, starter):
            return
        await self.answer(post, without_my_mentions(starter, me.id) if starter else "")

    async def answer(self, post: discord.Thread, message: str) -> None:
        """Reply once inside the post, reading its title and opening message as the question."""
        services = self.bot.services
        guild_id = post.guild.id
        title = " ".join(post.name.split())
        result = await services.ask.ask(post_question(title, message), guild_id, noted_as=title)
        reply = post_reply(result, await services.knowledge.knowledge_for(guild_id))
        try:
            await post.send(**reply.send_kwargs())
        except discord.HTTPException as error:  # e.g. no Send Messages in Threads there
            log.warning("cannot answer post %s in server %s: %s", post.id, guild_id, error)
            return
        entry_id = result.entry.id if result.entry is not None else None
        await services.forum_posts.record(guild_id, post.id, outcome_of(result), entry_id)

    @staticmethod
    async def _fetch_starter(post: discord.Thread) -> discord.Message | None:
        """The opening message, which usually arrives just after the thread. None when it
        cannot be read (deleted, or no Read Message History): then the title is the question."""
        try:
            return await post.fetch_message(post.id)
        except discord.HTTPException as error:
            log.info("cannot read the opening message of post %s: %s", post.id, error)
            return None

    @staticmethod
    def _by_a_bot(post: discord.Thread, starter: discord.Message | None) -> bool:
        if starter is not None:
            return starter.author.bot or starter.webhook_id is not None
        owner = post.owner
        return owner is not None and owner.bot


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(HelpForum(bot))
