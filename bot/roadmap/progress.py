"""Turning stored progress rows into what a member sees: pure functions, no database.

Progress is stored per (member, skill), never per track, so a skill ticked in one track shows
in every track that lists it; each row also notes the track it was marked in, for "done in
<track>" in the others. Rows are keyed by the skill id they were written under and are never
rewritten when the YAML changes: a skill shows the most recently changed row among its own id
and the ids it `replaces`. Rows whose id is in no skill's lineage stay stored but are not
shown or counted ("hidden").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.roadmap.skills import Skill, SkillGraph
from bot.roadmap.tracks import Step, Track

Status = Literal["todo", "doing", "done", "skipped"]
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN: frozenset[str] = frozenset({"todo", "doing"})
CLOSED: frozenset[str] = frozenset({"doing", "done", "skipped"})  # what undo is usually about
SETTLED: frozenset[str] = frozenset({"done", "skipped"})  # a prerequisite needs no more work
MARKS: dict[str, str] = {"todo": "○", "doing": "◐", "done": "✓", "skipped": "⊘"}

Row = tuple[str, str, dt.datetime | None, str | None]  # (skill_id, status, updated_at, marked_in)


@dataclass(frozen=True)
class SkillState:
    """A member's status for one skill; `marked_in` is the track it was set in, if known."""

    status: Status = "todo"
    changed_at: dt.datetime | None = None  # None: never touched
    marked_in: str | None = None


UNTOUCHED = SkillState()
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class MemberProgress:
    """One member's state of every skill they touched, read once and shown in every track."""

    states: Mapping[str, SkillState] = field(default_factory=dict)  # live skill id -> state
    hidden: tuple[SkillState, ...] = ()  # rows of ids no live skill holds any more

    def state(self, skill_id: str) -> SkillState:
        return self.states.get(skill_id, UNTOUCHED)

    def status(self, skill_id: str) -> Status:
        return self.state(skill_id).status

    def missing_prerequisites(self, graph: SkillGraph, skill: Skill) -> tuple[Skill, ...]:
        """Direct prerequisites not done (or skipped) yet, in the order the skill lists them."""
        return tuple(
            required
            for required in graph.prerequisites(skill)
            if self.status(required.id) not in SETTLED
        )

    def recent_tracks(self) -> list[str]:
        """Tracks the member marked something in, the most recent first."""
        noted = [s for s in (*self.states.values(), *self.hidden) if s.marked_in and s.changed_at]
        noted.sort(key=lambda state: state.changed_at or EPOCH, reverse=True)
        return list(dict.fromkeys(state.marked_in for state in noted if state.marked_in))


def read_progress(graph: SkillGraph, rows: Iterable[Row]) -> MemberProgress:
    """The member's state per live skill from their rows (any order, any ids).

    Latest change wins across a skill's lineage; on a tie its own id, then older ids in order.
    Latest-wins (rather than "own id wins") stays right while two processes with different
    YAML versions run side by side, e.g. during a rolling restart.
    """
    stored: dict[str, SkillState] = {}
    for skill_id, status, changed_at, marked_in in rows:
        if status in STATUSES:
            stored[skill_id] = SkillState(status, as_utc(changed_at), marked_in)
    states: dict[str, SkillState] = {}
    shown: set[str] = set()
    for skill in graph:
        shown.update(skill.lineage)
        best: SkillState | None = None
        for skill_id in skill.lineage:
            found = stored.get(skill_id)
            if found is not None and (best is None or _later(found.changed_at, best.changed_at)):
                best = found
        if best is not None:
            states[skill.id] = best
    hidden = tuple(state for skill_id, state in stored.items() if skill_id not in shown)
    return MemberProgress(states, hidden)


@dataclass(frozen=True)
class SkillView:
    """A skill as one track shows it; `elsewhere` names the other track it was marked in."""

    skill: Skill
    status: Status
    changed_at: dt.datetime | None
    elsewhere: str | None = None  # that track's title, when not this one

    @property
    def mark(self) -> str:
        return MARKS[self.status]


@dataclass(frozen=True)
class StepView:
    step: Step
    skills: tuple[SkillView, ...]
    done: int
    counted: int  # skills that count: all but skipped ones
    percent: int


@dataclass(frozen=True)
class TrackView:
    """One member's progress on one track, ready to render."""

    track: Track
    steps: tuple[StepView, ...]
    done: int
    counted: int
    total: int
    percent: int
    hidden: int  # stored rows marked in this track for skills no longer defined

    @property
    def marked(self) -> int:
        """Skills marked (any status but to do) in this track: what a reset would clear."""
        return sum(
            view.status != "todo" and view.elsewhere is None
            for step in self.steps
            for view in step.skills
        )

    @property
    def marked_elsewhere(self) -> int:
        """Skills of this track marked in another track (a reset here keeps them)."""
        return sum(view.elsewhere is not None for step in self.steps for view in step.skills)

    def skill(self, skill_id: str) -> SkillView | None:
        for step in self.steps:
            for view in step.skills:
                if view.skill.id == skill_id:
                    return view
        return None

    def open_skills(self) -> list[tuple[StepView, SkillView]]:
        """Skills still to work on (in progress or to do), in roadmap order."""
        return [(s, v) for s in self.steps for v in s.skills if v.status in OPEN]

    def next_open(self) -> tuple[StepView, SkillView] | None:
        """What to work on: the first skill in progress, else the first one still to do."""
        candidates = self.open_skills()
        for step, view in candidates:
            if view.status == "doing":
                return step, view
        return candidates[0] if candidates else None


def percent(done: int, counted: int) -> int:
    """Whole percent, rounded down so 100 means everything counted is done.

    Skipped skills don't count: a step whose skills are all skipped has nothing left, so 100.
    """
    return 100 if counted == 0 else done * 100 // counted


def build_view(
    track: Track, progress: MemberProgress, titles: Mapping[str, str] | None = None
) -> TrackView:
    """The view of `track` from the member's progress; `titles` (track id -> title) names the
    other tracks skills were marked in."""
    steps: list[StepView] = []
    for step in track.steps:
        views = tuple(_skill_view(skill, progress, track, titles or {}) for skill in step.skills)
        done = sum(view.status == "done" for view in views)
        counted = sum(view.status != "skipped" for view in views)
        steps.append(StepView(step, views, done, counted, percent(done, counted)))
    done = sum(step.done for step in steps)
    counted = sum(step.counted for step in steps)
    return TrackView(
        track=track,
        steps=tuple(steps),
        done=done,
        counted=counted,
        total=len(track),
        percent=percent(done, counted),
        hidden=sum(state.marked_in == track.id for state in progress.hidden),
    )


def _skill_view(
    skill: Skill, progress: MemberProgress, track: Track, titles: Mapping[str, str]
) -> SkillView:
    state = progress.state(skill.id)
    elsewhere = None
    if state.status != "todo" and state.marked_in not in (None, track.id):
        elsewhere = titles.get(state.marked_in or "")
    return SkillView(skill, state.status, state.changed_at, elsewhere)


@dataclass(frozen=True)
class NextSkill:
    """The next open skill of a track and the knowledge entries that teach it."""

    track: Track
    step: Step
    skill: Skill
    status: Status
    entries: tuple[Entry, ...]


def teaching(skill: Skill, knowledge: KnowledgeBase | None) -> tuple[Entry, ...]:
    """The entries of `skill.learn` that `knowledge` (a server's, or the bundled one) has."""
    if knowledge is None:
        return ()
    return tuple(entry for i in skill.learn if (entry := knowledge.get(i)) is not None)


def next_skill(view: TrackView, knowledge: KnowledgeBase | None) -> NextSkill | None:
    """The skill in progress, else the first one to do, with the entries that teach it;
    None when the track is finished."""
    found = view.next_open()
    if found is None:
        return None
    step_view, skill_view = found
    skill = skill_view.skill
    entries = teaching(skill, knowledge)
    return NextSkill(view.track, step_view.step, skill, skill_view.status, entries)


def _later(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None:
        return False
    return b is None or a > b


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)
