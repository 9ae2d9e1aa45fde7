"""A server's terms over the bundled ones, so each server pays only for its own entries.

Every server with a layer used to get a full copy of the bundled index (postings, vocabulary,
typo buckets: 0.7 MB). Here the server's FlatTerms hold only the entries it added or changed,
and every question reads through to the bundled FlatTerms, minus the bundled entries the
server hid or replaced. Positions, document frequencies and vocabulary order are those of a
flat index over the same effective entries, so scores are identical
(tests/matching/test_layered_index.py compares them).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.matching.terms import BucketKey, FlatTerms

if TYPE_CHECKING:
    from bot.matching.index import PreparedEntry


class LayeredTerms:
    """The terms of `items`, of which the base's shared ones are read from `base`.

    `shared` maps each base position to its position in `items`, or -1 when the server hid or
    replaced that entry; shared positions keep the base's order.
    """

    def __init__(
        self,
        items: Sequence[PreparedEntry],
        base: FlatTerms,
        base_items: Sequence[PreparedEntry],
        shared: Sequence[int],
        surface_forms: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.items = items
        self.base = base
        self.shared = shared
        self.removed: dict[str, int] = {}  # term -> base entries using it that are gone
        for position, mapped in enumerate(shared):
            if mapped < 0:
                for term in base_items[position].terms:
                    self.removed[term] = self.removed.get(term, 0) + 1
        kept = set(shared)
        own = ((n, item) for n, item in enumerate(items) if n not in kept)
        self.own = FlatTerms(own, surface_forms, exclude=base)
        self.surface_forms = surface_forms
        self._vocabulary = self.own.has_vocabulary() or any(
            base_items[n].term_count for n, mapped in enumerate(shared) if mapped >= 0
        )

    def df(self, term: str) -> int:
        return self.base.df(term) - self.removed.get(term, 0) + self.own.df(term)

    def positions(self, term: str) -> Iterable[int]:
        shared = self.shared
        below = [mapped for n in self.base.positions(term) if (mapped := shared[n]) >= 0]
        own = self.own.positions(term)
        if not below:
            return own
        if not own or below[-1] < own[0]:
            return itertools.chain(below, own)
        return sorted(itertools.chain(below, own))  # a replaced bundled entry keeps its place

    def spelling(self, word: str) -> tuple[str, ...] | None:
        if self.df(word):
            return (word,)
        terms = self.surface_forms.get(word)
        known = tuple(term for term in terms if self.df(term)) if terms else ()
        return known or None

    def best_word(self, token: str, key: BucketKey, cutoff: float) -> tuple[str, float] | None:
        """The base's and the server's buckets searched as one flat bucket would be."""
        found: list[tuple[str, float]] = []
        for words in (self.base.buckets.get(key), self.own.buckets.get(key)):
            if words:
                for word, score, _ in process.extract(
                    token, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
                ):
                    if self.spelling(word) is not None:
                        found.append((word, score))
        if not found:
            return None
        top = max(score for _, score in found)
        return min((word for word, score in found if score == top), key=self._rank), top

    def _rank(self, word: str) -> tuple[int, int, int]:
        """A word's place in a flat index's vocabulary: terms in order of first use, then
        surface forms in their own order."""
        if self.df(word):
            first = next(iter(self.positions(word)))
            return 0, first, self.items[first].terms.index(word)
        return 1, list(self.surface_forms).index(word), 0

    def has_vocabulary(self) -> bool:
        return self._vocabulary
