"""Keeps CPython's cyclic garbage collector from stalling the event loop on big caches.

A full collection walks every container object while holding the GIL. A view of 100,000
server entries is about two million of them, and while it was built full collections held the
event loop for up to a second (benchmarks/loop_stall_bench.py). Views hold no reference cycles
(tests/answers/test_knowledge_cache.py checks it), so reference counting alone frees them.

So builds run with automatic collection paused, and when the last running build ends, every
object alive is moved to the permanent generation (`gc.freeze`), which later collections skip.
The price: a reference cycle that was alive at that moment and dies later is never collected.
Collecting the young generations just before each build (cheap, bounded by their thresholds)
keeps that to cycles created during the build and the few dead ones already in the oldest.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_was_enabled = True
_switch_interval = 0.005
BUILD_SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while another waits


def freeze_startup() -> None:
    """Collect once and freeze what start-up loaded (before the bot takes questions): later
    full collections only walk what was created since."""
    gc.collect()
    gc.freeze()


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run a build with automatic collection off; freeze what is alive when the last ends.

    Meanwhile the interpreter also switches threads every millisecond instead of every five,
    so the event loop waits less for the GIL while the build runs.
    """
    global _running, _was_enabled, _switch_interval
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.collect(1)  # the young generations: cheap, whatever the size of the heap
            gc.disable()
            _switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_interval, BUILD_SWITCH_INTERVAL))
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
                sys.setswitchinterval(_switch_interval)
