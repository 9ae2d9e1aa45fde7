"""Which entries are due for a fact check: past their `review_by` date, or close to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.models import Entry

DEFAULT_WITHIN_DAYS = 30
REVIEW_INTERVAL = dt.timedelta(days=182)  # a moderator's check holds for about six months


@dataclass(frozen=True)
class DueEntry:
    entry: Entry
    review_by: dt.date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def due_for_review(
    entries: Iterable[Entry], today: dt.date, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[DueEntry]:
    """Entries whose review_by is past or within `within_days`, the longest overdue first."""
    due = [
        DueEntry(entry, entry.review_by, (entry.review_by - today).days)
        for entry in entries
        if entry.review_by is not None and (entry.review_by - today).days <= within_days
    ]
    return sorted(due, key=lambda item: (item.review_by, item.entry.id))


def is_out_of_date(entry: Entry, today: dt.date) -> bool:
    return entry.review_by is not None and entry.review_by < today


def freshness_note(entry: Entry, today: dt.date | None = None) -> str | None:
    """ "as of March 2026" for an entry whose facts date quickly, with "may be out of date" once
    its review_by has passed; None for entries that do not date."""
    if entry.review_by is None or entry.reviewed is None:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    note = f"as of {entry.reviewed:%B %Y}"
    return f"{note} · may be out of date" if is_out_of_date(entry, today) else note
