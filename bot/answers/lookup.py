"""Finding a topic by what a member typed: fuzzy over titles and ids, fast enough for every
keystroke of an autocomplete (pure, in memory)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, utils

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry

MAX_CHOICES = 25  # Discord's limit for autocomplete
MIN_SCORE = 55.0  # below this a topic is not offered at all


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(utils.default_process(text.replace("-", " ")).split())


def _word_score(typed: str, word: str) -> float:
    """100 for a prefix (people type the start of words), else edit similarity (typos)."""
    if word.startswith(typed):
        return 100.0
    return fuzz.ratio(typed, word) if len(typed) > 1 else 0.0


def score(query: str, entry: Entry) -> float:
    """0-100: how well `query` matches the entry's title or id, word by word, typos allowed."""
    typed = _words(query)
    if not typed:
        return 0.0
    words = set(_words(entry.title)) | set(_words(entry.id))
    per_word = sum(max(_word_score(t, w) for w in words) for t in typed) / len(typed)
    phrase = " ".join(typed)
    whole = max(fuzz.ratio(phrase, " ".join(_words(text))) for text in (entry.title, entry.id))
    return 0.8 * per_word + 0.2 * whole


def search(entries: Iterable[Entry], query: str, limit: int = MAX_CHOICES) -> list[Entry]:
    """Best matches first (ties keep knowledge order); with no query, the first `limit`."""
    pool = list(entries)
    if not query.strip():
        return pool[:limit]
    scored = [(score(query, entry), index) for index, entry in enumerate(pool)]
    ranked = sorted((item for item in scored if item[0] >= MIN_SCORE), key=lambda x: (-x[0], x[1]))
    return [pool[index] for _, index in ranked[:limit]]


def resolve(knowledge: KnowledgeBase, typed: str) -> Entry | None:
    """The entry for an autocomplete value (an id) or a title typed in full; None otherwise.

    No fuzzy guess here: a member who typed something else gets the closest topics to choose
    from instead of a confident wrong answer.
    """
    text = typed.strip()
    entry = knowledge.get(text.lower())
    if entry is not None:
        return entry
    folded = " ".join(text.split()).casefold()
    return next((e for e in knowledge if e.title.casefold() == folded), None)
