"""Members' roadmap progress: the one API the Discord cog, the terminal chat and the CLI share.

Plain async, no Discord types. Progress is stored per (member, skill): one SQL query reads a
member's whole progress, so a view, the overview, /roadmap fit, search and autocomplete are
one query each however many tracks and skills there are. Every write is one transaction of
upserts, so concurrent clicks never lose an update. Database failures surface as
DatabaseUnavailable with a one-line reason.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from bot.answers.serving import KnowledgeService
from bot.db.models import SkillProgress, User, utcnow
from bot.db.unit import Sessions, reader, writer
from bot.db.upsert import upsert
from bot.knowledge.base import KnowledgeBase
from bot.ranking import normalize_key, pick
from bot.roadmap.fit import FitReport, fit_report
from bot.roadmap.progress import (
    CLOSED,
    OPEN,
    STATUSES,
    MemberProgress,
    NextSkill,
    Row,
    TrackView,
    build_view,
    next_skill,
    read_progress,
)
from bot.roadmap.search import (
    SURE_GAP,
    Resolution,
    SkillChoice,
    rank,
    rank_tracks,
    resolve,
)
from bot.roadmap.skills import Skill
from bot.roadmap.tracks import Track, TrackSet

log = logging.getLogger(__name__)

TRACK_MATCH_SCORE = 75.0  # fuzzy track names: "portfolo" -> portfolio, not a random track
TRACK_SUGGESTIONS = 3
STARTED = frozenset({"done", "doing"})  # marking these says "I'm past the prerequisites"


class RoadmapError(ValueError):
    """A member asked for something that doesn't exist; the message says what to do instead."""


@dataclass(frozen=True)
class Candidates:
    """Nothing changed: the closest skills to choose from ("which one did you mean"); none
    when nothing matched."""

    candidates: tuple[SkillChoice, ...]


@dataclass(frozen=True)
class AlreadySet:
    """Nothing changed: the skill had that status already. `view` is its track's."""

    choice: SkillChoice
    view: TrackView


@dataclass(frozen=True)
class Changed:
    """The skill has its new status; `view` is its track's after the change. `missing` lists
    prerequisites not done yet: marking is allowed, with a gentle note."""

    choice: SkillChoice
    view: TrackView
    missing: tuple[Skill, ...] = ()


Marking = Candidates | AlreadySet | Changed


class RoadmapService:
    """Tracks and their skill graph (from YAML) plus per-member progress (in the database)."""

    def __init__(
        self,
        tracks: TrackSet,
        sessions: Sessions,
        knowledge: KnowledgeService | None = None,
    ) -> None:
        self._tracks = tracks
        self._titles = tracks.titles()
        self.sessions = sessions
        self.knowledge = knowledge

    # --- tracks -----------------------------------------------------------------------------

    @property
    def tracks(self) -> TrackSet:
        return self._tracks

    def track(self, track_id: str) -> Track:
        track = self._tracks.get(track_id)
        if track is None:
            raise RoadmapError(self.unknown_track(track_id))
        return track

    def find_track(self, text: str) -> Track | None:
        """A track by id, or by title or role with typos allowed, for what a member typed."""
        exact = self._tracks.get(normalize_key(text))
        if exact is not None or not text.strip():
            return exact
        found = pick(rank_tracks(self._tracks, text), TRACK_MATCH_SCORE, SURE_GAP)
        return found.item if found is not None else None

    def closest_tracks(self, text: str) -> list[Track]:
        """The tracks closest to what was typed, by the shared ranker (maybe none)."""
        return [found.item for found in rank_tracks(self._tracks, text, TRACK_SUGGESTIONS)]

    def unknown_track(self, typed: str) -> str:
        """'There is no roadmap 'x'. Did you mean: a, b?' (else every track id)."""
        closest = self.closest_tracks(typed)
        if closest:
            hint = f"Did you mean: {', '.join(track.id for track in closest)}?"
        else:
            hint = f"Tracks: {', '.join(self._tracks.ids()) or 'none installed'}."
        return f"There is no roadmap {typed!r}. {hint}"

    def install(self, tracks: TrackSet) -> None:
        """Serve these tracks from now on (bot.services.Services.reload_content validates them
        with the knowledge they link to and installs both at once).

        Stored progress is untouched: views are computed from rows at read time.
        """
        self._tracks, self._titles = tracks, tracks.titles()

    # --- writes -----------------------------------------------------------------------------

    async def set_status(
        self, user_id: int, track_id: str | None, skill_id: str, status: str
    ) -> Skill:
        """Record a status now, noting the track it was marked in (None: no track): one
        transaction that upserts the user and the skill's row.

        `skill_id` may be an id the skill `replaces`; the row is always written under the
        skill's current id, so it wins over carried-over progress.
        """
        if status not in STATUSES:
            raise RoadmapError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.")
        track = self.track(track_id) if track_id is not None else None
        skill = self._tracks.graph.owner(skill_id)
        if skill is None or (track is not None and track.skill(skill.id) is None):
            where = track.title if track is not None else "No roadmap track"
            raise RoadmapError(f"{where} has no item {skill_id!r}.")
        now = utcnow()
        marked_in = track.id if track is not None else None
        async with writer(self.sessions) as session:
            await upsert(session, User, {"id": user_id, "created_at": now}, ("id",))
            await upsert(
                session,
                SkillProgress,
                {
                    "user_id": user_id,
                    "skill_id": skill.id,
                    "status": status,
                    "marked_in": marked_in,
                    "created_at": now,
                    "updated_at": now,
                },
                ("user_id", "skill_id"),
                {"status": status, "marked_in": marked_in, "updated_at": now},
            )
        return skill

    async def mark(self, user_id: int, typed: str, status: str, *, exact: bool = False) -> Marking:
        """Set the status of the skill the member meant by `typed` ('track:skill', an id or
        title words), unless it is ambiguous or already has it. `exact`: ids only, for a
        button that stored them (a click must never mark a merely similar skill)."""
        progress = await self._progress(user_id)
        views = self._views(progress)
        wanted = CLOSED if status == "todo" else OPEN  # undo is about skills marked before
        resolution = resolve(views, typed, wanted=wanted, exact=exact, prefer=_current(progress))
        choice = resolution.choice
        if choice is None:
            return Candidates(resolution.candidates)
        if choice.status == status:
            view = next(view for view in views if view.track.id == choice.track.id)
            return AlreadySet(choice, view)
        await self.set_status(user_id, choice.track.id, choice.skill.id, status)
        missing: tuple[Skill, ...] = ()
        if status in STARTED:
            missing = progress.missing_prerequisites(self._tracks.graph, choice.skill)
        return Changed(choice, await self.view(user_id, choice.track.id), missing)

    async def undo(self, user_id: int, track_id: str, skill_id: str) -> Skill:
        """Back to todo, stored as a `todo` row rather than deleting the row.

        A deleted row would let progress carried over from a replaced skill show through
        again; an explicit, newer `todo` row wins over it and keeps when it changed.
        """
        return await self.set_status(user_id, track_id, skill_id, "todo")

    async def reset(self, user_id: int, track_id: str) -> int:
        """Clear what the member marked in this track (in every track that shares those
        skills), rows of removed skills included; returns the rows deleted.

        Skills of this track that were marked in another track stay: the member ticked them
        there. A skill marked in no known track counts as this track's.
        """
        track = self.track(track_id)
        lineage = {stored for _, skill in track.skills() for stored in skill.lineage}
        unplaced = or_(
            SkillProgress.marked_in.is_(None),
            SkillProgress.marked_in.not_in(self._tracks.ids()),
        )
        statement = delete(SkillProgress).where(
            SkillProgress.user_id == user_id,
            or_(
                SkillProgress.marked_in == track.id,
                SkillProgress.skill_id.in_(lineage) & unplaced,
            ),
        )
        async with writer(self.sessions) as session:
            result = await session.execute(statement)
        return max(int(getattr(result, "rowcount", 0) or 0), 0)

    # --- reads ------------------------------------------------------------------------------

    async def view(self, user_id: int, track_id: str | None = None) -> TrackView:
        """Steps, skills, statuses and percentages of a track (None: the one the member
        changed last, else the first): exactly one SQL query."""
        track = self.track(track_id) if track_id is not None else None
        progress = await self._progress(user_id)
        if track is None:
            track = self._default(progress)
        return build_view(track, progress, self._titles)

    async def overview(self, user_id: int) -> list[TrackView]:
        """A view of every track, in display order: also one SQL query."""
        return self._views(await self._progress(user_id))

    async def fit(self, user_id: int, knowledge: KnowledgeBase | None = None) -> FitReport:
        """Every role track: the share done and the next missing skills with the entries that
        teach them (`knowledge`: a server's; by default the bundled one). One SQL query."""
        progress = await self._progress(user_id)
        roles = [build_view(track, progress, self._titles) for track in self._tracks.roles()]
        return fit_report(roles, progress, self._tracks.graph, self._knowledge(knowledge))

    async def default_track(self, user_id: int) -> Track:
        """The track the member changed last, else the first track (one SQL query)."""
        return self._default(await self._progress(user_id))

    async def next_item(
        self, user_id: int, track_id: str | None, knowledge: KnowledgeBase | None = None
    ) -> NextSkill | None:
        """What to do next on the track (None: the one changed last), taught by `knowledge`
        (a server's; by default the bundled one); None when the track is finished."""
        return self.next_in(await self.view(user_id, track_id), knowledge)

    def next_in(self, view: TrackView, knowledge: KnowledgeBase | None = None) -> NextSkill | None:
        """The next skill of a view already read, with the entries that teach it (no query)."""
        return next_skill(view, self._knowledge(knowledge))

    async def search(
        self,
        user_id: int,
        query: str,
        track_id: str | None = None,
        *,
        wanted: Collection[str] = OPEN,
        limit: int | None = None,
    ) -> list[SkillChoice]:
        """Autocomplete: skills with their status, most relevant first (one SQL query).

        `wanted` statuses rank first: open skills when marking done, closed ones for undo.
        """
        progress = await self._progress(user_id)
        views = self._views(progress, track_id)
        return rank(views, query, wanted=wanted, limit=limit, prefer=_current(progress))

    async def resolve(
        self,
        user_id: int,
        text: str,
        track_id: str | None = None,
        *,
        wanted: Collection[str] = OPEN,
        exact: bool = False,
    ) -> Resolution:
        """What the member meant by `text` ('track:skill', an id or a title), or candidates;
        `exact` takes ids only (see search.resolve)."""
        progress = await self._progress(user_id)
        views = self._views(progress, track_id)
        return resolve(views, text, wanted=wanted, exact=exact, prefer=_current(progress))

    # --- plumbing ---------------------------------------------------------------------------

    def _views(self, progress: MemberProgress, track_id: str | None = None) -> list[TrackView]:
        tracks = [self.track(track_id)] if track_id is not None else list(self._tracks)
        return [build_view(track, progress, self._titles) for track in tracks]

    def _default(self, progress: MemberProgress) -> Track:
        for track_id in progress.recent_tracks():
            track = self._tracks.get(track_id)
            if track is not None:
                return track
        if not self._tracks:
            raise RoadmapError("No roadmap tracks are installed.")
        return self._tracks.tracks[0]

    def _knowledge(self, knowledge: KnowledgeBase | None) -> KnowledgeBase | None:
        if knowledge is None and self.knowledge is not None:
            return self.knowledge.base
        return knowledge

    async def _progress(self, user_id: int) -> MemberProgress:
        """The member's whole progress: the one SQL query every read is built on."""
        query = select(
            SkillProgress.skill_id,
            SkillProgress.status,
            SkillProgress.updated_at,
            SkillProgress.marked_in,
        ).where(SkillProgress.user_id == user_id)
        async with reader(self.sessions) as session:
            result = await session.execute(query)
            rows: list[Row] = [(skill, status, at, marked) for skill, status, at, marked in result]
        return read_progress(self._tracks.graph, rows)


def _current(progress: MemberProgress) -> str | None:
    """The track the member is working in: the one they marked something in last."""
    recent = progress.recent_tracks()
    return recent[0] if recent else None
