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


SHARDS = 16  # postings dicts per index: see FlatTerms


class FlatTerms:
    """Postings, document frequencies and typo buckets of one list of prepared entries.

    Postings are split over SHARDS dicts by hash: one dict of a big server's 400,000 terms
    would be resized in single C calls that hold the GIL, and so the event loop, for 20 ms.
    """

    def __init__(
        self,
        numbered: Iterable[tuple[int, PreparedEntry]],
        surface_forms: Mapping[str, tuple[str, ...]],
        exclude: FlatTerms | None = None,
    ) -> None:
        """`numbered`: (position, entry) in ascending positions. Words of `exclude`'s
        vocabulary are left out of the typo buckets (a layer reads them from its base)."""
        growing: tuple[dict[str, list[int]], ...] = tuple({} for _ in range(SHARDS))
        self.buckets: dict[BucketKey, list[str]] = {}
        for position, item in numbered:
            for term in item.terms:
                shard = growing[hash(term) % SHARDS]
                found = shard.get(term)
                if found is None:
                    shard[term] = [position]
                    self._add_word(term, exclude)  # in order of first use, as flat order is
                else:
                    found.append(position)
        self._shards: tuple[dict[str, Postings], ...] = growing  # type: ignore[assignment]
        for shard in growing:
            for term, ids in shard.items():  # in place: no second big dict
                shard[term] = _compact(ids)  # type: ignore[assignment]
        self.surface_forms = surface_forms
        self.surface: dict[str, tuple[str, ...]] = {}
        for surface, terms in surface_forms.items():
            known = tuple(term for term in terms if self.df(term))
            if known and not self.df(surface):
                self.surface[surface] = known
                self._add_word(surface, exclude)

    def _add_word(self, word: str, exclude: FlatTerms | None) -> None:
        if exclude is None or not exclude.in_vocabulary(word):
            for key in bucket_keys(word):
                self.buckets.setdefault(key, []).append(word)

    @property
    def postings(self) -> dict[str, Postings]:
        """All postings in one dict (tests and reports; searches read the shards)."""
        return {term: ids for shard in self._shards for term, ids in shard.items()}

    def term_count(self) -> int:
        return sum(map(len, self._shards))

    def parts(self) -> list[object]:
        """Every term and postings object (to free them one by one: bot/answers/release.py)."""
        found: list[object] = []
        for shard in self._shards:
            found.extend(shard)
            found.extend(shard.values())
        return found

    def df(self, term: str) -> int:
        found = self._shards[hash(term) % SHARDS].get(term)
        if found is None:
            return 0
        return 1 if isinstance(found, int) else len(found)

    def positions(self, term: str) -> Sequence[int]:
        found = self._shards[hash(term) % SHARDS].get(term)
        if found is None:
            return ()
        return (found,) if isinstance(found, int) else found

    def in_vocabulary(self, word: str) -> bool:
        return bool(self.df(word)) or word in self.surface

    def spelling(self, word: str) -> tuple[str, ...] | None:
        return (word,) if self.df(word) else self.surface.get(word)

    def best_word(self, token: str, key: BucketKey, cutoff: float) -> tuple[str, float] | None:
        words = self.buckets.get(key)
        if not words:
            return None
        found = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        return (found[0], found[1]) if found is not None else None

    def has_vocabulary(self) -> bool:
        return bool(self.term_count() or self.surface)

    def vocabulary_size(self) -> int:
        return self.term_count() + len(self.surface)

    def posting_count(self) -> int:
        """Positions stored in arrays (single positions are counted by the term)."""
        return sum(
            len(ids) for shard in self._shards for ids in shard.values() if not isinstance(ids, int)
        )
