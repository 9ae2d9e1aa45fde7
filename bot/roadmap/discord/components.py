"""Buttons under /roadmap replies (Mark done, Share, the reset confirmation) and the replies
that carry them.

Like bot/discord/views.py, every button is a DynamicItem whose custom id holds all it needs,
so clicks work on messages from before a restart. A click acts on the clicker's own progress;
only the reset confirmation also names the asker, because it must refuse anyone else.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.answers.discord.components import FirstClicks, answer_parts
from bot.discord.common import Reply, bot_of, knowledge_now, respond, say, services_of
from bot.discord.components import GuardedItem, persistent_view
from bot.discord.confirm import AskerOnly, confirm_view, finish
from bot.discord.limits import CUSTOM_ID_MAX, Button
from bot.knowledge.base import KnowledgeBase
from bot.roadmap.card import render_png
from bot.roadmap.discord.embeds import (
    already_text,
    card_filename,
    finished_text,
    fit_embed,
    next_embed,
    progress_embed,
    reset_done_text,
    reset_prompt_text,
    set_text,
    shared_embed,
)
from bot.roadmap.fit import FitReport
from bot.roadmap.fitcard import FIT_FILENAME, render_fit_png
from bot.roadmap.progress import TrackView, next_skill
from bot.roadmap.service import AlreadySet, Candidates, Changed, RoadmapError
from bot.roadmap.tracks import Track

DONE_PREFIX = "careerbot:rm-done:"
SHARED_ALREADY = (
    "You already shared this card. Run `/roadmap view` again to share your progress as it is now."
)
SHARES = FirstClicks()  # (message, member): each progress card is shared at most once
GONE = (
    "That roadmap item is no longer in its track, so nothing changed. Find it with `/roadmap done`."
)


@dataclass
class FileReply(Reply):
    """A Reply with attachments, given as (filename, bytes): a fresh discord.File per send."""

    files: list[tuple[str, bytes]] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        kwargs = super().send_kwargs()
        if self.files:
            kwargs["files"] = [discord.File(io.BytesIO(data), filename=n) for n, data in self.files]
        return kwargs


@asynccontextmanager
async def explained(interaction: discord.Interaction) -> AsyncIterator[None]:
    """A RoadmapError (unknown track or item, e.g. removed since the message was sent) becomes
    its message to the member; nothing was changed. Everything else goes to the error handler."""
    try:
        yield
    except RoadmapError as exc:
        await say(interaction, str(exc))


# --- replies ---------------------------------------------------------------------------------


async def card_files(view: TrackView, subtitle: str | None = None) -> list[tuple[str, bytes]]:
    """The PNG card, rendered off the event loop (~40 ms of Pillow)."""
    png = await asyncio.to_thread(render_png, view, subtitle)
    return [(card_filename(view.track), png)]


async def progress_reply(view: TrackView, *, images: bool) -> FileReply:
    """/roadmap view: the text card, the PNG card when images are on, and Share."""
    image = card_filename(view.track) if images else None
    return FileReply(
        embeds=[progress_embed(view, image)],
        view=persistent_view(ShareButton(view.track.id)),
        ephemeral=True,
        files=await card_files(view) if images else [],
    )


async def shared_reply(view: TrackView, name: str, *, images: bool) -> FileReply:
    """The public post: the member's name and their card; no buttons."""
    image = card_filename(view.track) if images else None
    return FileReply(
        embeds=[shared_embed(view, name, image)],
        files=await card_files(view, name) if images else [],
    )


async def fit_reply(report: FitReport, *, images: bool) -> FileReply:
    """/roadmap fit: the text per role and, when images are on, the bar chart beside it."""
    files = [(FIT_FILENAME, await asyncio.to_thread(render_fit_png, report))] if images else []
    image = FIT_FILENAME if images else None
    return FileReply(embeds=[fit_embed(report, image)], ephemeral=True, files=files)


def next_reply(view: TrackView, knowledge: KnowledgeBase, note: str | None = None) -> Reply:
    """The next open item and the first answer that helps with it, with Mark done on the first
    row and the answer's own buttons (pages, Helpful / Not helpful) on the second; `note` goes
    above (e.g. what a click just changed)."""
    found = next_skill(view, knowledge)
    if found is None:
        text = finished_text(view.track)
        return Reply(content=f"{note}\n{text}" if note else text, ephemeral=True)
    embeds = [next_embed(found, found.entries)]
    items: list[discord.ui.Item[Any]] = [MarkDoneButton(found.track.id, found.skill.id, row=0)]
    if found.entries:
        answer, answer_items = answer_parts(found.entries[0], knowledge)
        embeds.append(answer)
        for item in answer_items:
            item.row = 1
        items += answer_items
    return Reply(content=note, embeds=embeds, view=persistent_view(*items), ephemeral=True)


def reset_reply(asker_id: int, track: Track, view: TrackView) -> Reply:
    return Reply(
        content=reset_prompt_text(track, view),
        view=confirm_view(ResetButton(asker_id, track.id), asker_id),
        ephemeral=True,
    )


# --- buttons ---------------------------------------------------------------------------------


class MarkDoneButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:rm-done:(?:(?P<track>[a-z0-9-]+):)?(?P<item>[a-z0-9-]+)",
):
    """Marks the item (a skill) done for the clicker; the message then shows what comes next.

    Ids may reach 32 + 64 characters, more than fits after the prefix; then the custom id
    holds only the skill id, which is unique across tracks. An old id a skill `replaces`
    still finds it, so buttons on messages from before a rename keep working.
    """

    def __init__(self, track_id: str | None, item_id: str, *, row: int | None = None) -> None:
        custom_id = f"{DONE_PREFIX}{track_id}:{item_id}"
        if track_id is None or len(custom_id) > CUSTOM_ID_MAX:
            custom_id, track_id = f"{DONE_PREFIX}{item_id}", None
        super().__init__(
            discord.ui.Button(
                label="Mark done",
                emoji="✅",
                style=discord.ButtonStyle.success,
                custom_id=custom_id,
            ),
            row=row,
        )
        self.track_id, self.item_id = track_id, item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MarkDoneButton:
        return cls(match["track"], match["item"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # a database write; then the message updates in place
        services = services_of(interaction)
        reference = f"{self.track_id}:{self.item_id}" if self.track_id else self.item_id
        async with explained(interaction):
            match await services.roadmaps.mark(interaction.user.id, reference, "done", exact=True):
                case Candidates():  # gone from its track, or its id is in several tracks
                    await say(interaction, GONE)
                    return
                case AlreadySet(choice, view):
                    note = already_text(choice, "done")
                case Changed(choice, view, missing):
                    note = set_text(choice, "done", view, missing, hint_next=False)  # next follows
            knowledge = await knowledge_now(services, interaction.guild_id)
            reply = next_reply(view, knowledge, note)
            await interaction.edit_original_response(**reply.edit_kwargs())


class ShareButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:rm-share:(?P<track>[a-z0-9-]+)",
):
    """Posts the clicker's current progress card publicly in the channel (pings nobody), once
    per card and member: clicking again does not post again."""

    def __init__(self, track_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Share",
                emoji="📣",
                style=discord.ButtonStyle.secondary,
                custom_id=f"careerbot:rm-share:{track_id}",
            )
        )
        self.track_id = track_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ShareButton:
        return cls(match["track"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        message_id = interaction.message.id if interaction.message else None
        key = (message_id, interaction.user.id)
        if not SHARES.first(key):
            await say(interaction, SHARED_ALREADY)
            return
        try:
            await self.share(interaction)
        except BaseException:
            SHARES.forget(key)  # nothing was posted: the member may try again
            raise

    async def share(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # the database read and the PNG take a moment
        async with explained(interaction):
            view = await services_of(interaction).roadmaps.view(interaction.user.id, self.track_id)
            images = bot_of(interaction).settings.roadmap_images
            reply = await shared_reply(view, interaction.user.display_name, images=images)
            await respond(interaction, reply)  # a new, public follow-up message


class ResetButton(
    AskerOnly,
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:rm-reset:(?P<asker>\d{1,20}):(?P<track>[a-z0-9-]+)",
):
    """Confirms /roadmap reset: clears the asker's progress on the track."""

    def __init__(self, asker_id: int, track_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Clear my progress",
                style=discord.ButtonStyle.danger,
                custom_id=f"careerbot:rm-reset:{asker_id}:{track_id}",
            )
        )
        self.asker_id, self.track_id = asker_id, track_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ResetButton:
        return cls(int(match["asker"]), match["track"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # a database write
        roadmaps = services_of(interaction).roadmaps
        async with explained(interaction):
            track = roadmaps.track(self.track_id)
            await roadmaps.reset(self.asker_id, track.id)
            await finish(interaction, reset_done_text(track))
