"""What did the member type? One ranker for every autocomplete and "which one did you mean".

Topics, roadmap items, tracks and entry ids are all ranked by the same rule, tuned per caller
with `Rules`: each typed word scores its best match among a candidate's words, 100 for the
start of a word (people type prefixes), else its edit similarity (typos). Pure and in memory,
so fast enough for every keystroke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from rapidfuzz import fuzz, utils

T = TypeVar("T")


@dataclass(frozen=True)
class Rules:
    """How closely typed words must match a candidate's words."""

    min_score: float  # 0-100; candidates below it are not offered at all
    typo_length: int | None = 2  # shorter typed words only match as prefixes; None: never typos
    phrase_weight: float = 0.0  # share of the score from comparing the whole phrase
    filler: frozenset[str] = frozenset()  # typed words ignored, so chatty input can't match all


@dataclass(frozen=True)
class Named:
    """How a candidate is typed: its id (`key`) and the texts whose words match (title, id)."""

    key: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Ranked(Generic[T]):
    item: T
    score: float  # 0-100, before any penalty


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation: 'Data-Scientist!' -> ('data', 'scientist')."""
    return tuple(utils.default_process(text).split())


def normalize_key(text: str) -> str:
    """Typed text as an id would be written: ' Data scientist' -> 'data-scientist'."""
    return "-".join(text.strip().lower().replace("_", " ").split())


def score(typed: str, named: Named, rules: Rules) -> float:
    """0-100: the mean of each typed word's best match; the exact id scores 100."""
    if normalize_key(typed) == named.key:
        return 100.0
    typed_words = [word for word in words(typed) if word not in rules.filler]
    if not typed_words:
        return 0.0
    targets = {word for text in named.texts for word in words(text)}
    per_word = sum(_word_score(word, targets, rules.typo_length) for word in typed_words)
    per_word /= len(typed_words)
    if not rules.phrase_weight:
        return per_word
    phrase = " ".join(typed_words)
    whole = max(fuzz.ratio(phrase, " ".join(words(text))) for text in named.texts)
    return (1 - rules.phrase_weight) * per_word + rules.phrase_weight * whole


def _word_score(word: str, targets: Iterable[str], typo_length: int | None) -> float:
    best = 0.0
    for target in targets:
        if target.startswith(word):
            return 100.0
        if typo_length is not None and len(word) >= typo_length:
            best = max(best, fuzz.ratio(word, target))
    return best


def rank(
    candidates: Iterable[T],
    typed: str,
    name: Callable[[T], Named],
    rules: Rules,
    *,
    limit: int | None = None,
    penalty: Callable[[T], float] | None = None,
) -> list[Ranked[T]]:
    """Best first, equal scores in the candidates' order; nothing typed offers every one.

    `penalty` moves a candidate down (e.g. an item already done when marking done) without
    hiding it or changing its score.
    """
    scored: list[tuple[float, int, Ranked[T]]] = []
    for position, candidate in enumerate(candidates):
        value = score(typed, name(candidate), rules) if typed.strip() else 100.0
        if value < rules.min_score:
            continue
        place = value - (penalty(candidate) if penalty is not None else 0.0)
        scored.append((place, position, Ranked(candidate, value)))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [ranked for _, _, ranked in scored[:limit]]


def pick(ranked: Sequence[Ranked[T]], sure: float, gap: float = 0.0) -> Ranked[T] | None:
    """The clear winner, scoring at least `sure` and `gap` ahead of the runner-up; else None."""
    by_score = sorted(ranked, key=lambda candidate: -candidate.score)
    if not by_score:
        return None
    best = by_score[0]
    runner_up = by_score[1].score if len(by_score) > 1 else 0.0
    return best if best.score >= sure and best.score - runner_up >= gap else None
