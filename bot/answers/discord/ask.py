"""/ask and free-text questions (a mention of the bot, the server's ask channel, DMs, a mention
in a help-forum post)."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers.ask import QUESTION_MAX
from bot.answers.discord import DYNAMIC_ITEMS
from bot.answers.discord.components import result_reply
from bot.answers.discord.forumpost import post_reply
from bot.answers.discord.places import in_help_forum, mentions_me, without_my_mentions
from bot.answers.ratelimit import RateLimiter, wait_text
from bot.answers.text import USAGE_HINT
from bot.db.engine import DatabaseUnavailable
from bot.discord.common import NO_PINGS, Reply, respond, say
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

log = logging.getLogger(__name__)

COOLING_DOWN = "⏳"
_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Ask(commands.Cog):
    """Questions in, answers out: the same reply whether asked by /ask or in a message."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.limiter = RateLimiter(bot.settings.ask_rate, bot.settings.ask_per_seconds)

    @app_commands.command(name="ask", description="Ask a question about machine-learning careers")
    @app_commands.describe(question="Your question in plain words, e.g. how do I get into MLOps?")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        if not question.strip():
            await say(interaction, USAGE_HINT)
            return
        retry_after = self.limiter.check(interaction.user.id)
        if retry_after is not None:  # checked before matching: no suggestions while cooling down
            await say(interaction, wait_text(retry_after))
            return
        await interaction.response.defer(thinking=True)  # answering writes statistics
        result = await self.bot.services.ask.ask(question, interaction.guild_id)
        await respond(
            interaction, await self.reply_for(result, interaction.guild_id, interaction.user.id)
        )

    async def reply_for(self, result: MatchResult, guild_id: int | None, asker_id: int) -> Reply:
        services = self.bot.services
        knowledge = await services.knowledge.knowledge_for(guild_id)
        popular: list[Entry] = []
        if result.outcome is Outcome.NO_MATCH and not result.smalltalk:
            popular = await services.ask.popular_topics(guild_id)
        return result_reply(result, knowledge, popular, asker_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention of the bot, a DM, or any question in the ask channel.

        Without the Message Content intent Discord still sends the text of mentions and DMs,
        so those keep working; the ask channel then sees empty messages and stays quiet. In
        the help forum the post itself is the help-forum cog's; after it only mentions get an
        answer, as members there are talking to each other.
        """
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _ANSWERED_TYPES:
            return
        addressed = message.guild is None or mentions_me(message, me.id)
        in_post = await in_help_forum(self.bot.services.guild_settings, message.channel)
        if in_post and (message.id == message.channel.id or not addressed):
            return
        if not addressed and not await self._in_ask_channel(message):
            return
        question = without_my_mentions(message, me.id)
        guild_id = message.guild.id if message.guild else None
        if not addressed:  # ask channel: stay out of greetings and chatter
            preview = (await self.bot.services.knowledge.matcher_for(guild_id)).match(question)
            if preview.outcome is Outcome.EMPTY or preview.smalltalk:
                return
        retry_after = self.limiter.check(message.author.id)
        if retry_after is not None:
            await self._cooling_down(message, retry_after)
            return
        result = await self.bot.services.ask.ask(question, guild_id)
        if in_post and result.outcome is not Outcome.EMPTY and not result.smalltalk:
            reply = post_reply(result, await self.bot.services.knowledge.knowledge_for(guild_id))
        else:
            reply = await self.reply_for(result, guild_id, message.author.id)
        await message.reply(**reply.send_kwargs(), mention_author=False)

    async def _cooling_down(self, message: discord.Message, retry_after: float) -> None:
        """Say "slow down" once per cooldown; later messages get a ⏳ reaction (never silence,
        never a wall of notes)."""
        if self.limiter.first_refusal(message.author.id, retry_after):
            await message.reply(
                wait_text(retry_after), mention_author=False, allowed_mentions=NO_PINGS
            )
            return
        with contextlib.suppress(discord.HTTPException):  # no Add Reactions permission
            await message.add_reaction(COOLING_DOWN)

    async def _in_ask_channel(self, message: discord.Message) -> bool:
        if message.guild is None or not message.content:
            return False
        try:
            config = await self.bot.services.guild_settings.get(message.guild.id)
        except DatabaseUnavailable as exc:  # mentions still work while the database is down
            log.warning("cannot read settings of server %s: %s", message.guild.id, exc)
            return False
        if config.ask_channel_id is None:
            return False
        channel = message.channel
        return config.ask_channel_id in (channel.id, getattr(channel, "parent_id", None))


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons work on messages from before a restart
    await bot.add_cog(Ask(bot))
