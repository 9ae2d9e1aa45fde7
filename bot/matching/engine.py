"""The answering engine: question in, one of three outcomes out. No I/O, no Discord types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.index import PreparedCache, SearchIndex
from bot.matching.normalize import MAX_QUESTION_CHARS, Normalizer, question_sentence

RARE_TERM_ENTRIES = 3  # a word used by at most this many entries is specific to them


@dataclass(frozen=True)
class Thresholds:
    """Every tuning knob for the outcome decision, in one place (tuned on tests/data)."""

    answer: float = 0.60  # best score needed to answer outright ...
    margin: float = 0.02  # ... when it leads the runner-up by this much,
    certain: float = 0.70  # ... or at any margin above this score
    suggest: float = 0.38  # below this nothing is close enough to suggest
    exact: float = 0.95  # an entry's own phrase: answered even with off-topic words in it
    min_suggestions: int = 2
    max_suggestions: int = 5


class Outcome(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NO_MATCH = "no_match"
    EMPTY = "empty"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.entry.title


@dataclass(frozen=True)
class MatchResult:
    """What the engine decided, with enough detail for an embed, a CLI line or a log row."""

    question: str
    normalized: str
    outcome: Outcome
    candidates: tuple[Candidate, ...] = ()
    smalltalk: str | None = None  # "greeting", "thanks", ... when that is all it was
    truncated: bool = False

    @property
    def entry(self) -> Entry | None:
        return self.candidates[0].entry if self.outcome is Outcome.ANSWER else None

    @property
    def confidence(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        return self.candidates if self.outcome is Outcome.SUGGEST else ()


@dataclass
class Matcher:
    """Matches questions against one knowledge base; build once per knowledge-base version."""

    knowledge: KnowledgeBase
    thresholds: Thresholds = field(default_factory=Thresholds)
    cache: PreparedCache | None = None

    def __post_init__(self) -> None:
        if self.cache is None or self.cache.normalize.language != self.knowledge.language:
            self.cache = PreparedCache(Normalizer(self.knowledge.language))
        self.normalize = self.cache.normalize
        language = self.knowledge.language
        self.offtopic = language.offtopic | self._terms(language.offtopic)
        self.domain = self._terms(language.domain)
        self.index = SearchIndex(
            (self.cache.get(entry) for entry in self.knowledge), self.normalize.surface_forms()
        )

    def _off_topic(self, content: set[str]) -> bool:
        """'How much do nurses earn': another career's question, though 'earn' is ours.

        A question naming an off-topic word is ours only with a domain word ("ML", "data") or
        a word that only a few entries use (a server's alias, "kaggle").
        """
        if not content & self.offtopic or content & self.domain:
            return False
        postings = self.index.postings
        return not any(
            len(postings.get(term, ())) <= RARE_TERM_ENTRIES
            for term in content - self.offtopic
            if term in postings
        )

    def _terms(self, words: frozenset[str]) -> frozenset[str]:
        return frozenset(term for word in words for term in self.normalize(word).content)

    def rebuilt(self, knowledge: KnowledgeBase) -> Matcher:
        """A matcher for a changed base that reuses this one's prepared entries."""
        return Matcher(knowledge, self.thresholds, self.cache)

    def match(self, question: str) -> MatchResult:
        """Classify a question. Never raises on any input string."""
        question = question or ""
        truncated = len(question) > MAX_QUESTION_CHARS
        question = question[:MAX_QUESTION_CHARS]
        normalized = self.normalize(question)
        base = {"question": question, "normalized": normalized.text, "truncated": truncated}
        if not normalized.tokens:
            return MatchResult(outcome=Outcome.EMPTY, **base)
        if not normalized.content:
            kind = self.knowledge.language.smalltalk_kind(list(normalized.tokens))
            return MatchResult(outcome=Outcome.NO_MATCH, smalltalk=kind, **base)

        limits = self.thresholds
        sentence = question_sentence(question)
        focus = self.normalize(sentence) if sentence else None
        found = self.index.search(normalized, limit=limits.max_suggestions, focus=focus)
        ranked = [Candidate(entry, score) for entry, score in found]
        best = ranked[0].score if ranked else 0.0
        if self._off_topic(set(normalized.content)) and best < limits.exact:
            return MatchResult(outcome=Outcome.NO_MATCH, **base)  # logged for moderators too
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best >= limits.certain or (best >= limits.answer and best - runner_up >= limits.margin):
            return MatchResult(outcome=Outcome.ANSWER, candidates=tuple(ranked), **base)
        if best >= limits.suggest:
            floor = best * 0.75
            close = [c for c in ranked if c.score >= floor] or ranked
            if len(close) < limits.min_suggestions:
                close = ranked[: limits.min_suggestions]
            return MatchResult(outcome=Outcome.SUGGEST, candidates=tuple(close), **base)
        return MatchResult(outcome=Outcome.NO_MATCH, candidates=tuple(ranked), **base)
