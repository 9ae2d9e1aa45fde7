"""The loaded knowledge base: immutable, versioned, looked up by id and category."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.knowledge.language import Language
from bot.knowledge.models import Entry


@dataclass(frozen=True)
class KnowledgeBase:
    """A consistent set of entries plus the language data the matcher needs."""

    entries: tuple[Entry, ...]
    language: Language = field(default_factory=Language)
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    @property
    def version(self) -> str:
        """Content hash: two bases with the same text share a version (and a matcher index)."""
        cached = self.__dict__.get("_version")
        if cached is None:
            digest = hashlib.sha256()
            for entry in self.entries:
                digest.update(json.dumps(entry.to_data(), sort_keys=True).encode())
            digest.update(self.language.fingerprint().encode())
            cached = digest.hexdigest()[:16]
            object.__setattr__(self, "_version", cached)
        return cached

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def categories(self) -> dict[str, int]:
        """Category name -> number of entries, in first-seen order."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.category] = counts.get(entry.category, 0) + 1
        return counts

    def in_category(self, category: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.category == category]

    def replace_entries(self, entries: Iterable[Entry]) -> KnowledgeBase:
        """A new base with other entries and the same language data."""
        return KnowledgeBase(tuple(entries), self.language)
