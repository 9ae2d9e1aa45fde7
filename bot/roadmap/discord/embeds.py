"""What /roadmap says: embeds and texts built from TrackViews, within Discord's limits.

Pure functions (no I/O), like bot/discord/embeds.py, so the wording and limits are testable
without a bot.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.answers.discord.embeds import COLOUR
from bot.discord.limits import (
    CHOICE_MAX,
    DESCRIPTION_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    TITLE_MAX,
    clip,
)
from bot.knowledge.models import Entry
from bot.roadmap import text
from bot.roadmap.card import text_bar, text_card
from bot.roadmap.fit import FitReport
from bot.roadmap.fitcard import fit_text
from bot.roadmap.progress import MARKS, NextSkill, TrackView
from bot.roadmap.search import SkillChoice
from bot.roadmap.service import AlreadySet, Candidates, Changed, Marking
from bot.roadmap.skills import Skill
from bot.roadmap.text import SET_COMMANDS, prerequisites_note, progress_line
from bot.roadmap.tracks import Track

ITEM_HINT = "Mark items with /roadmap done, doing, skip or undo"


def card_filename(track: Track) -> str:
    return f"roadmap-{track.id}.png"


def tracks_embed(views: Sequence[TrackView]) -> discord.Embed:
    """Every track with the member's progress on it: a bar, the percentage, what it's about."""
    embed = discord.Embed(title="Roadmap tracks", colour=COLOUR)
    if not views:
        embed.description = "No roadmap tracks are installed."
        return embed
    embed.description = "Open one with `/roadmap view`, or see what's next with `/roadmap next`."
    for view in views[:FIELDS_MAX]:
        value = (
            f"`{text_bar(view.percent)}` {progress_line(view)}\n"
            f"{clip(view.track.description, 300)}\n`/roadmap view {view.track.id}`"
        )
        embed.add_field(
            name=clip(view.track.title, FIELD_NAME_MAX),
            value=clip(value, FIELD_VALUE_MAX),
            inline=False,
        )
    return embed


def progress_embed(view: TrackView, image: str | None = None) -> discord.Embed:
    """The text card (per step a bar and the items with status marks) plus, when given, the
    PNG card attached as `image`."""
    card = text_card(view, markdown=True, limit=DESCRIPTION_MAX)
    embed = discord.Embed(description=card, colour=COLOUR)
    embed.set_footer(text=f"{ITEM_HINT} · next: /roadmap next {view.track.id}")
    if image is not None:
        embed.set_image(url=f"attachment://{image}")
    return embed


def shared_embed(view: TrackView, name: str, image: str | None = None) -> discord.Embed:
    """The public post of a member's progress: the PNG card, or the text card without images.

    `name` is shown as written, so mentions and markdown in it are escaped (and the post is
    sent with no pings anyway).
    """
    safe = discord.utils.escape_markdown(discord.utils.escape_mentions(name))
    title = clip(f"{safe}'s roadmap: {view.track.title}", TITLE_MAX)
    if image is None:
        description = text_card(view, markdown=True, limit=DESCRIPTION_MAX)
    else:
        description = f"`{text_bar(view.percent, 20)}` **{progress_line(view)}**"
    embed = discord.Embed(title=title, description=description, colour=COLOUR)
    if image is not None:
        embed.set_image(url=f"attachment://{image}")
    return embed.set_footer(text="Track your own with /roadmap view")


def fit_embed(report: FitReport, image: str | None = None) -> discord.Embed:
    """/roadmap fit: per role the share done and the next skills with their topics (the text
    that also stands alone without images), plus the bar chart attached as `image`."""
    embed = discord.Embed(
        title="Role fit",
        description=fit_text(report, markdown=True, limit=DESCRIPTION_MAX),
        colour=COLOUR,
    )
    if image is not None:
        embed.set_image(url=f"attachment://{image}")
    return embed.set_footer(text=f"{ITEM_HINT} · a role's steps: /roadmap view")


def next_embed(found: NextSkill, entries: Sequence[Entry]) -> discord.Embed:
    """The next open item, where it sits, and the topics that teach it."""
    status = "in progress" if found.status == "doing" else "next to do"
    embed = discord.Embed(
        title=clip(f"{MARKS[found.status]} {found.skill.title}", TITLE_MAX),
        description=f"{found.track.title} · step: {found.step.title} · {status}",
        colour=COLOUR,
    )
    if entries:
        listing = "\n".join(f"• {clip(e.title, 150)} — `/topic {e.id}`" for e in entries)
        embed.add_field(name="Learn it", value=clip(listing, FIELD_VALUE_MAX), inline=False)
    return embed.set_footer(text="Press Mark done when you've finished it")


def finished_text(track: Track) -> str:
    return text.finished_text(f"**{track.title}**")


def choice_text(choice: SkillChoice) -> str:
    return f"**{discord.utils.escape_markdown(choice.skill.title)}** ({choice.track.title})"


def set_text(
    choice: SkillChoice,
    status: str,
    view: TrackView,
    missing: Sequence[Skill] = (),
    *,
    hint_next: bool = True,
) -> str:
    """After a change: what changed, the track's progress, a gentle note about prerequisites
    not done yet and, for done, what comes next."""
    said = (
        f"{text.now_text(choice_text(choice), status)} "
        f"Progress on this track: {progress_line(view)}."
    )
    note = prerequisites_note(missing)
    if note is not None:
        said += f"\n{note}"
    upcoming = text.next_up_text(view, f"`/roadmap next {view.track.id}`")
    if hint_next and status == "done" and upcoming is not None:
        said += f"\n{upcoming}"
    return said


def already_text(choice: SkillChoice, status: str) -> str:
    return f"{text.already_text(choice_text(choice), status)}; nothing changed."


def marking_text(command: str, typed: str, marking: Marking) -> str:
    """What /roadmap done, doing, skip or undo answers, whatever mark() found."""
    status = SET_COMMANDS[command]
    match marking:
        case Candidates(candidates):
            return not_sure_text(command, typed, candidates)
        case AlreadySet(choice):
            return already_text(choice, status)
        case Changed(choice, view, missing):
            return set_text(choice, status, view, missing)


def not_sure_text(command: str, typed: str, candidates: Sequence[SkillChoice]) -> str:
    """No change made: the closest items with the exact command for each, or where to look."""
    shown = discord.utils.escape_markdown(clip(typed, 100))
    if not candidates:
        return (
            f"No roadmap item matches “{shown}”, so nothing changed. Pick one from the list "
            "while typing, or see the items with `/roadmap view`."
        )
    lines = [f"Which item do you mean by “{shown}”? Nothing changed yet. One of these:"]
    lines += [
        f"• {clip(c.label, CHOICE_MAX)} — `/roadmap {command} item:{c.value}`" for c in candidates
    ]
    return "\n".join(lines)


def unknown_track_text(typed: str, closest: Sequence[Track], track_ids: Sequence[str]) -> str:
    """Nothing changed: the closest tracks (by the shared ranker), else every track."""
    shown = discord.utils.escape_markdown(clip(typed, 100))
    if closest:
        listing = ", ".join(f"`{track.id}`" for track in closest)
        return f"There is no roadmap track “{shown}”. Did you mean {listing}?"
    known = ", ".join(f"`{track_id}`" for track_id in track_ids) or "none installed"
    return f"There is no roadmap track “{shown}”. Tracks: {known}."


def reset_prompt_text(track: Track, view: TrackView) -> str:
    items = text.items_marked(view.marked)
    return (
        f"Clear all your progress on **{track.title}** ({items} marked)? "
        f"This can't be undone.{text.stays(view)}"
    )


def reset_done_text(track: Track) -> str:
    return f"{text.cleared_text(f'**{track.title}**')} Begin again: `/roadmap next {track.id}`"
