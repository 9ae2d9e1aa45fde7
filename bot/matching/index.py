"""The search index: inverted term index with IDF weights plus fuzzy re-ranking.

Two signals are combined. The term signal weights each word by how rare it is in the
knowledge base (IDF), so "phd" or "kaggle" decide a match while "ml" or "career" barely
move it; misspelt words are mapped to the closest known term first. The fuzzy signal
(rapidfuzz) compares the whole question with each entry's title, questions and keywords.
Only entries that share a term with the question are scored, so time grows slowly with size.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.models import Entry
from bot.matching.layered import LayeredTerms
from bot.matching.normalize import Normalized, Normalizer
from bot.matching.terms import FlatTerms

TERM_WEIGHT = 0.7  # share of the term signal in the final score; the rest is fuzzy
QUERY_COVERAGE_WEIGHT = 0.6  # inside the term signal: question covered vs. best doc covered
FOCUS_WEIGHT = 0.6  # share of the question sentence in a long message with context
EVIDENCE_NEEDED = 3.5  # summed IDF of matched words for full confidence (one rare word)
RERANK_POOL = 40  # entries re-ranked with the fuzzy signal
TYPO_MIN_LENGTH = 5  # shorter unknown words are not guessed at
TYPO_CUTOFF = 80.0  # rapidfuzz ratio needed to read an unknown word as a known term
TYPO_FLOOR = 75.0  # a guessed term counts (ratio - floor) / (100 - floor) of a sure one
TYPO_LOOKUPS = 8  # unknown words per question compared with the vocabulary (hostile input)
TYPO_CACHE = 20_000  # remembered guesses per index
WEIGHT_CACHE = 50_000  # remembered term weights per index


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    """An entry's searchable text, normalised once and reused across index rebuilds.

    Its docs (title, questions, keywords, id) are kept as one string of content tokens, a line
    per doc: their terms are split off again only for the few entries a question re-ranks, and
    a server's 100,000 entries then cost a string each instead of a dozen tuples.
    """

    entry: Entry
    text: str  # the docs' content tokens, space-separated, one doc per line
    term_count: int  # distinct terms of all docs
    split: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None = None  # (docs, doc terms)
    # when a term holds whitespace (a synonym spelt as two words) and the text cannot be split

    @property
    def docs(self) -> tuple[str, ...]:
        if self.split is not None:
            return self.split[0]
        return tuple(self.text.split("\n")) if self.text else ()

    @property
    def doc_terms(self) -> tuple[tuple[str, ...], ...]:
        """Each doc's distinct terms, in order of first use."""
        if self.split is not None:
            return self.split[1]
        return tuple(tuple(dict.fromkeys(doc.split(" "))) for doc in self.docs)

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(term for terms in self.doc_terms for term in terms))

    def with_entry(self, entry: Entry) -> PreparedEntry:
        return PreparedEntry(entry, self.text, self.term_count, self.split)


def prepare(entry: Entry, normalize: Normalizer) -> PreparedEntry:
    docs: list[str] = []
    doc_terms: list[tuple[str, ...]] = []
    for text in (entry.title, *entry.questions, *entry.keywords, entry.id.replace("-", " ")):
        normalized = normalize(text)
        if normalized.content and " ".join(normalized.content) not in docs:
            docs.append(" ".join(normalized.content))
            doc_terms.append(tuple(dict.fromkeys(normalized.content)))
    terms = dict.fromkeys(term for terms in doc_terms for term in terms)
    splittable = all(term and not any(char.isspace() for char in term) for term in terms)
    split = None if splittable else (tuple(docs), tuple(doc_terms))
    return PreparedEntry(entry, "\n".join(docs), len(terms), split)


def prepared_key(entry: Entry) -> tuple[object, ...]:
    """What an entry's prepared form depends on."""
    return (entry.id, entry.title, tuple(entry.questions), tuple(entry.keywords))


class PreparedCache:
    """Prepared entries by id, so an edit re-normalises only what changed.

    Keyed by id and checked against the entry's text on use: a key per entry holding copies of
    its questions cost a server a quarter of a kilobyte per entry.
    """

    def __init__(self, normalize: Normalizer) -> None:
        self.normalize = normalize
        self._items: dict[str, PreparedEntry] = {}

    def get(self, entry: Entry) -> PreparedEntry:
        item = self._items.get(entry.id)
        if item is not None and item.entry is entry:
            return item
        if item is not None and prepared_key(item.entry) == prepared_key(entry):
            item = item.with_entry(entry)
        else:
            item = prepare(entry, self.normalize)
        self._items[entry.id] = item
        return item


class SearchIndex:
    """Scores entries against a normalised question. Immutable once built.

    With a `base` (the bundled index), entries that are the base's own prepared entries are
    read from the base's terms instead of being indexed again (bot/matching/layered.py).
    """

    def __init__(
        self,
        prepared: Iterable[PreparedEntry],
        surface_forms: Mapping[str, tuple[str, ...]] | None = None,
        base: SearchIndex | None = None,
    ) -> None:
        self.items: list[PreparedEntry] = list(prepared)
        forms = surface_forms or {}
        shared = base.shared_positions(self.items, forms) if base is not None else None
        if base is not None and shared is not None and isinstance(base.terms, FlatTerms):
            self.terms: FlatTerms | LayeredTerms = LayeredTerms(
                self.items, base.terms, base.items, shared, base.terms.surface_forms
            )
        else:
            self.terms = FlatTerms(enumerate(self.items), forms)
        self.size = len(self.items)
        self.unknown_idf = math.log((self.size + 1) / 0.5) + 1
        self._weights: dict[str, float] = {}
        self._guesses: dict[str, tuple[tuple[str, ...], float]] = {}
        self._ids: dict[str, int] | None = None

    @property
    def idf(self) -> IdfWeights:
        """`index.idf[term]`, as when weights were stored (a view: no reference cycle)."""
        return IdfWeights(self)

    def weight(self, term: str) -> float | None:
        """The term's IDF weight, None when no entry uses it."""
        found = self._weights.get(term)
        if found is None:
            df = self.terms.df(term)
            if not df:
                return None
            found = math.log((self.size + 1) / (df + 0.5)) + 1
            if len(self._weights) >= WEIGHT_CACHE:
                self._weights.clear()
            self._weights[term] = found
        return found

    def _weight(self, term: str) -> float:
        found = self.weight(term)
        assert found is not None, term
        return found

    def shared_positions(
        self, items: Sequence[PreparedEntry], surface_forms: Mapping[str, tuple[str, ...]]
    ) -> list[int] | None:
        """For each of this index's positions, where its prepared entry sits in `items`
        (-1: absent); None when `items` cannot be layered over this index (another order,
        other surface forms, or this index is itself layered)."""
        if not isinstance(self.terms, FlatTerms) or self.terms.surface_forms != surface_forms:
            return None
        ids = self._positions_by_id()
        shared = [-1] * len(self.items)
        last = -1
        for n, item in enumerate(items):
            position = ids.get(item.entry.id)
            if position is not None and self.items[position] is item:
                if position <= last:
                    return None
                shared[position] = last = n
        return shared

    def prepared_for(self, entry: Entry) -> PreparedEntry | None:
        """This index's prepared form of exactly this entry object, if it has one."""
        position = self._positions_by_id().get(entry.id)
        item = self.items[position] if position is not None else None
        return item if item is not None and item.entry is entry else None

    def _positions_by_id(self) -> dict[str, int]:
        if self._ids is None:  # only bases need it: a bundled base is a few hundred entries
            self._ids = {item.entry.id: n for n, item in enumerate(self.items)}
        return self._ids

    def _resolve(self, token: str, budget: list[int]) -> tuple[tuple[str, ...], float]:
        """The known terms a question word stands for, and how sure we are (typos < 1).

        `budget` counts the vocabulary comparisons this question may still make."""
        if self.terms.df(token):
            return (token,), 1.0
        if len(token) < TYPO_MIN_LENGTH or not self.terms.has_vocabulary():
            return (), 0.0
        cached = self._guesses.get(token)
        if cached is not None:
            return cached
        if budget[0] <= 0:
            return (), 0.0
        budget[0] -= 1
        guess = self._guess(token)
        if len(self._guesses) >= TYPO_CACHE:
            self._guesses.clear()
        self._guesses[token] = guess
        return guess

    def _guess(self, token: str) -> tuple[tuple[str, ...], float]:
        # fuzz.ratio >= 80 needs the lengths within a factor of 1.5 of each other
        lengths = range(math.ceil(len(token) / 1.5), math.floor(len(token) * 1.5) + 1)
        best: tuple[str, float] | None = None
        for edge in (("first", token[:2]), ("last", token[-2:])):  # the last only as a fallback
            for length in lengths:
                cutoff = best[1] if best else TYPO_CUTOFF
                found = self.terms.best_word(token, (*edge, length), cutoff)
                if found is not None and (best is None or found[1] > best[1]):
                    best = found
            if best is not None:
                break
        if best is None:
            return (), 0.0
        spelling = self.terms.spelling(best[0])
        assert spelling is not None, best
        return spelling, (best[1] - TYPO_FLOOR) / (100 - TYPO_FLOOR)

    def _query(self, question: Normalized) -> _Query | None:
        words = list(dict.fromkeys(question.content))
        budget = [TYPO_LOOKUPS]
        matched: dict[str, float] = {}  # term -> weight * similarity
        total = 0.0
        for word in words:
            terms, similarity = self._resolve(word, budget)
            if not terms:
                total += self.unknown_idf
                continue
            for term in terms:
                weight = self._weight(term)
                total += weight
                matched[term] = max(matched.get(term, 0.0), weight * similarity)
        if not matched:
            return None
        # Long messages carry context that no entry mentions: trust coverage of the entry more.
        query_weight = max(0.3, QUERY_COVERAGE_WEIGHT - 0.03 * max(0, len(words) - 5))
        return _Query(matched, total, " ".join(question.content), query_weight)

    def _coverage(self, query: _Query) -> dict[int, float]:
        coverage: dict[int, float] = {}
        for term, value in query.matched.items():
            for position in self.terms.positions(term):
                coverage[position] = coverage.get(position, 0.0) + value
        return coverage

    def _score(self, position: int, query: _Query, covered: float) -> float:
        item = self.items[position]
        best_doc = 0.0
        for terms in item.doc_terms:
            doc_weight = sum(self._weight(term) for term in terms)
            if doc_weight:
                hit = sum(self._weight(term) for term in terms if term in query.matched)
                best_doc = max(best_doc, hit / doc_weight)
        term_score = (
            query.query_weight * covered / query.total + (1 - query.query_weight) * best_doc
        )
        fuzzy = _best_fuzzy(query.text, item.docs)
        # One common word ("jobs", "data") is too little evidence to answer with confidence.
        evidence = math.sqrt(min(1.0, covered / EVIDENCE_NEEDED))
        return min(TERM_WEIGHT * term_score + (1 - TERM_WEIGHT) * fuzzy, 1.0) * evidence

    def search(
        self, question: Normalized, limit: int = 5, focus: Normalized | None = None
    ) -> list[tuple[Entry, float]]:
        """Best entries first, each with a score in [0, 1].

        `focus` is the sentence that holds the actual question in a long message; it then
        counts as much as the whole message.
        """
        if not self.items:
            return []
        queries = [(q, w) for q, w in ((self._query(question), 1.0),) if q is not None]
        if focus is not None and (focused := self._query(focus)) is not None:
            queries = [(q, w * (1 - FOCUS_WEIGHT)) for q, w in queries] + [(focused, FOCUS_WEIGHT)]
        if not queries:
            return []
        coverages = [self._coverage(query) for query, _ in queries]
        pooled: dict[int, float] = {}
        for coverage, (query, weight) in zip(coverages, queries, strict=True):
            for position, covered in coverage.items():
                pooled[position] = pooled.get(position, 0.0) + weight * covered / query.total
        # Common words tie many entries; among equals the more focused entry (fewer distinct
        # terms) is likelier to be the topic, so it makes the re-ranked pool first.
        pool = heapq.nlargest(
            RERANK_POOL, pooled, key=lambda p: (pooled[p], -self.items[p].term_count)
        )
        scored = []
        for position in pool:
            score = sum(
                weight * self._score(position, query, coverage[position])
                for coverage, (query, weight) in zip(coverages, queries, strict=True)
                if position in coverage
            )
            scored.append((score, position))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(self.items[position].entry, round(score, 4)) for score, position in scored[:limit]]


class IdfWeights:
    """`index.idf[term]`: weights are computed on use, not stored per term."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    def __getitem__(self, term: str) -> float:
        found = self._index.weight(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._index.terms.df(term) > 0


@dataclass(frozen=True)
class _Query:
    matched: dict[str, float]
    total: float
    text: str
    query_weight: float


def _best_fuzzy(query: str, docs: Sequence[str]) -> float:
    found = process.extractOne(query, docs, scorer=fuzz.token_sort_ratio)
    return found[1] / 100 if found else 0.0
