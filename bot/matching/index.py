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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.models import Entry
from bot.matching.normalize import Normalized, Normalizer

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


@dataclass(frozen=True)
class PreparedEntry:
    """An entry's searchable text, normalised once and reused across index rebuilds."""

    entry: Entry
    docs: tuple[str, ...]  # content-token strings of title, questions and keywords
    doc_terms: tuple[tuple[str, ...], ...]  # distinct terms; tuples: a third of a set's memory
    terms: tuple[str, ...]  # distinct terms of all docs


def prepare(entry: Entry, normalize: Normalizer) -> PreparedEntry:
    docs: list[str] = []
    doc_terms: list[tuple[str, ...]] = []
    for text in (entry.title, *entry.questions, *entry.keywords, entry.id.replace("-", " ")):
        normalized = normalize(text)
        if normalized.content and " ".join(normalized.content) not in docs:
            docs.append(" ".join(normalized.content))
            doc_terms.append(tuple(dict.fromkeys(normalized.content)))
    terms = tuple(dict.fromkeys(term for terms in doc_terms for term in terms))
    return PreparedEntry(entry, tuple(docs), tuple(doc_terms), terms)


def prepared_key(entry: Entry) -> tuple[object, ...]:
    return (entry.id, entry.title, tuple(entry.questions), tuple(entry.keywords))


class PreparedCache:
    """Prepared entries by content, so an edit re-normalises only what changed."""

    def __init__(self, normalize: Normalizer) -> None:
        self.normalize = normalize
        self._items: dict[tuple[object, ...], PreparedEntry] = {}

    def get(self, entry: Entry) -> PreparedEntry:
        key = prepared_key(entry)
        item = self._items.get(key)
        if item is None or item.entry is not entry:
            item = (
                prepare(entry, self.normalize)
                if item is None
                else PreparedEntry(entry, item.docs, item.doc_terms, item.terms)
            )
            self._items[key] = item
        return item


class SearchIndex:
    """Scores entries against a normalised question. Immutable once built."""

    def __init__(
        self,
        prepared: Iterable[PreparedEntry],
        surface_forms: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.items: list[PreparedEntry] = list(prepared)
        postings: dict[str, list[int]] = {}
        for position, item in enumerate(self.items):
            for term in item.terms:
                postings.setdefault(term, []).append(position)
        size = len(self.items)
        self.postings = postings
        self.idf = {
            term: math.log((size + 1) / (len(ids) + 0.5)) + 1 for term, ids in postings.items()
        }
        self.unknown_idf = math.log((size + 1) / 0.5) + 1
        # Typos are matched against known terms and the words people use for them
        # ("lerning" is closer to "learning" than to its canonical form "learn").
        self.spellings: dict[str, tuple[str, ...]] = {term: (term,) for term in postings}
        for surface, terms in (surface_forms or {}).items():
            known = tuple(term for term in terms if term in postings)
            if known:
                self.spellings.setdefault(surface, known)
        self.vocabulary = list(self.spellings)
        # A typo nearly always keeps its first two letters or its last two, and a length within
        # the ratio cutoff's reach: comparing with those buckets only keeps even a 450k-word
        # vocabulary (a big server's own entries) at well under a millisecond per word.
        self._buckets: dict[tuple[str, str, int], list[str]] = {}
        for word in self.vocabulary:
            for edge in (("first", word[:2]), ("last", word[-2:])):
                self._buckets.setdefault((*edge, len(word)), []).append(word)
        self._guesses: dict[str, tuple[tuple[str, ...], float]] = {}
        self.doc_weights = [
            tuple(sum(self.idf[term] for term in terms) for terms in item.doc_terms)
            for item in self.items
        ]

    def _resolve(self, token: str, budget: list[int]) -> tuple[tuple[str, ...], float]:
        """The known terms a question word stands for, and how sure we are (typos < 1).

        `budget` counts the vocabulary comparisons this question may still make."""
        if token in self.idf:
            return (token,), 1.0
        if len(token) < TYPO_MIN_LENGTH or not self.vocabulary:
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
                words = self._buckets.get((*edge, length))
                if not words:
                    continue
                cutoff = best[1] if best else TYPO_CUTOFF
                found = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=cutoff)
                if found is not None and (best is None or found[1] > best[1]):
                    best = (found[0], found[1])
            if best is not None:
                break
        if best is None:
            return (), 0.0
        return self.spellings[best[0]], (best[1] - TYPO_FLOOR) / (100 - TYPO_FLOOR)

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
                weight = self.idf[term]
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
            for position in self.postings[term]:
                coverage[position] = coverage.get(position, 0.0) + value
        return coverage

    def _score(self, position: int, query: _Query, covered: float) -> float:
        item = self.items[position]
        best_doc = 0.0
        for terms, doc_weight in zip(item.doc_terms, self.doc_weights[position], strict=True):
            if doc_weight:
                hit = sum(self.idf[term] for term in terms if term in query.matched)
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
            RERANK_POOL, pooled, key=lambda p: (pooled[p], -len(self.items[p].terms))
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


@dataclass(frozen=True)
class _Query:
    matched: dict[str, float]
    total: float
    text: str
    query_weight: float


def _best_fuzzy(query: str, docs: Sequence[str]) -> float:
    found = process.extractOne(query, docs, scorer=fuzz.token_sort_ratio)
    return found[1] / 100 if found else 0.0
