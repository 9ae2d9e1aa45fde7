"""Each server's last known layer on this machine's disk, for when the database cannot be read.

Without it, a bot restarted while its database is down or hung answers from the bundled base:
a server's hidden entries come back and its edits disappear. So every layer read from the
database is also written here, and read back only when the database fails or misses the
answer budget. It is a cache, never the truth: the database wins as soon as it answers.

The rows are kept as the database returns them (JSON text, see bot.knowledge.layerpages) in a
small SQLite file named after the database, so pointing DATABASE_URL elsewhere never serves
another database's layers. Every method does blocking file I/O: call it from a worker thread.
A damaged or unwritable file is logged and ignored (the bot then behaves as without it), and a
damaged file is replaced at the next write.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.knowledge.layerpages import RawRow

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS layer_rows (
    guild_id INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    data TEXT,
    aliases TEXT,
    hidden INTEGER NOT NULL,
    PRIMARY KEY (guild_id, entry_id)
) WITHOUT ROWID
"""


def cache_file_for(directory: Path, database_url: str) -> Path:
    """The cache file of one database: named by a hash of its URL without the password."""
    try:
        safe = make_url(database_url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL never gets this far; hash it as given
        safe = database_url
    digest = hashlib.sha256(safe.encode()).hexdigest()[:16]
    return directory / f"server-layers-{digest}.sqlite3"


class LocalLayers:
    """Reads and writes the last known layer rows of each server (blocking: use threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # one writer at a time; SQLite would make others wait
        self._guilds: set[int] | None = None  # servers with rows in the file, once opened

    def open(self) -> dict[int, set[str]]:
        """Learn which servers the file holds; returns each one's hidden ids."""
        hidden: dict[int, set[str]] = {}
        with self._connection() as db:
            if db is None:
                return hidden
            held = db.execute("SELECT DISTINCT guild_id FROM layer_rows")
            self._guilds = {guild for (guild,) in held}
            for guild, entry_id in db.execute(
                "SELECT guild_id, entry_id FROM layer_rows WHERE hidden"
            ):
                hidden.setdefault(guild, set()).add(entry_id)
        return hidden

    def may_hold(self, guild_id: int) -> bool:
        """False when the file surely has no rows of the server (known once opened)."""
        return self._guilds is None or guild_id in self._guilds

    def load(self, guild_id: int) -> list[RawRow] | None:
        """The server's rows as last seen; None when this machine never saw any."""
        if not self.may_hold(guild_id):
            return None
        with self._connection() as db:
            if db is None:
                return None
            rows = db.execute(
                "SELECT entry_id, data, aliases, hidden FROM layer_rows"
                " WHERE guild_id = ? ORDER BY entry_id",
                (guild_id,),
            )
            found = [(entry, data, aliases, bool(hidden)) for entry, data, aliases, hidden in rows]
            return found or None
        return None

    def replace(self, guild_id: int, rows: Sequence[RawRow]) -> None:
        """The server's whole layer is `rows` (an empty layer forgets the server)."""
        if not rows and not self.may_hold(guild_id):
            return
        self._write(guild_id, None, rows)

    def update(self, guild_id: int, changed: Collection[str], rows: Sequence[RawRow]) -> None:
        """Rows of `changed` ids are now `rows` (an id without a row was deleted)."""
        if changed:
            self._write(guild_id, changed, rows)

    def _write(
        self, guild_id: int, changed: Collection[str] | None, rows: Sequence[RawRow]
    ) -> None:
        with self._lock, self._connection(repair=True) as db:
            if db is None:
                return
            with db:  # one transaction, committed at the end
                if changed is None:
                    db.execute("DELETE FROM layer_rows WHERE guild_id = ?", (guild_id,))
                else:
                    db.executemany(
                        "DELETE FROM layer_rows WHERE guild_id = ? AND entry_id = ?",
                        ((guild_id, entry_id) for entry_id in changed),
                    )
                db.executemany(
                    "INSERT OR REPLACE INTO layer_rows VALUES (?, ?, ?, ?, ?)",
                    ((guild_id, *row) for row in rows),
                )
                held = db.execute(
                    "SELECT 1 FROM layer_rows WHERE guild_id = ? LIMIT 1", (guild_id,)
                ).fetchone()
            if self._guilds is not None and held:
                self._guilds.add(guild_id)
            elif self._guilds is not None:
                self._guilds.discard(guild_id)

    @contextmanager
    def _connection(self, repair: bool = False) -> Iterator[sqlite3.Connection | None]:
        """A connection to the file, or None when it cannot be used (logged). With `repair`,
        a damaged file is deleted and started afresh."""
        try:
            db = self._connect()
        except sqlite3.DatabaseError as exc:
            if not repair:
                log.warning("local layer cache %s unusable: %s", self.path, exc)
                yield None
                return
            log.warning("local layer cache %s damaged, starting afresh: %s", self.path, exc)
            try:
                self.path.unlink(missing_ok=True)
                self._guilds = set()
                db = self._connect()
            except (OSError, sqlite3.Error) as again:
                log.warning("local layer cache %s unusable: %s", self.path, again)
                yield None
                return
        except OSError as exc:
            log.warning("local layer cache %s unusable: %s", self.path, exc)
            yield None
            return
        try:
            yield db
        except sqlite3.Error as exc:
            log.warning("local layer cache %s: %s", self.path, exc)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=5.0)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db
