"""Finding roadmap items from what a member typed: ids, titles, typos.

Pure functions over TrackViews, so autocomplete and the terminal rank items the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace

from bot import ranking
from bot.ranking import Named, Rules, normalize_key
from bot.roadmap.progress import MARKS, OPEN, Status, TrackView
from bot.roadmap.tracks import Item, Step, Track

MIN_SCORE = 60.0  # below this an item is not shown at all
SURE_SCORE = 85.0  # resolve() takes the best match only above this...
SURE_GAP = 8.0  # ...and this far ahead of the runner-up
UNWANTED_PENALTY = 15.0  # e.g. done items when marking done: still found, ranked lower
MAX_SUGGESTIONS = 5  # "did you mean" list when resolve() is not sure
FILLER = frozenset({"a", "an", "the", "to", "of", "my", "i", "in", "on", "for", "and", "with"})


@dataclass(frozen=True)
class ItemChoice:
    """An item as a member picks it: with its track, step, current status and match score."""

    track: Track = field(repr=False)
    step: Step = field(repr=False)
    item: Item
    status: Status
    score: float = 100.0

    @property
    def value(self) -> str:
        """'track:item': fits an autocomplete value (ids are at most 32 + 1 + 64 characters)."""
        return f"{self.track.id}:{self.item.id}"

    @property
    def label(self) -> str:
        """'✓ Item title · Track title'."""
        return f"{MARKS[self.status]} {self.item.title} · {self.track.title}"


@dataclass(frozen=True)
class Resolution:
    """A sure pick, or the candidates to offer when the text was ambiguous."""

    choice: ItemChoice | None
    candidates: tuple[ItemChoice, ...] = ()


ITEM_RULES = Rules(min_score=MIN_SCORE, typo_length=3, filler=FILLER)


def named(item: Item | Track) -> Named:
    """Items and tracks are typed by their title or id."""
    return Named(item.id, (item.title, item.id))


def choices(views: Iterable[TrackView]) -> Iterator[ItemChoice]:
    """Every item of `views` in roadmap order, with the member's status."""
    for view in views:
        for step_view in view.steps:
            for item_view in step_view.items:
                yield ItemChoice(view.track, step_view.step, item_view.item, item_view.status)


def rank(
    views: Iterable[TrackView],
    query: str,
    *,
    wanted: Collection[str] = OPEN,
    limit: int | None = None,
) -> list[ItemChoice]:
    """Most relevant first; items whose status is not `wanted` rank lower, never vanish.

    With an empty query every item is listed: wanted ones first, in roadmap order.
    """
    return [_scored(found) for found in _ranked(views, query, wanted, limit)]


def _ranked(
    views: Iterable[TrackView], query: str, wanted: Collection[str], limit: int | None
) -> list[ranking.Ranked[ItemChoice]]:
    return ranking.rank(
        choices(views),
        query,
        lambda choice: named(choice.item),
        ITEM_RULES,
        limit=limit,
        penalty=lambda choice: 0.0 if choice.status in wanted else UNWANTED_PENALTY,
    )


def resolve(
    views: list[TrackView], text: str, *, wanted: Collection[str] = OPEN, exact: bool = False
) -> Resolution:
    """'track:item', an exact item id, or a clear fuzzy winner; else candidates to choose from.

    An id that several tracks share is ambiguous unless `views` holds one track only. With
    `exact` (an id a button stored) there is no fuzzy guess and no candidates from typos.
    """
    text = text.strip()
    track_part, colon, item_part = text.partition(":")
    if colon:
        chosen = [view for view in views if view.track.id == normalize_key(track_part)]
        if not chosen:
            return Resolution(None)
        return resolve(chosen, item_part, wanted=wanted, exact=exact)
    item_id = normalize_key(text)
    same_id = [choice for choice in choices(views) if choice.item.id == item_id]
    if len(same_id) == 1:
        return Resolution(same_id[0])
    if same_id or exact:
        return Resolution(None, tuple(same_id))
    ranked = _ranked(views, text, wanted, None)
    sure = ranking.pick(ranked, SURE_SCORE, SURE_GAP)
    if sure is not None:
        return Resolution(_scored(sure))
    return Resolution(None, tuple(_scored(found) for found in ranked[:MAX_SUGGESTIONS]))


def rank_tracks(
    tracks: Iterable[Track], typed: str, limit: int | None = None
) -> list[ranking.Ranked[Track]]:
    """Tracks by what a member typed, as items are ranked."""
    return ranking.rank(tracks, typed, named, ITEM_RULES, limit=limit)


def _scored(found: ranking.Ranked[ItemChoice]) -> ItemChoice:
    return replace(found.item, score=found.score)
