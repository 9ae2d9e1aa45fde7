"""Which entries use which term, and the words a typo may stand for, in compact form.

A server's own index holds 100,000 entries; its term data is most of its memory. So postings
are `array`s of 32-bit positions (a list costs 36 bytes per position above 256, an array 4),
a term used by one entry keeps its position as a plain int, and spellings are stored only for
surface forms ("lerning" -> "learn"): a known term is its own spelling.

`FlatTerms` covers one set of entries; bot/matching/layered.py puts a server's FlatTerms over
the bundled one. Both answer the same questions, so SearchIndex scores alike over either.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from bot.matching.index import PreparedEntry

BucketKey = tuple[str, str, int]  # ("first" | "last", two letters, length)
Postings = int | array  # type: ignore[type-arg]  # one position, or ascending positions


class TermStore(Protocol):
    """What SearchIndex asks about the terms of its entries (positions are its own)."""

    def df(self, term: str) -> int:
        """How many entries use `term` (0: unknown)."""
        ...

    def positions(self, term: str) -> Iterable[int]:
        """The positions of the entries using `term`, ascending."""
        ...

    def spelling(self, word: str) -> tuple[str, ...] | None:
        """The known terms a vocabulary word stands for; None when it is not in it."""
        ...

    def best_word(self, token: str, key: BucketKey, cutoff: float) -> tuple[str, float] | None:
        """The vocabulary word of bucket `key` closest to `token` (fuzz.ratio >= cutoff);
        ties go to the word first in vocabulary order (terms by first use, then surface forms).
        """
        ...

    def has_vocabulary(self) -> bool: ...


def bucket_keys(word: str) -> tuple[BucketKey, BucketKey]:
    """A typo nearly always keeps its first two letters or its last two (see SearchIndex)."""
    return ("first", word[:2], len(word)), ("last", word[-2:], len(word))


def _compact(positions: list[int]) -> Postings:
    return positions[0] if len(positions) == 1 else array("i", positions)


class FlatTerms:
    """Postings, document frequencies and typo buckets of one list of prepared entries."""

    def __init__(
        self,
        numbered: Iterable[tuple[int, PreparedEntry]],
        surface_forms: Mapping[str, tuple[str, ...]],
        exclude: FlatTerms | None = None,
    ) -> None:
        """`numbered`: (position, entry) in ascending positions. Words of `exclude`'s
        vocabulary are left out of the typo buckets (a layer reads them from its base)."""
        growing: dict[str, list[int]] = {}
        for position, item in numbered:
            for term in item.terms:
                found = growing.get(term)
                if found is None:
                    growing[term] = [position]
                else:
                    found.append(position)
        self.postings: dict[str, Postings] = growing  # type: ignore[assignment]
        for term, ids in growing.items():  # in place: no second 100,000-key dict
            self.postings[term] = _compact(ids)
        self.surface_forms = surface_forms
        self.surface: dict[str, tuple[str, ...]] = {}
        for surface, terms in surface_forms.items():
            known = tuple(term for term in terms if term in self.postings)
            if known and surface not in self.postings:
                self.surface[surface] = known
        self.buckets: dict[BucketKey, list[str]] = {}
        for words in (self.postings, self.surface):
            for word in words:
                if exclude is None or not exclude.in_vocabulary(word):
                    for key in bucket_keys(word):
                        self.buckets.setdefault(key, []).append(word)

    def df(self, term: str) -> int:
        found = self.postings.get(term)
        if found is None:
            return 0
        return 1 if isinstance(found, int) else len(found)

    def positions(self, term: str) -> Sequence[int]:
        found = self.postings.get(term)
        if found is None:
            return ()
        return (found,) if isinstance(found, int) else found

    def in_vocabulary(self, word: str) -> bool:
        return word in self.postings or word in self.surface

    def spelling(self, word: str) -> tuple[str, ...] | None:
        return (word,) if word in self.postings else self.surface.get(word)

    def best_word(self, token: str, key: BucketKey, cutoff: float) -> tuple[str, float] | None:
        words = self.buckets.get(key)
        if not words:
            return None
        found = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        return (found[0], found[1]) if found is not None else None

    def has_vocabulary(self) -> bool:
        return bool(self.postings or self.surface)

    def vocabulary_size(self) -> int:
        return len(self.postings) + len(self.surface)

    def posting_count(self) -> int:
        """Positions stored in arrays (single positions are counted by the term)."""
        return sum(len(ids) for ids in self.postings.values() if not isinstance(ids, int))
