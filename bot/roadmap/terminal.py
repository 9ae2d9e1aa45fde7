"""`/roadmap ...` in the terminal chat: the same service calls the Discord cog makes.

Registered on a ChatSession with `register_roadmap_commands(self)`; every reply is plain text.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.answers.text import plain
from bot.db.engine import DatabaseUnavailable
from bot.roadmap.card import text_card
from bot.roadmap.fitcard import fit_text
from bot.roadmap.progress import MARKS
from bot.roadmap.search import SkillChoice
from bot.roadmap.service import AlreadySet, Candidates, Changed, RoadmapError, RoadmapService
from bot.roadmap.text import (
    SET_COMMANDS,
    already_text,
    cleared_text,
    finished_text,
    next_up_text,
    now_text,
    prerequisites_note,
    progress_line,
    reset_prompt,
)
from bot.roadmap.tracks import Track

if TYPE_CHECKING:
    from bot.services import Services

USAGE = """Your roadmap progress:
  /roadmap tracks               the tracks and how far you are
  /roadmap view [TRACK]         steps, items and percentages
  /roadmap fit                  how close you are to each role, and what to learn next
  /roadmap done ITEM            mark an item done (also: doing, skip)
  /roadmap undo ITEM            set an item back to to-do
  /roadmap next [TRACK]         what to work on next, with the topic that helps
  /roadmap reset TRACK          clear a track (asks to confirm)
ITEM is an item id from /roadmap view, TRACK:ITEM, or words from its title. An item shared
by several tracks is one item: marking it anywhere shows in all of them."""

NO_DATABASE = "I can't reach the database right now, so I can't load or save progress. ({})"


class ChatHost(Protocol):
    """What the commands need from bot.chat.ChatSession (kept structural to avoid a cycle)."""

    services: Services
    user_id: int

    def register(
        self, name: str, handler: Callable[[str], Awaitable[str]], usage: str, summary: str
    ) -> None: ...

    def offer(self, choices: Sequence[tuple[str, Callable[[], Awaitable[str]]]]) -> str:
        """Make (label, action) pairs pickable by number; returns the numbered lines."""
        ...


def register_roadmap_commands(host: ChatHost) -> None:
    commands = RoadmapCommands(host)
    host.register("roadmap", commands.handle, "/roadmap SUBCOMMAND", "your roadmap (/roadmap help)")


class RoadmapCommands:
    """Parses `/roadmap SUBCOMMAND ARGS` for the session's (local) user."""

    def __init__(self, host: ChatHost) -> None:
        self.host = host

    @property
    def roadmaps(self) -> RoadmapService:
        return self.host.services.roadmaps

    async def handle(self, argument: str) -> str:
        name, _, rest = argument.strip().partition(" ")
        name, rest = name.lower(), rest.strip()
        try:
            if name in SET_COMMANDS:
                return await self._set(name, rest)
            handler = {
                "tracks": self._tracks,
                "view": self._view,
                "fit": self._fit,
                "next": self._next,
                "reset": self._reset,
            }.get(name)
            if handler is None:
                prefix = f"Unknown /roadmap command {name!r}.\n" if name and name != "help" else ""
                return prefix + USAGE
            return await handler(rest)
        except RoadmapError as exc:
            return str(exc)
        except DatabaseUnavailable as exc:
            return NO_DATABASE.format(exc)

    async def _tracks(self, _: str) -> str:
        views = await self.roadmaps.overview(self.host.user_id)
        if not views:
            return "No roadmap tracks are installed."
        lines = ["Roadmap tracks (/roadmap view TRACK):"]
        for view in views:
            lines.append(f"  {view.track.id}: {view.track.title} — {progress_line(view)}")
            lines.append(f"      {view.track.description}")
        return "\n".join(lines)

    async def _view(self, text: str) -> str:
        view = await self.roadmaps.view(self.host.user_id, self._track_id(text))
        return text_card(view, ids=True)

    async def _fit(self, _: str) -> str:
        return fit_text(await self.roadmaps.fit(self.host.user_id))

    async def _next(self, text: str) -> str:
        view = await self.roadmaps.view(self.host.user_id, self._track_id(text))
        found = self.roadmaps.next_in(view)
        track = view.track
        if found is None:
            return finished_text(track.title)
        lines = [
            f"Next in {track.title} ({found.step.title}):",
            f"  {MARKS[found.status]} {found.skill.title}",
            f"Mark it with: /roadmap done {track.id}:{found.skill.id}",
        ]
        if found.entries:
            first, *more = found.entries
            lines += ["", f"{first.title}:", plain(first.answer).strip()]
            if more:
                lines += ["", "More: " + ", ".join(f"/topic {entry.id}" for entry in more)]
        return "\n".join(lines)

    async def _reset(self, text: str) -> str:
        words = text.split()
        confirmed = bool(words) and words[-1].lower() == "yes"
        name = " ".join(words[:-1] if confirmed else words)
        if not name:
            return "Which track? e.g. /roadmap reset portfolio (see /roadmap tracks)."
        track = self._named_track(name)
        if not confirmed:
            view = await self.roadmaps.view(self.host.user_id, track.id)
            return (
                f"{reset_prompt(track.title, view)} To confirm, type: /roadmap reset {track.id} yes"
            )
        await self.roadmaps.reset(self.host.user_id, track.id)
        return cleared_text(track.title)

    async def _set(self, command: str, text: str) -> str:
        status = SET_COMMANDS[command]
        if not text:
            return (
                f"Which item? e.g. /roadmap {command} linear-algebra-course (ids: /roadmap view)."
            )
        match await self.roadmaps.mark(self.host.user_id, text, status):
            case Candidates(candidates):
                return self._not_sure(command, text, candidates)
            case AlreadySet(choice):
                return already_text(_title(choice), status) + "."
            case Changed(choice, view, missing):
                reply = f"{now_text(_title(choice), status)} {progress_line(view)}."
                note = prerequisites_note(missing)
                if note is not None:
                    reply += f"\n{note}"
                upcoming = next_up_text(view, f"/roadmap next {choice.track.id}")
                if status == "done" and upcoming is not None:
                    reply += f"\n{upcoming}"
                return reply

    def _track_id(self, text: str) -> str | None:
        """The named track's id; None (no name) means the one changed last."""
        return self._named_track(text).id if text else None

    def _not_sure(self, command: str, text: str, candidates: Sequence[SkillChoice]) -> str:
        """The candidates, numbered: typing a number runs `/roadmap COMMAND track:item`."""
        if not candidates:
            return (
                f"No roadmap item matches {text!r}. /roadmap view lists the items with their ids."
            )
        listing = self.host.offer(
            [
                (
                    f"{choice.label}  →  /roadmap {command} {choice.value}",
                    functools.partial(self.handle, f"{command} {choice.value}"),
                )
                for choice in candidates
            ]
        )
        return f"Which one do you mean by {text!r}?\n{listing}\nType a number to pick one."

    def _named_track(self, text: str) -> Track:
        track = self.roadmaps.find_track(text)
        if track is None:
            raise RoadmapError(self.roadmaps.unknown_track(text))
        return track


def _title(choice: SkillChoice) -> str:
    return f"{choice.skill.title!r} ({choice.track.title})"
