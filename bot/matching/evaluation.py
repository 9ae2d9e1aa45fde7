"""Measuring the matcher: our question sets, a fixed train / held-out split, and the figures.

Used by `scripts/fit_matcher.py` (fits on the training split only), the matcher benchmark and
the accuracy tests (which read the held-out split). The split is by a hash of each question's
text with a fixed seed, so adding questions never moves old ones between the splits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from bot.matching.engine import Candidate, Matcher, MatchResult, Outcome

SPLIT_SEED = "careerbot-2026-12"
TRAIN_SHARE = 0.7
QUESTIONS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"


@dataclass(frozen=True)
class Question:
    text: str
    entry_id: str | None  # None: out of scope, the bot must not answer it
    style: str
    source: str
    also: tuple[str, ...] = ()  # other entries that answer it about as well

    def accepts(self, entry_id: str | None) -> bool:
        return entry_id is not None and (entry_id == self.entry_id or entry_id in self.also)

    @property
    def split(self) -> str:
        digest = hashlib.sha256(f"{SPLIT_SEED}:{self.text}".encode()).digest()
        return "train" if int.from_bytes(digest[:4], "big") / 2**32 < TRAIN_SHARE else "heldout"


def load_questions(directory: Path = QUESTIONS_DIR) -> list[Question]:
    """Every question file: `questions.yaml` and `questions/*.yaml` (in_scope, out_of_scope)."""
    files = [directory / "questions.yaml", *sorted((directory / "questions").glob("*.yaml"))]
    found: dict[str, Question] = {}
    for path in files:
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("in_scope") or []:
            text = str(item["q"])
            also = tuple(str(other) for other in item.get("also") or ())
            found.setdefault(text, Question(text, str(item["id"]), item["style"], path.name, also))
        for item in data.get("out_of_scope") or []:
            text = str(item["q"])
            found.setdefault(text, Question(text, None, item["style"], path.name))
    return list(found.values())


def split(questions: Iterable[Question], name: str) -> list[Question]:
    return [question for question in questions if question.split == name]


@dataclass
class Tally:
    """Counts for one group of questions (a style, or all)."""

    asked: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    suggested: int = 0
    declined: int = 0

    def add(self, question: Question, result: MatchResult) -> None:
        self.asked += 1
        ids = [candidate.id for candidate in result.candidates]
        answered = result.outcome is Outcome.ANSWER
        if question.entry_id is None:
            self.declined += result.outcome is not Outcome.ANSWER
            self.suggested += result.outcome is Outcome.SUGGEST
            self.answered_wrong += answered
            return
        right = bool(ids) and question.accepts(ids[0])
        self.top1 += answered and right
        self.top3 += any(question.accepts(entry_id) for entry_id in ids[:3])
        self.answered_right += answered and right
        self.answered_wrong += answered and not right
        self.suggested += result.outcome is Outcome.SUGGEST


@dataclass
class Report:
    in_scope: Tally = field(default_factory=Tally)
    out_of_scope: Tally = field(default_factory=Tally)
    by_style: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[str, str | None, list[str], str]] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        inside, outside = self.in_scope, self.out_of_scope
        return {
            "top1": inside.top1 / max(inside.asked, 1),
            "top3": inside.top3 / max(inside.asked, 1),
            "confident_wrong": inside.answered_wrong / max(inside.asked, 1),
            "declined_out_of_scope": outside.declined / max(outside.asked, 1),
        }


class Answers(Protocol):
    def match(self, question: str) -> MatchResult: ...


def evaluate(matcher: Answers, questions: Sequence[Question]) -> Report:
    """Run every question once; count by scope and by style."""
    report = Report()
    for question in questions:
        result = matcher.match(question.text)
        tally = report.in_scope if question.entry_id else report.out_of_scope
        tally.add(question, result)
        report.by_style[question.style].add(question, result)
        top = [candidate.id for candidate in result.candidates[:3]]
        wrong = (
            result.outcome is Outcome.ANSWER
            if question.entry_id is None
            else not (result.outcome is Outcome.ANSWER and question.accepts(top[0]))
        )
        if wrong:
            report.misses.append((question.text, question.entry_id, top, result.outcome.value))
    return report



class SemanticOnly:
    """The sentence model alone, for comparison: rank by cosine, answer above a threshold.

    Its thresholds are chosen on the training split (`fit`), like the hybrid's.
    """

    def __init__(self, matcher: Matcher, answer: float = 0.6, suggest: float = 0.4) -> None:
        self.matcher, self.answer, self.suggest = matcher, answer, suggest

    def match(self, question: str) -> MatchResult:
        base = MatchResult(question=question, normalized="", outcome=Outcome.NO_MATCH)
        fused = self.matcher.features(question)
        if fused is None or not fused.entries:
            return base
        order = sorted(range(len(fused.entries)), key=lambda n: -float(fused.features[n, 1]))
        ranked = tuple(Candidate(fused.entries[n], float(fused.features[n, 1])) for n in order[:5])
        best = ranked[0].score
        outcome = (
            Outcome.ANSWER
            if best >= self.answer
            else Outcome.SUGGEST
            if best >= self.suggest
            else Outcome.NO_MATCH
        )
        return MatchResult(question, "", outcome, ranked)

    def fit(self, questions: Sequence[Question]) -> SemanticOnly:
        """Choose the two thresholds that best trade right answers against wrong ones."""
        results = [(question, self.match(question.text)) for question in questions]
        best_score, best = float("-inf"), (self.answer, self.suggest)
        for answer in [x / 100 for x in range(30, 96, 2)]:
            for suggest in [x / 100 for x in range(20, 90, 2)]:
                if suggest > answer:
                    continue
                score = 0.0
                for question, result in results:
                    top = result.candidates[0] if result.candidates else None
                    confident = top is not None and top.score >= answer
                    right = top is not None and question.accepts(top.id)
                    if question.entry_id is None:
                        score -= 4.0 if confident else 0.0
                    else:
                        score += (1.0 if right else -4.0) if confident else 0.0
                if score > best_score:
                    best_score, best = score, (answer, suggest)
        self.answer, self.suggest = best
        return self
