"""A server's layer over the bundled base, and the effective base it produces.

A layer is a set of rows, one per entry id the server touched: the entry's full text when the
server added or overrode it, extra questions (aliases) and a hidden flag. Pure data: no I/O,
so the moderation service, the per-server cache and the tests share one definition.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry, validate_entry

log = logging.getLogger(__name__)

DEFAULT_CATEGORY = "community"


class Origin(StrEnum):
    """Where the text a server sees for an id comes from."""

    BUNDLED = "bundled"  # the shipped knowledge/ text (possibly with aliases or hidden)
    OVERRIDE = "override"  # a bundled entry whose text this server replaced
    SERVER = "server"  # an entry this server added


def normalize_id(raw: str) -> str:
    """Ids are compared stripped and lower case, so 'Foo ' and 'foo' are one entry."""
    return raw.strip().lower()


def normalize_phrase(raw: str) -> str:
    """Questions and aliases: one line, single spaces."""
    return " ".join(raw.split())


@dataclass(frozen=True)
class LayerRow:
    """One guild_entries row: what a server changed about one entry id."""

    entry_id: str
    data: dict[str, Any] | None = None  # full entry text when added or overridden here
    aliases: tuple[str, ...] = ()
    hidden: bool = False

    @property
    def is_empty(self) -> bool:
        """A row that changes nothing; it is deleted rather than stored."""
        return self.data is None and not self.aliases and not self.hidden

    def to_json(self) -> dict[str, Any]:
        """The row as stored in a revision's before/after."""
        return {"data": self.data, "aliases": list(self.aliases), "hidden": self.hidden}

    @classmethod
    def from_json(cls, entry_id: str, value: Mapping[str, Any] | None) -> LayerRow | None:
        if value is None:
            return None
        return cls(
            entry_id,
            value.get("data"),
            tuple(value.get("aliases") or ()),
            bool(value.get("hidden")),
        )


def text_data(row: LayerRow | None, bundled: Entry | None) -> dict[str, Any] | None:
    """The entry text (without aliases) a row stands for: its own, else the bundled one."""
    if row is not None and row.data is not None:
        return dict(row.data)
    return bundled.to_data() if bundled is not None else None


def with_aliases(data: Mapping[str, Any], aliases: Iterable[str]) -> dict[str, Any]:
    """Entry data whose questions end with the aliases (the form matched and exported)."""
    questions = list(data.get("questions") or [])
    known = {question.casefold() for question in questions if isinstance(question, str)}
    extra = [alias for alias in aliases if alias.casefold() not in known]
    return {**data, "questions": questions + extra}


def origin_of(row: LayerRow | None, bundled: Entry | None) -> Origin:
    if bundled is None:
        return Origin.SERVER
    return Origin.OVERRIDE if row is not None and row.data is not None else Origin.BUNDLED


def effective_entry(row: LayerRow | None, bundled: Entry | None) -> Entry | None:
    """The entry a server sees for one id, hidden or not; None when there is no valid text."""
    if row is None:
        return bundled
    data = text_data(row, bundled)
    if data is None:
        return None  # aliases or a hide left over for a bundled entry that no longer exists
    if not row.aliases and row.data is None:
        return bundled
    entry, issues = validate_entry(with_aliases(data, row.aliases), file="<stored layer>")
    if entry is None:  # stored before a schema change: serve the bundled text rather than fail
        log.warning("ignoring invalid layer row %s: %s", row.entry_id, "; ".join(map(str, issues)))
        return bundled
    return entry


class LayerComposer:
    """Keeps a server's rows and effective entries; recomputes only the rows that change."""

    def __init__(self, bundled: KnowledgeBase, rows: Iterable[LayerRow] = ()) -> None:
        self.bundled = bundled
        self.rows: dict[str, LayerRow] = {}
        self._effective: dict[str, Entry | None] = {}
        self.update({row.entry_id: row for row in rows})

    def copy(self) -> LayerComposer:
        """An independent copy (cheap: effective entries are shared, they are immutable)."""
        twin = LayerComposer(self.bundled)
        twin.rows = dict(self.rows)
        twin._effective = dict(self._effective)
        return twin

    def update(self, changed: Mapping[str, LayerRow | None]) -> None:
        """Apply new row states (None: the row was deleted)."""
        for entry_id, row in changed.items():
            if row is None or row.is_empty:
                self.rows.pop(entry_id, None)
                self._effective.pop(entry_id, None)
            else:
                self.rows[entry_id] = row
                self._effective[entry_id] = effective_entry(row, self.bundled.get(entry_id))

    def hidden_ids(self) -> list[str]:
        return sorted(entry_id for entry_id, row in self.rows.items() if row.hidden)

    def server_ids(self) -> list[str]:
        """Ids this server added (not in the bundled base)."""
        return sorted(
            entry_id
            for entry_id, entry in self._effective.items()
            if entry is not None and entry_id not in self.bundled
        )

    def entry(self, entry_id: str) -> Entry | None:
        """The text for an id whether hidden or not."""
        if entry_id in self.rows:
            return self._effective[entry_id]
        return self.bundled.get(entry_id)

    def knowledge(self) -> KnowledgeBase:
        """Bundled entries in file order (minus hidden, with changes), then the server's own."""
        if not self.rows:
            return self.bundled
        entries: list[Entry] = []
        for bundled in self.bundled:
            row = self.rows.get(bundled.id)
            if row is None:
                entries.append(bundled)
            elif not row.hidden and (entry := self._effective[bundled.id]) is not None:
                entries.append(entry)
        for entry_id in self.server_ids():
            entry = self._effective[entry_id]
            if entry is not None and not self.rows[entry_id].hidden:
                entries.append(entry)
        return self.bundled.replace_entries(entries)
