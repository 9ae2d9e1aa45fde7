"""`careerbot db upgrade|downgrade|current|history`: migrations, one line when something is wrong.

Every downgrade step drops tables or columns (0004 merges its daily counts), so a downgrade
that undoes anything says what it would undo and needs `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RangeNotAncestorError, RevisionError
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import (
    DatabaseUnavailable,
    alembic_config,
    check_connection,
    create_engine,
    describe_failure,
    migrate,
    redact,
)

EXIT_REFUSED = 2  # like the other usage and configuration errors of `careerbot`
SEE_HISTORY = "`careerbot db history` lists the migrations"


class BadRevision(Exception):
    """The revision given on the command line names no migration, or none in that direction."""


@dataclass(frozen=True)
class Migration:
    revision: str
    summary: str  # the first line of the migration's docstring


async def run_db_command(args: argparse.Namespace, database_url: str) -> int:
    """Run one `db` command; DatabaseUnavailable passes through to the CLI (one line)."""
    try:
        if args.db_command == "history":
            return await _history(database_url)
        if args.db_command == "current":
            return await _current(database_url)
        return await _migrate(args, database_url)
    except (BadRevision, CommandError) as exc:
        print(f"careerbot: {exc}", file=sys.stderr)
        return EXIT_REFUSED


def migrations() -> list[Migration]:
    """Oldest first."""
    scripts = reversed(list(_scripts().walk_revisions()))
    return [Migration(script.revision, _summary(script)) for script in scripts]


async def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions the database is at; () for a database without CareerBot's tables."""

    def read(connection: Connection) -> tuple[str, ...]:
        return tuple(MigrationContext.configure(connection).get_current_heads())

    engine = create_engine(database_url)
    try:
        await check_connection(engine)  # any driver complaint, even a TypeError: one line
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    except (SQLAlchemyError, OSError) as exc:  # refused, unknown host, bad password
        raise DatabaseUnavailable(describe_failure(database_url, exc)) from None
    finally:
        await engine.dispose()


def downgrade_steps(current: Sequence[str], target: str) -> list[Migration]:
    """The migrations a downgrade from `current` to `target` undoes, newest first."""
    try:
        scripts = _scripts().iterate_revisions(
            tuple(current) or None, target, select_for_downgrade=True
        )
        return [Migration(script.revision, _summary(script)) for script in scripts]
    except RangeNotAncestorError:
        raise BadRevision(
            f"cannot downgrade to {target!r}: the database is at {_at(current)}, "
            f"not above it; {SEE_HISTORY}"
        ) from None
    except RevisionError as exc:
        raise BadRevision(f"cannot downgrade to {target!r}: {exc}; {SEE_HISTORY}") from None


def check_upgrade_target(current: Sequence[str], target: str) -> None:
    try:
        list(_scripts().iterate_revisions(target, tuple(current) or None, implicit_base=True))
    except RevisionError as exc:
        raise BadRevision(f"cannot upgrade to {target!r}: {exc}; {SEE_HISTORY}") from None


async def _migrate(args: argparse.Namespace, database_url: str) -> int:
    current = await current_revisions(database_url)
    down = args.db_command == "downgrade"
    if down:
        steps = downgrade_steps(current, args.revision)
        if not steps:
            print(f"{redact(database_url)}: already at {_at(current)}, nothing to undo")
            return 0
        if not args.yes:
            undone = ", ".join(step.revision for step in steps)
            print(
                f"careerbot: downgrading to {args.revision} undoes {undone} and deletes the "
                f"data they hold ({SEE_HISTORY} and what each adds); add --yes to go ahead",
                file=sys.stderr,
            )
            return EXIT_REFUSED
    else:
        check_upgrade_target(current, args.revision)
    engine = create_engine(database_url)
    try:
        await migrate(engine, args.revision, down=down)
    finally:
        await engine.dispose()
    after = await current_revisions(database_url)
    print(f"{redact(database_url)}: {args.db_command} to {args.revision} done, now at {_at(after)}")
    return 0


async def _current(database_url: str) -> int:
    current = await current_revisions(database_url)
    heads = set(_scripts().get_heads())
    known = {migration.revision: migration for migration in migrations()}
    if not current:
        print("base (no CareerBot tables yet; `careerbot db upgrade` creates them)")
    for revision in current:
        migration = known.get(revision)
        summary = migration.summary if migration else "unknown to this version of CareerBot"
        print(f"{revision}{' (head)' if revision in heads else ''}  {summary}")
    return 0


async def _history(database_url: str) -> int:
    current = set(await current_revisions(database_url))
    heads = set(_scripts().get_heads())
    for migration in migrations():
        mark = "*" if migration.revision in current else " "
        head = " (head)" if migration.revision in heads else ""
        print(f"{mark} {migration.revision}{head}  {migration.summary}")
    print("* the database's revision" if current else "(the database has no tables yet)")
    return 0


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _summary(script: Script) -> str:
    return (script.doc or "").strip().splitlines()[0] if script.doc else ""


def _at(revisions: Sequence[str]) -> str:
    return ", ".join(revisions) or "base (no tables)"
