"""The answering engine: question in, one of three outcomes out. No I/O, no Discord types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.dense import DenseIndex, semantic_text
from bot.matching.fusion import FEATURES, NONE_FEATURES
from bot.matching.index import PreparedCache, PreparedEntry, SearchIndex
from bot.matching.normalize import MAX_QUESTION_CHARS, Normalized, Normalizer, question_sentence

if TYPE_CHECKING:
    from bot.matching.semantic import Semantic

RARE_TERM_ENTRIES = 3  # a word used by at most this many entries is specific to them
LEXICAL_POOL = 10  # candidates taken from each ranking before fusion
SEMANTIC_POOL = 10


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
    semantic: Semantic | None = None  # None: lexical matching only
    # the matcher whose index this one's is layered on (the bundled one for a server)
    over: Matcher | None = field(default=None, repr=False, compare=False)

    index: SearchIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.cache is None or self.cache.normalize.language != self.knowledge.language:
            self.cache = PreparedCache(Normalizer(self.knowledge.language))
        self.normalize = self.cache.normalize
        language = self.knowledge.language
        self.offtopic = language.offtopic | self._terms(language.offtopic)
        self.domain = self._terms(language.domain)
        over = self.over
        base = over.index if over and over.normalize is self.normalize else None
        self.index = SearchIndex(self._prepared(base), self.normalize.surface_forms(), base)
        self.dense: DenseIndex | None = None
        self.offtopic_vectors: npt.NDArray[np.float32] | None = None
        if self.semantic is not None:
            self.dense = DenseIndex.build(self.knowledge.entries, self.semantic.vectors)
            examples = list(language.offtopic_examples)
            if examples:
                self.offtopic_vectors = self.semantic.vectors.vectors(examples).astype(np.float32)
        self._positions = (  # for the fused decision only: a server's 100,000 ids cost 7 MB
            {entry.id: n for n, entry in enumerate(self.knowledge.entries)}
            if self.semantic is not None
            else {}
        )

    def _prepared(self, base: SearchIndex | None) -> Iterator[PreparedEntry]:
        """Each entry prepared, the base's own entries as the base prepared them."""
        assert self.cache is not None
        for entry in self.knowledge:
            yield (base.prepared_for(entry) if base else None) or self.cache.get(entry)

    @property
    def kind(self) -> str:
        """ "hybrid" or "lexical": what answered (shown by `careerbot doctor` and --json)."""
        return "lexical" if self.semantic is None else "hybrid"

    def _off_topic(self, content: set[str]) -> bool:
        """'How much do nurses earn': another career's question, though 'earn' is ours.

        A question naming an off-topic word is ours only with a domain word ("ML", "data") or
        a word that only a few entries use (a server's alias, "kaggle").
        """
        if not content & self.offtopic or content & self.domain:
            return False
        df = self.index.terms.df
        return not any(0 < df(term) <= RARE_TERM_ENTRIES for term in content - self.offtopic)

    def _terms(self, words: frozenset[str]) -> frozenset[str]:
        return frozenset(term for word in words for term in self.normalize(word).content)

    def rebuilt(self, knowledge: KnowledgeBase) -> Matcher:
        """A matcher for a changed base that reuses this one's prepared entries."""
        return Matcher(knowledge, self.thresholds, self.cache, self.semantic, self.over)

    def match(self, question: str) -> MatchResult:
        """Classify a question. Never raises on any input string."""
        question = question or ""
        truncated = len(question) > MAX_QUESTION_CHARS
        question = question[:MAX_QUESTION_CHARS]
        normalized = self.normalize(question)
        base: dict[str, Any] = {
            "question": question,
            "normalized": normalized.text,
            "truncated": truncated,
        }
        if not normalized.tokens:
            return MatchResult(outcome=Outcome.EMPTY, **base)
        if not normalized.content:
            kind = self.knowledge.language.smalltalk_kind(list(normalized.tokens))
            return MatchResult(outcome=Outcome.NO_MATCH, smalltalk=kind, **base)

        sentence = question_sentence(question)
        focus = self.normalize(sentence) if sentence else None
        off_words = self._off_topic(set(normalized.content))
        if self.semantic is None:
            return self._decide_lexical(normalized, focus, off_words, base)
        fused = self.candidate_features(question, sentence, normalized, focus, off_words)
        return self._decide_fused(fused, base)

    def features(self, question: str) -> Fused | None:
        """For fitting the calibration: what `match` would weigh, or None when there is nothing
        to match (empty, small talk) or no semantic model."""
        question = (question or "")[:MAX_QUESTION_CHARS]
        normalized = self.normalize(question)
        if self.semantic is None or not normalized.content:
            return None
        sentence = question_sentence(question)
        focus = self.normalize(sentence) if sentence else None
        off_words = self._off_topic(set(normalized.content))
        return self.candidate_features(question, sentence, normalized, focus, off_words)

    def _decide_lexical(
        self,
        normalized: Normalized,
        focus: Normalized | None,
        off_words: bool,
        base: dict[str, Any],
    ) -> MatchResult:
        limits = self.thresholds
        found = self.index.search(normalized, limit=limits.max_suggestions, focus=focus)
        ranked = [Candidate(entry, score) for entry, score in found]
        best = ranked[0].score if ranked else 0.0
        if off_words and best < limits.exact:
            return MatchResult(outcome=Outcome.NO_MATCH, **base)  # logged for moderators too
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best >= limits.certain or (best >= limits.answer and best - runner_up >= limits.margin):
            return MatchResult(outcome=Outcome.ANSWER, candidates=tuple(ranked), **base)
        if best >= limits.suggest:
            return MatchResult(
                outcome=Outcome.SUGGEST, candidates=self._suggestions(ranked), **base
            )
        return MatchResult(outcome=Outcome.NO_MATCH, candidates=tuple(ranked), **base)

    def _suggestions(self, ranked: list[Candidate]) -> tuple[Candidate, ...]:
        limits = self.thresholds
        floor = ranked[0].score * 0.75
        close = [c for c in ranked if c.score >= floor] or ranked
        if len(close) < limits.min_suggestions:
            close = ranked[: limits.min_suggestions]
        return tuple(close[: limits.max_suggestions])

    def candidate_features(
        self,
        question: str,
        sentence: str | None,
        normalized: Normalized,
        focus: Normalized | None,
        off_words: bool,
    ) -> Fused:
        """The candidates of both rankings with their rows of FEATURES, and the question's row
        of NONE_FEATURES (see bot/matching/fusion.py)."""
        assert self.semantic is not None and self.dense is not None
        texts = [semantic_text(question, self.knowledge.language)]
        if sentence:
            texts.append(semantic_text(sentence, self.knowledge.language))
        embedding = self.semantic.embed_soon(texts)
        found = self.index.search(normalized, limit=LEXICAL_POOL, focus=focus)
        lexical = {entry.id: score for entry, score in found}
        lexical_rank = {entry.id: rank for rank, (entry, _) in enumerate(found, 1)}
        query = embedding.result()
        per_entry = self.dense.scores(query)  # (texts, entries)
        semantic = per_entry.max(axis=0)
        order = np.argsort(-semantic, kind="stable")[:SEMANTIC_POOL]
        semantic_rank = {self.knowledge.entries[int(n)].id: r for r, n in enumerate(order, 1)}
        offtopic = 0.0
        if self.offtopic_vectors is not None and len(self.offtopic_vectors):
            offtopic = float(max((self.offtopic_vectors @ row).max() for row in query))
        top_semantic = float(semantic.max()) if semantic.size else 0.0
        top_lexical = max(lexical.values(), default=0.0)
        ids = list(dict.fromkeys([*lexical, *semantic_rank]))
        rows = []
        for entry_id in ids:
            position = self._positions[entry_id]
            lex, sem = lexical.get(entry_id, 0.0), float(semantic[position])
            rows.append(
                (
                    lex,
                    sem,
                    float(per_entry[0, position]),
                    sem - top_semantic,
                    lex - top_lexical,
                    1.0 / lexical_rank[entry_id] if entry_id in lexical_rank else 0.0,
                    1.0 / semantic_rank[entry_id] if entry_id in semantic_rank else 0.0,
                    float(lexical_rank.get(entry_id) == semantic_rank.get(entry_id) == 1),
                )
            )
        return Fused(
            entries=[self.knowledge.entries[self._positions[i]] for i in ids],
            features=np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURES)),
            question=np.asarray(
                (top_semantic, top_lexical, offtopic - top_semantic, float(off_words)),
                dtype=np.float32,
            ),
            exact=top_lexical >= self.thresholds.exact,
        )

    def _decide_fused(self, fused: Fused, base: dict[str, Any]) -> MatchResult:
        assert self.semantic is not None
        if not fused.entries:
            return MatchResult(outcome=Outcome.NO_MATCH, **base)
        calibration = self.semantic.calibration
        decision = calibration.decision
        confidence = calibration.confidences(fused.features, fused.question)
        order = np.argsort(-confidence, kind="stable")
        ranked = [
            Candidate(fused.entries[int(n)], round(float(confidence[n]), 4))
            for n in order[: self.thresholds.max_suggestions]
        ]
        best = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if fused.exact and int(order[0]) == int(np.argmax(fused.features[:, 0])):
            return MatchResult(outcome=Outcome.ANSWER, candidates=tuple(ranked), **base)
        if best >= decision.answer and best - runner_up >= decision.margin:
            return MatchResult(outcome=Outcome.ANSWER, candidates=tuple(ranked), **base)
        if best >= decision.suggest:
            floor = max(decision.suggest * 0.5, best * 0.25)
            close = [c for c in ranked if c.score >= floor]
            if len(close) < self.thresholds.min_suggestions:
                close = ranked[: self.thresholds.min_suggestions]
            return MatchResult(outcome=Outcome.SUGGEST, candidates=tuple(close), **base)
        if fused.question[NONE_FEATURES.index("offtopic_words")]:
            return MatchResult(outcome=Outcome.NO_MATCH, **base)  # another career: no topics
        return MatchResult(outcome=Outcome.NO_MATCH, candidates=tuple(ranked), **base)


@dataclass(frozen=True)
class Fused:
    """What the fused decision weighs for one question."""

    entries: list[Entry]
    features: npt.NDArray[np.float32]  # one row of FEATURES per entry
    question: npt.NDArray[np.float32]  # NONE_FEATURES
    exact: bool  # the lexical best is one of an entry's own phrases
