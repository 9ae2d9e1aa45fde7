"""Finding a topic by what a member typed: titles and ids, typos allowed (see bot.ranking)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.ranking import Named, Rules, rank

# A word's start or a typo of it; 20% for the whole phrase, so word order still counts.
TOPIC_RULES = Rules(min_score=55.0, typo_length=2, phrase_weight=0.2)


def named(entry: Entry) -> Named:
    return Named(entry.id, (entry.title, entry.id))


def search(entries: Iterable[Entry], query: str, limit: int | None = None) -> list[Entry]:
    """Best matches first (ties keep knowledge order); with no query, the first `limit`."""
    return [found.item for found in rank(entries, query, named, TOPIC_RULES, limit=limit)]


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
