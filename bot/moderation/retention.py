"""Unanswered questions are kept for GAP_RETENTION_DAYS (default 90), then deleted.

The rows hold what members asked (never who), for /kb gaps; nobody needs them for ever, and
/mydata cannot export or delete them, because they are not linked to anyone. Pruned when the
services open (every front end) and then daily while the Discord bot runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import delete

from bot.db.models import UnansweredDaily, utcnow
from bot.db.unit import Sessions, writer

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 60 * 60.0


class GapRetention:
    """Deletes unanswered-question rows older than `days` days (by their UTC day)."""

    def __init__(self, sessions: Sessions, days: int) -> None:
        self.sessions = sessions
        self.days = days

    def first_kept_day(self, today: dt.date | None = None) -> dt.date:
        """Rows of this day and later stay: /kb gaps over `days` days still sees them all."""
        return (today or utcnow().date()) - dt.timedelta(days=self.days)

    async def prune(self, today: dt.date | None = None) -> int:
        """Delete the older rows; returns how many. Best effort: a database that fails is
        logged as a warning and tried again next time."""
        first_kept = self.first_kept_day(today)
        async with writer(self.sessions, best_effort=True) as session:
            result = await session.execute(
                delete(UnansweredDaily).where(UnansweredDaily.day < first_kept)
            )
            deleted = max(int(getattr(result, "rowcount", 0) or 0), 0)
            if deleted:
                log.info("deleted %d unanswered-question rows before %s", deleted, first_kept)
            return deleted
        return 0

    async def run(self, every: float = DAY_SECONDS) -> None:
        """Prune every `every` seconds until cancelled (the first prune is at start-up)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.prune()
            except Exception:  # a bug must not end the loop: next day may work
                log.exception("pruning unanswered questions failed")
