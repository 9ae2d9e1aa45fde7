"""A least-recently-used map bounded by the summed size of its values, not by their count.

Servers differ by orders of magnitude (a few aliases or 20,000 entries of their own), so a
count limit would either waste memory or run out of it; a byte budget holds for any mix.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class LruStats:
    """What an operator watches: how full the cache is and how often it throws work away."""

    items: int
    nbytes: int
    budget: int
    evictions: int


class SizedLRU(Generic[K, V]):
    """Keeps the most recently used values while their sizes sum to at most `budget` bytes.

    The newest value is always kept, even alone over the budget: it is being served.
    Values evicted or replaced by `put` go to `discard` (e.g. to be freed in another thread).
    """

    def __init__(self, budget: int, discard: Callable[[V], None] | None = None) -> None:
        if budget < 0:
            raise ValueError("the budget cannot be negative")
        self.budget = budget
        self._discard = discard
        self.nbytes = 0
        self.evictions = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._items))

    def get(self, key: K) -> V | None:
        """The value, marked as just used; None when absent."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def peek(self, key: K) -> V | None:
        """The value without marking it used (background work must not keep servers alive)."""
        found = self._items.get(key)
        return found[0] if found is not None else None

    def put(self, key: K, value: V, nbytes: int) -> list[K]:
        """Store `value` as the most recent; returns the keys evicted to stay in budget."""
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= old[1]
            if self._discard is not None and old[0] is not value:
                self._discard(old[0])
        self._items[key] = (value, nbytes)
        self.nbytes += nbytes
        evicted: list[K] = []
        while self.nbytes > self.budget and len(self._items) > 1:
            oldest, (dropped, size) = self._items.popitem(last=False)
            self.nbytes -= size
            evicted.append(oldest)
            if self._discard is not None:
                self._discard(dropped)
        self.evictions += len(evicted)
        return evicted

    def pop(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        if found is None:
            return None
        self.nbytes -= found[1]
        return found[0]

    def stats(self) -> LruStats:
        return LruStats(len(self._items), self.nbytes, self.budget, self.evictions)
