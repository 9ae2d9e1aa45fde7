"""Per-user question cooldown: a sliding window kept in memory (no I/O, no Discord types)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

_PRUNE_EVERY = 1000  # checks between sweeps of users who went quiet, so memory stays bounded


class RateLimiter:
    """At most `rate` questions per `per_seconds` for each key (a user id).

    A sliding window rather than fixed buckets: five quick questions, then the sixth waits until
    the first of them is `per_seconds` old, whenever the burst started.
    """

    def __init__(
        self, rate: int, per_seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate < 1 or per_seconds <= 0:
            raise ValueError("rate must be >= 1 and per_seconds > 0")
        self.rate = rate
        self.per = per_seconds
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._noted: dict[Hashable, float] = {}  # key -> end of the window we told them about
        self._checks = 0

    def check(self, key: Hashable) -> float | None:
        """Count one question; None when allowed, else seconds until the next one is allowed.

        A refused question is not counted, so waiting out the cooldown always works.
        """
        now = self.clock()
        self._checks += 1
        if self._checks % _PRUNE_EVERY == 0:
            self._prune(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return hits[0] + self.per - now
        hits.append(now)
        return None

    def first_refusal(self, key: Hashable, retry_after: float) -> bool:
        """True once per cooldown: lets free-text replies say "slow down" once, not per message."""
        now = self.clock()
        if self._noted.get(key, -math.inf) > now:
            return False
        self._noted[key] = now + retry_after
        return True

    def _prune(self, now: float) -> None:
        stale = [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.per]
        for key in stale:
            del self._hits[key]
        self._noted = {key: until for key, until in self._noted.items() if until > now}


def wait_text(retry_after: float) -> str:
    """'You're asking fast ...' with whole seconds, never '0 s'."""
    seconds = max(1, math.ceil(retry_after))
    return f"You're asking fast — try again in {seconds} s."
