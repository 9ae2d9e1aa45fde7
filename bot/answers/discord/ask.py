"""/ask and free-text questions (a mention of the bot, the server's ask channel, DMs)."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers.discord import DYNAMIC_ITEMS
from bot.answers.discord.components import result_reply
from bot.answers.ratelimit import RateLimiter, wait_text
from bot.answers.text import USAGE_HINT
from bot.db.engine import DatabaseUnavailable
from bot.discord.common import NO_PINGS, Reply, respond, say
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

log = logging.getLogger(__name__)

QUESTION_MAX = 1000
COOLING_DOWN = "⏳"
_MENTION = re.compile(r"<@[!&]?(\d+)>")
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
        so those keep working; the ask channel then sees empty messages and stays quiet.
        """
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _ANSWERED_TYPES:
            return
        addressed = message.guild is None or self._mentions_me(message, me.id)
        if not addressed and not await self._in_ask_channel(message):
            return
        question = self._without_my_mentions(message, me.id)
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

    @staticmethod
    def _mentions_me(message: discord.Message, my_id: int) -> bool:
        """A direct mention of the bot or its role; @everyone and @here do not count."""
        if any(user.id == my_id for user in message.mentions):
            return True
        role = message.guild.self_role if message.guild else None
        return role is not None and role in message.role_mentions

    @staticmethod
    def _without_my_mentions(message: discord.Message, my_id: int) -> str:
        role = message.guild.self_role if message.guild else None
        mine = {my_id, role.id if role else None}
        text = _MENTION.sub(lambda m: "" if int(m[1]) in mine else m[0], message.content)
        return " ".join(text.split())

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
