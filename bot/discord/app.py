"""The Discord bot: one `CareerBot`, configured by `create_bot`, features loaded as cogs."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers.quietgc import freeze_startup
from bot.config import Settings
from bot.discord.common import NO_PINGS
from bot.discord.confirm import CancelButton
from bot.discord.errors import report_event_error, report_interaction_error
from bot.discord.frontend import FRONTEND
from bot.services import Services, open_services

if TYPE_CHECKING:
    from bot.discord.observability import Observability

log = logging.getLogger(__name__)

# Each feature's Discord adapter; its `setup` adds its cog and registers its buttons.
EXTENSIONS: tuple[str, ...] = (
    "bot.answers.discord.ask",
    "bot.answers.discord.forum",
    "bot.answers.discord.browse",
    "bot.settings.discord.cog",
    "bot.answers.discord.help",
    "bot.moderation.discord.cog",
    "bot.roadmap.discord.cog",
    "bot.privacy.discord.cog",
)


class CareerTree(app_commands.CommandTree["CareerBot"]):
    """Sends every slash-command error through the one interaction error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_interaction_error(interaction, error)


class CareerBot(commands.AutoShardedBot):
    """Slash commands, free-text answers and persistent buttons over the shared services.

    `services` given: the caller owns them (tests, scripts). Not given: `setup_hook` opens them
    (migrating the database) and `close` closes them.
    """

    def __init__(
        self,
        settings: Settings,
        services: Services | None = None,
        *,
        message_content: bool = True,
        sync_on_start: bool = True,
        **options: Any,
    ) -> None:
        # no voice features: skip discord.py's "PyNaCl/davey is not installed" start-up warnings
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()
        intents.message_content = message_content
        if settings.shard_ids:  # else every shard of shard_count runs here
            options["shard_ids"] = list(settings.shard_ids)
        self.observability: Observability | None = None
        if settings.metrics_port is not None:  # METRICS_PORT: /metrics and /healthz
            from bot.discord.observability import Observability

            self.observability = Observability(settings.metrics_host, settings.metrics_port)
            options.setdefault("http_trace", self.observability.trace)
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; never used
            help_command=None,
            intents=intents,
            allowed_mentions=NO_PINGS,
            tree_cls=CareerTree,
            shard_count=settings.shard_count,
            owner_ids=set(settings.owner_ids) or None,
            **options,
        )
        self.settings = settings
        self._services = services
        self._owns_services = services is None
        self.sync_on_start = sync_on_start

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are opened in setup_hook; the bot has not logged in")
        return self._services

    async def setup_hook(self) -> None:
        if self._services is None:
            self._services = await open_services(self.settings)
        self._services.start_housekeeping()  # daily: old unanswered questions are deleted
        self.add_dynamic_items(CancelButton)  # each feature registers its own in its setup
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.observability is not None:
            await self.observability.start(self, self._services)
        if self._owns_services:
            freeze_startup()  # later garbage collections skip what start-up loaded
        if self.sync_on_start and self.syncs_commands:
            await self.sync_commands()

    @property
    def syncs_commands(self) -> bool:
        """With several processes, only the one running shard 0 syncs (they'd all send the same)."""
        return not self.settings.shard_ids or 0 in self.settings.shard_ids

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """To DEV_GUILD_ID when set (instant), otherwise globally (may take a while to show)."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to server %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
        return synced

    def gateway_connected(self) -> bool:
        """Ready, and every shard of this process connected (for /healthz)."""
        return (
            self.is_ready()
            and not self.is_closed()
            and all(not shard.is_closed() for shard in self.shards.values())
        )

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Listeners of a message event run as front end "message" (metrics label)."""
        if event_name != "message":
            super().dispatch(event_name, *args, **kwargs)
            return
        token = FRONTEND.set("message")  # the listener tasks created now copy it
        try:
            super().dispatch(event_name, *args, **kwargs)
        finally:
            FRONTEND.reset(token)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the ask cog's listener handles free text."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        await report_event_error(event_method, args, sys.exc_info()[1])

    async def close(self) -> None:
        try:
            await super().close()
            if self.observability is not None:
                await self.observability.close()
        finally:
            if self._owns_services and self._services is not None:
                await self._services.close()
                self._services = None


def create_bot(
    settings: Settings | None = None, *, services: Services | None = None, **options: Any
) -> CareerBot:
    """The fully configured bot, not connected: settings from the environment unless given.

    `options` go to CareerBot (message_content, sync_on_start) and discord.py's constructor.
    """
    return CareerBot(settings or Settings.from_env(), services, **options)
