"""Turning stored progress rows into what a member sees: pure functions, no database.

Rows are keyed by the item id they were written under and are never rewritten when a track
changes. Which row an item shows is decided here, at read time: an item shows the most
recently changed row among its own id and the ids it `replaces`. Rows whose id is no longer
in any item's lineage stay stored but are not shown or counted ("hidden").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.roadmap.tracks import Item, Step, Track

Status = Literal["todo", "doing", "done", "skipped"]
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN: frozenset[str] = frozenset({"todo", "doing"})
CLOSED: frozenset[str] = frozenset({"doing", "done", "skipped"})  # what undo is usually about
MARKS: dict[str, str] = {"todo": "○", "doing": "◐", "done": "✓", "skipped": "⊘"}

Row = tuple[str, str, dt.datetime | None]  # (item_id, status, updated_at) as stored


@dataclass(frozen=True)
class ItemView:
    item: Item
    status: Status
    changed_at: dt.datetime | None  # None: never touched

    @property
    def mark(self) -> str:
        return MARKS[self.status]


@dataclass(frozen=True)
class StepView:
    step: Step
    items: tuple[ItemView, ...]
    done: int
    counted: int  # items that count: all but skipped ones
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
    hidden: int  # stored rows for items no longer in the track (kept, not shown)

    @property
    def marked(self) -> int:
        """Items with any status but to do (what a reset would clear)."""
        return sum(view.status != "todo" for step in self.steps for view in step.items)

    def item(self, item_id: str) -> ItemView | None:
        for step in self.steps:
            for view in step.items:
                if view.item.id == item_id:
                    return view
        return None

    def next_open(self) -> tuple[StepView, ItemView] | None:
        """What to work on: the first item in progress, else the first item still to do."""
        for wanted in ("doing", "todo"):
            for step in self.steps:
                for view in step.items:
                    if view.status == wanted:
                        return step, view
        return None


@dataclass(frozen=True)
class NextItem:
    """The next open item of a track and the knowledge entries that help with it."""

    track: Track
    step: Step
    item: Item
    status: Status
    entries: tuple[Entry, ...]


def next_item(view: TrackView, knowledge: KnowledgeBase | None) -> NextItem | None:
    """The item in progress, else the first one to do, with the entries that teach it as
    `knowledge` has them (a server's, or the bundled one); None when the track is finished."""
    found = view.next_open()
    if found is None:
        return None
    step_view, item_view = found
    entries = tuple(
        entry
        for entry_id in item_view.item.learn
        if knowledge is not None and (entry := knowledge.get(entry_id)) is not None
    )
    return NextItem(view.track, step_view.step, item_view.item, item_view.status, entries)


def percent(done: int, counted: int) -> int:
    """Whole percent, rounded down so 100 means everything counted is done.

    Skipped items don't count: a step whose items are all skipped has nothing left, so 100.
    """
    return 100 if counted == 0 else done * 100 // counted


def build_view(track: Track, rows: Iterable[Row]) -> TrackView:
    """The view of `track` from this member's rows of that track (any order, any ids)."""
    stored: dict[str, tuple[Status, dt.datetime | None]] = {}
    for item_id, status, changed_at in rows:
        if status in STATUSES:
            stored[item_id] = (status, as_utc(changed_at))
    shown_ids: set[str] = set()
    steps: list[StepView] = []
    for step in track.steps:
        views = []
        for item in step.items:
            shown_ids.update(item.lineage)
            views.append(_item_view(item, stored))
        done = sum(view.status == "done" for view in views)
        counted = sum(view.status != "skipped" for view in views)
        steps.append(StepView(step, tuple(views), done, counted, percent(done, counted)))
    done = sum(step.done for step in steps)
    counted = sum(step.counted for step in steps)
    return TrackView(
        track=track,
        steps=tuple(steps),
        done=done,
        counted=counted,
        total=len(track),
        percent=percent(done, counted),
        hidden=sum(item_id not in shown_ids for item_id in stored),
    )


def _item_view(item: Item, stored: dict[str, tuple[Status, dt.datetime | None]]) -> ItemView:
    """Latest change wins across the lineage; on a tie the item's own id, then older ids in order.

    Latest-wins (rather than "own id wins") stays right while two processes with different
    YAML versions run side by side, e.g. during a rolling restart.
    """
    best: tuple[Status, dt.datetime | None] | None = None
    for item_id in item.lineage:
        found = stored.get(item_id)
        if found is None:
            continue
        if best is None or _later(found[1], best[1]):
            best = found
    if best is None:
        return ItemView(item, "todo", None)
    return ItemView(item, best[0], best[1])


def _later(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None:
        return False
    return b is None or a > b


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)
