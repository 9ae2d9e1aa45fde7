"""Dropping an evicted server view without stalling the event loop.

When the cache evicts a view of 100,000 entries, dropping the last reference frees millions
of objects in one C call, holding the GIL (and so the event loop) for up to 100 ms, in
whichever thread drops it. So evicted views go to a worker thread, which first takes its own
references to the view's heavy parts (entries, prepared entries, rows, terms), then lets the
view go (its containers now only decrement counts), and frees the parts one by one, handing
the GIL back to the loop in between. Nothing is mutated: a newer view may share the parts.
"""

from __future__ import annotations

import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.matching.layered import LayeredTerms

if TYPE_CHECKING:
    from bot.answers.guildcache import GuildView

log = logging.getLogger(__name__)

READER_WAIT_SECONDS = 1.0  # a question still using the view gets this long to finish
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="release-views")


def release_in_background(view: GuildView) -> None:
    """Hand an evicted or replaced view to the release thread (call it on the loop)."""
    _worker.submit(_release, [view])


def heavy_parts(view: GuildView) -> list[object]:
    """The objects whose freeing is most of a view's: everything per entry or per term."""
    if view.matcher is view.bundled:
        return []  # a server without entries of its own: nothing big
    index = view.matcher.index
    terms = index.terms.own if isinstance(index.terms, LayeredTerms) else index.terms
    parts: list[object] = [*view.knowledge.entries, *view.layer.rows.values(), *index.items]
    parts.extend(terms.parts())
    parts.extend(terms.buckets.values())
    return parts


def _release(holder: list[GuildView]) -> None:
    try:
        view = holder.pop()  # from now on this frame holds the release's only reference
        parts = heavy_parts(view)
        deadline = time.monotonic() + READER_WAIT_SECONDS
        while sys.getrefcount(view) > 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # 2: `view` and getrefcount's argument; others still use it
        del view
        while parts:
            parts.pop()
    except Exception:  # a release must never take the thread down
        log.exception("releasing a server view failed")
