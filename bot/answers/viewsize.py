"""How much memory one server's view holds beyond the shared bundled base.

Walking every object would cost as much as building the view, so the estimate counts what the
view is made of (entries, index terms and postings, vectors) and weighs each by its measured
size in CPython 3.11 (tracemalloc; tests/answers/test_knowledge_cache.py checks the estimate
against a measurement), then adds what the allocator holds beyond the objects themselves, so
the budget bounds resident memory (benchmarks/knowledge_cache_bench.py). Only memory the view
does not share with the bundled matcher counts: a server without a layer costs VIEW_BYTES.
"""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.engine import Matcher
from bot.matching.layered import LayeredTerms

VIEW_BYTES = 1_500  # the view, its layer composer and their bookkeeping
ROW_BYTES = 250  # a layer row without its text (flags, aliases) and its composer slot
ENTRY_BYTES = 1_500  # a validated entry object without its text
TEXT_BYTES_PER_CHAR = 1  # entry text (the index keeps it normalised: DOC_BYTES)
PREPARED_BYTES = 200  # a prepared entry and its cache slot, plus a char per normalised char
INDEXED_ENTRY_BYTES = 150  # an entry's slots in the index and the base's lookups
TERM_BYTES = 150  # one distinct term: its string, postings slot and position
POSTING_BYTES = 4  # one position in a postings array
SPELLING_BYTES = 110  # a surface form that maps to known terms ("lerning" -> "learn")
TYPO_BUCKET_BYTES = 10  # a vocabulary word in one of the typo search's buckets
RESIDENT_PER_ALLOCATED = 1.3  # pymalloc's pools and arenas are never quite full (measured)


def entry_text_chars(entry: Entry) -> int:
    return (
        len(entry.title)
        + sum(map(len, entry.questions))
        + sum(map(len, entry.keywords))
        + len(entry.answer)
    )


def view_bytes(knowledge: KnowledgeBase, matcher: Matcher, bundled: Matcher, rows: int) -> int:
    """Estimated bytes held by a view of `knowledge` with `rows` layer rows over `bundled`."""
    if matcher is bundled:
        return VIEW_BYTES + ROW_BYTES * rows
    dense = matcher.dense.nbytes if matcher.dense is not None else 0
    if bundled.dense is not None and matcher.dense is bundled.dense:
        dense = 0
    objects = _python_objects(knowledge, matcher, bundled, rows)
    return VIEW_BYTES + int(RESIDENT_PER_ALLOCATED * objects) + dense  # numpy: plain malloc


def _python_objects(knowledge: KnowledgeBase, matcher: Matcher, bundled: Matcher, rows: int) -> int:
    shared = bundled.knowledge
    own = [entry for entry in knowledge if shared.get(entry.id) is not entry]
    index = matcher.index
    terms = index.terms.own if isinstance(index.terms, LayeredTerms) else index.terms
    own_items = [item for item in index.items if shared.get(item.entry.id) is not item.entry]
    return (
        ROW_BYTES * rows
        + sum(ENTRY_BYTES + TEXT_BYTES_PER_CHAR * entry_text_chars(entry) for entry in own)
        + sum(PREPARED_BYTES + len(item.text) for item in own_items)
        + INDEXED_ENTRY_BYTES * len(index.items)
        + TERM_BYTES * terms.term_count()
        + POSTING_BYTES * terms.posting_count()
        + SPELLING_BYTES * len(terms.surface)
        + TYPO_BUCKET_BYTES * sum(map(len, terms.buckets.values()))
    )
