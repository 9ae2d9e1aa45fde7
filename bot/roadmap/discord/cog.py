"""/roadmap: a member's own progress through the ML career tracks, from any server or a DM.

Progress is keyed by the Discord user id alone, so it follows a member across servers. Every
reply is ephemeral; only the Share button posts publicly. Commands defer before touching the
database. Autocomplete can't defer, so it gets one quick query (the statuses) within a time
budget, and falls back to the items without statuses when the database is slow or down.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.discord.common import Reply, knowledge_now, respond, say, services_of, within
from bot.discord.limits import CHOICE_MAX, CHOICES_MAX, Completer, Typed, clip
from bot.roadmap.discord import DYNAMIC_ITEMS
from bot.roadmap.discord.components import (
    explained,
    fit_reply,
    next_reply,
    progress_reply,
    reset_reply,
)
from bot.roadmap.discord.embeds import marking_text, tracks_embed, unknown_track_text
from bot.roadmap.progress import CLOSED, OPEN, MemberProgress, build_view
from bot.roadmap.search import rank, rank_tracks
from bot.roadmap.service import RoadmapError, RoadmapService
from bot.roadmap.text import SET_COMMANDS
from bot.roadmap.tracks import TrackSet

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

log = logging.getLogger(__name__)

AUTOCOMPLETE_BUDGET = 1.5  # seconds; Discord drops an autocomplete answered after 3
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True)
PICK_AN_ITEM = "Which item? Start typing and pick one from the list (or see `/roadmap view`)."


def offline_choices(tracks: TrackSet, current: str) -> list[Choice[str]]:
    """The same ranking over every item, without the member's statuses (no database)."""
    views = [build_view(track, MemberProgress()) for track in tracks]
    return [
        Choice(name=clip(f"{c.skill.title} · {c.track.title}", CHOICE_MAX), value=c.value)
        for c in rank(views, current, limit=CHOICES_MAX)
    ]


def item_completer(wanted: Collection[str]) -> Completer:
    """Items with the member's status marks; `wanted` statuses (open ones to mark done, closed
    ones to undo) rank first."""

    async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        roadmaps = services_of(interaction).roadmaps
        search = roadmaps.search(interaction.user.id, current, wanted=wanted, limit=CHOICES_MAX)
        try:
            found = await within(AUTOCOMPLETE_BUDGET, search)
        except Exception as exc:  # slow or down: choices without statuses beat no choices
            log.warning("roadmap autocomplete without statuses: %s", str(exc) or repr(exc))
            return offline_choices(roadmaps.tracks, current)
        return [Choice(name=clip(choice.label, CHOICE_MAX), value=choice.value) for choice in found]

    return complete


async def complete_track(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
    tracks = rank_tracks(services_of(interaction).roadmaps.tracks, current, CHOICES_MAX)
    return [
        Choice(name=clip(f"{track.title} ({len(track)} items)", CHOICE_MAX), value=track.id)
        for track in (found.item for found in tracks)
    ]


class Roadmap(commands.Cog):
    """Translates /roadmap into RoadmapService calls for the member who typed it."""

    roadmap = app_commands.Group(
        name="roadmap",
        description="Your own ML career roadmap: tracks, progress and what to do next",
        allowed_contexts=EVERYWHERE,
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @property
    def roadmaps(self) -> RoadmapService:
        return self.bot.services.roadmaps

    async def _track_id(self, interaction: discord.Interaction, typed: str | None) -> str | None:
        """The named track's id, else None for the one the member changed last; then defers
        (progress is in the database). An unknown name raises RoadmapError before deferring,
        so `explained` answers at once with the closest tracks."""
        track_id = None
        if typed is not None and typed.strip():
            named = self.roadmaps.find_track(typed)
            if named is None:
                closest = self.roadmaps.closest_tracks(typed)
                raise RoadmapError(unknown_track_text(typed, closest, self.roadmaps.tracks.ids()))
            track_id = named.id
        await interaction.response.defer(ephemeral=True, thinking=True)
        return track_id

    @roadmap.command(name="tracks", description="The roadmap tracks and how far you are on each")
    async def tracks(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        views = await self.roadmaps.overview(interaction.user.id)
        await respond(interaction, Reply(embeds=[tracks_embed(views)], ephemeral=True))

    @roadmap.command(name="view", description="Your progress on a track: steps, items, percentage")
    @app_commands.describe(track="A track; leave empty for the one you changed last")
    @app_commands.autocomplete(track=complete_track)
    async def view(self, interaction: discord.Interaction, track: Typed | None = None) -> None:
        async with explained(interaction):
            track_id = await self._track_id(interaction, track)
            view = await self.roadmaps.view(interaction.user.id, track_id)
            images = self.bot.settings.roadmap_images
            await respond(interaction, await progress_reply(view, images=images))

    @roadmap.command(
        name="fit", description="How close you are to each role, and what to learn next"
    )
    async def fit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        knowledge = await knowledge_now(self.bot.services, interaction.guild_id)
        report = await self.roadmaps.fit(interaction.user.id, knowledge)
        images = self.bot.settings.roadmap_images
        await respond(interaction, await fit_reply(report, images=images))

    async def _set(self, interaction: discord.Interaction, command: str, typed: str) -> None:
        """done / doing / skip / undo: resolve what was typed, then change that one item."""
        if not typed.strip():
            await say(interaction, PICK_AN_ITEM)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with explained(interaction):
            marking = await self.roadmaps.mark(interaction.user.id, typed, SET_COMMANDS[command])
            await say(interaction, marking_text(command, typed, marking))

    @roadmap.command(name="done", description="Mark a roadmap item done")
    @app_commands.describe(item="Start typing: items show with your status, open ones first")
    @app_commands.autocomplete(item=item_completer(OPEN))
    async def done(self, interaction: discord.Interaction, item: Typed) -> None:
        await self._set(interaction, "done", item)

    @roadmap.command(name="doing", description="Mark a roadmap item as in progress")
    @app_commands.describe(item="Start typing: items show with your status, open ones first")
    @app_commands.autocomplete(item=item_completer(OPEN))
    async def doing(self, interaction: discord.Interaction, item: Typed) -> None:
        await self._set(interaction, "doing", item)

    @roadmap.command(name="skip", description="Skip a roadmap item (it stops counting)")
    @app_commands.describe(item="Start typing: items show with your status, open ones first")
    @app_commands.autocomplete(item=item_completer(OPEN))
    async def skip(self, interaction: discord.Interaction, item: Typed) -> None:
        await self._set(interaction, "skip", item)

    @roadmap.command(name="undo", description="Set a roadmap item back to to-do")
    @app_commands.describe(item="Start typing: items you marked come first")
    @app_commands.autocomplete(item=item_completer(CLOSED))
    async def undo(self, interaction: discord.Interaction, item: Typed) -> None:
        await self._set(interaction, "undo", item)

    @roadmap.command(name="next", description="Your next roadmap item and the answer that helps")
    @app_commands.describe(track="A track; leave empty for the one you changed last")
    @app_commands.autocomplete(track=complete_track)
    async def next_item(self, interaction: discord.Interaction, track: Typed | None = None) -> None:
        async with explained(interaction):
            track_id = await self._track_id(interaction, track)
            view = await self.roadmaps.view(interaction.user.id, track_id)
            knowledge = await knowledge_now(self.bot.services, interaction.guild_id)
            await respond(interaction, next_reply(view, knowledge))

    @roadmap.command(name="reset", description="Clear your progress on a track (asks first)")
    @app_commands.describe(track="The track to start over")
    @app_commands.autocomplete(track=complete_track)
    async def reset(self, interaction: discord.Interaction, track: Typed) -> None:
        async with explained(interaction):
            track_id = await self._track_id(interaction, track)
            view = await self.roadmaps.view(interaction.user.id, track_id)
            await respond(interaction, reset_reply(interaction.user.id, view.track, view))


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons work on messages from before a restart
    await bot.add_cog(Roadmap(bot))
