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

VIEW_BYTES = 1_500  # the view, its layer composer and their bookkeeping
ROW_BYTES = 250  # a layer row without its text (flags, aliases) and its composer slot
ENTRY_BYTES = 1_500  # a validated entry object without its text
TEXT_BYTES_PER_CHAR = 1  # entry text (the index keeps it normalised: DOC_BYTES)
DOC_BYTES = 165  # one normalised title, question or keyword: its string and terms
INDEXED_ENTRY_BYTES = 320  # an entry's slots in the index, the prepared cache and lookups
TERM_BYTES = 220  # one distinct term: postings list, weight, spelling and vocabulary slots
POSTING_BYTES = 40  # one (term, entry) pair in the postings
SPELLING_BYTES = 110  # a surface form that maps to known terms ("lerning" -> "learn")
TYPO_BUCKET_BYTES = 150  # a vocabulary word in the typo search's two length buckets
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


def _python_objects(
    knowledge: KnowledgeBase, matcher: Matcher, bundled: Matcher, rows: int
) -> int:
    shared = bundled.knowledge
    own = [entry for entry in knowledge if shared.get(entry.id) is not entry]
    index = matcher.index
    postings = sum(map(len, index.postings.values()))
    own_items = (item for item in index.items if shared.get(item.entry.id) is not item.entry)
    docs = sum(len(item.docs) for item in own_items)
    return (
        ROW_BYTES * rows
        + sum(ENTRY_BYTES + TEXT_BYTES_PER_CHAR * entry_text_chars(entry) for entry in own)
        + DOC_BYTES * docs
        + INDEXED_ENTRY_BYTES * len(index.items)
        + TERM_BYTES * len(index.postings)
        + POSTING_BYTES * postings
        + SPELLING_BYTES * max(0, len(index.spellings) - len(index.postings))
        + TYPO_BUCKET_BYTES * len(index.vocabulary)
    )
