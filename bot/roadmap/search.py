"""Finding roadmap items from what a member typed: ids, titles, typos.

Pure functions over TrackViews, so autocomplete and the terminal rank items the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils

from bot.roadmap.progress import MARKS, OPEN, Status, TrackView
from bot.roadmap.tracks import Item, Step, Track

MAX_CHOICES = 25  # Discord autocomplete limit
MAX_LABEL = 100  # Discord choice name limit
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
        """'✓ Item title · Track title', cut to the 100 characters a choice name may have."""
        text = f"{MARKS[self.status]} {self.item.title} · {self.track.title}"
        return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


@dataclass(frozen=True)
class Resolution:
    """A sure pick, or the candidates to offer when the text was ambiguous."""

    choice: ItemChoice | None
    candidates: tuple[ItemChoice, ...] = ()


def normalize_id(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").split())


def score(query: str, item: Item) -> float:
    """0-100: how well the query's words match the item's title and id words.

    Each query word scores its best match: 100 for the start of a word (people type
    prefixes into autocomplete), else rapidfuzz's edit-distance ratio for typos; the item's
    score is the mean. Words under three letters only match as prefixes, and filler words
    ("a", "the") are ignored, so short or chatty input doesn't match everything.
    """
    if normalize_id(query) == item.id:
        return 100.0
    words = [word for word in utils.default_process(query).split() if word not in FILLER]
    if not words:
        return 0.0
    targets = {*utils.default_process(item.title).split(), *item.id.split("-")}
    return sum(_word_score(word, targets) for word in words) / len(words)


def _word_score(word: str, targets: Iterable[str]) -> float:
    best = 0.0
    for target in targets:
        if target.startswith(word):
            return 100.0
        if len(word) >= 3:
            best = max(best, fuzz.ratio(word, target))
    return best


def rank(
    views: Iterable[TrackView],
    query: str,
    *,
    wanted: Collection[str] = OPEN,
    limit: int = MAX_CHOICES,
) -> list[ItemChoice]:
    """Most relevant first; items whose status is not `wanted` rank lower, never vanish.

    With an empty query every item is listed: wanted ones first, in roadmap order.
    """
    scored: list[tuple[float, int, ItemChoice]] = []
    position = 0
    for view in views:
        for step_view in view.steps:
            for item_view in step_view.items:
                position += 1
                value = score(query, item_view.item) if query.strip() else 100.0
                if value < MIN_SCORE:
                    continue
                adjusted = value - (0 if item_view.status in wanted else UNWANTED_PENALTY)
                choice = ItemChoice(
                    view.track, step_view.step, item_view.item, item_view.status, value
                )
                scored.append((adjusted, position, choice))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [choice for _, _, choice in scored[:limit]]


def resolve(views: list[TrackView], text: str, *, wanted: Collection[str] = OPEN) -> Resolution:
    """'track:item', an exact item id, or a clear fuzzy winner; else candidates to choose from.

    An id that several tracks share is ambiguous unless `views` holds one track only.
    """
    text = text.strip()
    track_part, colon, item_part = text.partition(":")
    if colon:
        chosen = [view for view in views if view.track.id == normalize_id(track_part)]
        return resolve(chosen, item_part, wanted=wanted) if chosen else Resolution(None)
    item_id = normalize_id(text)
    exact = [
        ItemChoice(view.track, step_view.step, item_view.item, item_view.status)
        for view in views
        for step_view in view.steps
        for item_view in step_view.items
        if item_view.item.id == item_id
    ]
    if len(exact) == 1:
        return Resolution(exact[0])
    if exact:
        return Resolution(None, tuple(exact))
    ranked = rank(views, text, wanted=wanted)
    by_score = sorted(ranked, key=lambda choice: -choice.score)
    if by_score:
        best = by_score[0]
        runner_up = by_score[1].score if len(by_score) > 1 else 0.0
        if best.score >= SURE_SCORE and best.score - runner_up >= SURE_GAP:
            return Resolution(best)
    return Resolution(None, tuple(ranked[:MAX_SUGGESTIONS]))
