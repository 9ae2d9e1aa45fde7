"""Members' roadmap progress: the one API the Discord cog, the terminal chat and the CLI share.

Plain async, no Discord types. Every read of a view is one SQL query; every write is one
transaction of upserts, so concurrent clicks never lose an update. Database failures surface
as DatabaseUnavailable with a one-line reason.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from bot.answers.serving import KnowledgeService
from bot.db.models import RoadmapProgress, User, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert
from bot.knowledge.base import KnowledgeBase
from bot.ranking import normalize_key, pick
from bot.roadmap import progress
from bot.roadmap.progress import CLOSED, OPEN, STATUSES, NextItem, Row, TrackView, build_view
from bot.roadmap.search import (
    SURE_GAP,
    ItemChoice,
    Resolution,
    rank,
    rank_tracks,
    resolve,
)
from bot.roadmap.tracks import Item, Track, TrackSet

log = logging.getLogger(__name__)

TRACK_MATCH_SCORE = 75.0  # fuzzy track names: "portfolo" -> portfolio, not a random track


class RoadmapError(ValueError):
    """A member asked for something that doesn't exist; the message says what to do instead."""


@dataclass(frozen=True)
class Candidates:
    """Nothing changed: the closest items to choose from ("which one did you mean"); none
    when nothing matched."""

    candidates: tuple[ItemChoice, ...]


@dataclass(frozen=True)
class AlreadySet:
    """Nothing changed: the item had that status already. `view` is its track's."""

    choice: ItemChoice
    view: TrackView


@dataclass(frozen=True)
class Changed:
    """The item has its new status; `view` is its track's after the change."""

    choice: ItemChoice
    view: TrackView


Marking = Candidates | AlreadySet | Changed


class RoadmapService:
    """Tracks (from YAML) plus per-user progress (in the database)."""

    def __init__(
        self,
        tracks: TrackSet,
        sessions: Sessions,
        knowledge: KnowledgeService | None = None,
    ) -> None:
        self._tracks = tracks
        self.sessions = sessions
        self.knowledge = knowledge

    # --- tracks -----------------------------------------------------------------------------

    @property
    def tracks(self) -> TrackSet:
        return self._tracks

    def track(self, track_id: str) -> Track:
        track = self._tracks.get(track_id)
        if track is None:
            raise RoadmapError(
                f"There is no roadmap {track_id!r}. Tracks: {', '.join(self._tracks.ids())}."
            )
        return track

    def find_track(self, text: str) -> Track | None:
        """A track by id, or by title with typos allowed, for what a member typed."""
        exact = self._tracks.get(normalize_key(text))
        if exact is not None or not text.strip():
            return exact
        found = pick(rank_tracks(self._tracks, text), TRACK_MATCH_SCORE, SURE_GAP)
        return found.item if found is not None else None

    def install(self, tracks: TrackSet) -> None:
        """Serve these tracks from now on (bot.services.Services.reload_content validates them
        with the knowledge they link to and installs both at once).

        Stored progress is untouched: views are computed from rows at read time.
        """
        self._tracks = tracks

    # --- writes -----------------------------------------------------------------------------

    async def set_status(self, user_id: int, track_id: str, item_id: str, status: str) -> Item:
        """Record a status now: one transaction that upserts the user and the progress row.

        Always written under the item's current id, so it wins over carried-over progress.
        """
        if status not in STATUSES:
            raise RoadmapError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.")
        track = self.track(track_id)
        item = track.item(item_id)
        if item is None:
            raise RoadmapError(f"{track.title} has no item {item_id!r}.")
        now = utcnow()
        async with writer(self.sessions) as session:
            await upsert(session, User, {"id": user_id, "created_at": now}, ("id",))
            await upsert(
                session,
                RoadmapProgress,
                {
                    "user_id": user_id,
                    "track_id": track.id,
                    "item_id": item.id,
                    "status": status,
                    "created_at": now,
                    "updated_at": now,
                },
                ("user_id", "track_id", "item_id"),
                {"status": status, "updated_at": now},
            )
        return item

    async def mark(self, user_id: int, typed: str, status: str, *, exact: bool = False) -> Marking:
        """Set the status of the item the member meant by `typed` ('track:item', an id or
        title words), unless it is ambiguous or already has it. `exact`: ids only, for a
        button that stored them (a click must never mark a merely similar item)."""
        views = await self.overview(user_id)
        wanted = CLOSED if status == "todo" else OPEN  # undo is about items marked before
        resolution = resolve(views, typed, wanted=wanted, exact=exact)
        choice = resolution.choice
        if choice is None:
            return Candidates(resolution.candidates)
        if choice.status == status:
            view = next(view for view in views if view.track.id == choice.track.id)
            return AlreadySet(choice, view)
        await self.set_status(user_id, choice.track.id, choice.item.id, status)
        return Changed(choice, await self.view(user_id, choice.track.id))

    async def undo(self, user_id: int, track_id: str, item_id: str) -> Item:
        """Back to todo, stored as a `todo` row rather than deleting the row.

        A deleted row would let progress carried over from a replaced item show through
        again; an explicit, newer `todo` row wins over it and keeps when it changed.
        """
        return await self.set_status(user_id, track_id, item_id, "todo")

    async def reset(self, user_id: int, track_id: str) -> int:
        """Clear the member's whole track, hidden rows of removed items included; rows deleted."""
        track = self.track(track_id)
        async with writer(self.sessions) as session:
            result = await session.execute(
                delete(RoadmapProgress).where(
                    RoadmapProgress.user_id == user_id, RoadmapProgress.track_id == track.id
                )
            )
        return max(int(getattr(result, "rowcount", 0) or 0), 0)

    # --- reads ------------------------------------------------------------------------------

    async def view(self, user_id: int, track_id: str) -> TrackView:
        """Steps, items, statuses and percentages: exactly one SQL query."""
        track = self.track(track_id)
        rows = await self._rows(user_id, track.id)
        return build_view(track, rows.get(track.id, ()))

    async def overview(self, user_id: int) -> list[TrackView]:
        """A view of every track, in display order: also one SQL query."""
        rows = await self._rows(user_id)
        return [build_view(track, rows.get(track.id, ())) for track in self._tracks]

    async def default_track(self, user_id: int) -> Track:
        """The track the member changed last, else the first track."""
        query = (
            select(RoadmapProgress.track_id)
            .where(RoadmapProgress.user_id == user_id)
            .group_by(RoadmapProgress.track_id)
            .order_by(func.max(RoadmapProgress.updated_at).desc())
        )
        async with reader(self.sessions) as session:
            recent = list(await session.scalars(query))
        for track_id in recent:
            track = self._tracks.get(track_id)
            if track is not None:
                return track
        if not self._tracks:
            raise RoadmapError("No roadmap tracks are installed.")
        return self._tracks.tracks[0]

    async def next_item(
        self, user_id: int, track_id: str, knowledge: KnowledgeBase | None = None
    ) -> NextItem | None:
        """What to do next on the track, taught by `knowledge` (a server's; by default the
        bundled one); None when the track is finished."""
        if knowledge is None and self.knowledge is not None:
            knowledge = self.knowledge.base
        return progress.next_item(await self.view(user_id, track_id), knowledge)

    async def search(
        self,
        user_id: int,
        query: str,
        track_id: str | None = None,
        *,
        wanted: Collection[str] = OPEN,
        limit: int | None = None,
    ) -> list[ItemChoice]:
        """Autocomplete: items with their status, most relevant first (one SQL query).

        `wanted` statuses rank first: open items when marking done, closed ones for undo.
        """
        views = [await self.view(user_id, track_id)] if track_id else await self.overview(user_id)
        return rank(views, query, wanted=wanted, limit=limit)

    async def resolve(
        self,
        user_id: int,
        text: str,
        track_id: str | None = None,
        *,
        wanted: Collection[str] = OPEN,
        exact: bool = False,
    ) -> Resolution:
        """What the member meant by `text` ('track:item', an id or a title), or candidates;
        `exact` takes ids only (see search.resolve)."""
        views = [await self.view(user_id, track_id)] if track_id else await self.overview(user_id)
        return resolve(views, text, wanted=wanted, exact=exact)

    # --- plumbing ---------------------------------------------------------------------------

    async def _rows(self, user_id: int, track_id: str | None = None) -> dict[str, list[Row]]:
        query = select(
            RoadmapProgress.track_id,
            RoadmapProgress.item_id,
            RoadmapProgress.status,
            RoadmapProgress.updated_at,
        ).where(RoadmapProgress.user_id == user_id)
        if track_id is not None:
            query = query.where(RoadmapProgress.track_id == track_id)
        grouped: dict[str, list[Row]] = {}
        async with reader(self.sessions) as session:
            for row_track, item_id, status, updated_at in await session.execute(query):
                grouped.setdefault(row_track, []).append((item_id, status, updated_at))
        return grouped
