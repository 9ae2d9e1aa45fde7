"""The Alembic chain: up, down and up again on each backend, and no drift from the models."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.db.engine import alembic_config, create_engine, migrate
from bot.db.models import Base
from bot.knowledge.layerstore import as_utc


def table_names(connection) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_every_migration_runs_up_and_down(db_url: str) -> None:
    engine = create_engine(db_url)
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    try:
        for revision in revisions:
            await migrate(engine, revision)
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == set(Base.metadata.tables)
        for revision in reversed(["base", *revisions[:-1]]):
            await migrate(engine, revision, down=True)
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == set()
        await migrate(engine)
    finally:
        await engine.dispose()


async def test_models_match_the_migrated_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate(engine)

        def diff(connection):  # type: ignore[no-untyped-def]
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_0004_carries_unanswered_questions_over_to_daily_counts(db_url: str) -> None:
    """Old all-time rows become per-day rows with the same total, and back on downgrade."""
    old = sa.table(
        "unanswered_questions",
        sa.column("guild_id", sa.BigInteger()),
        sa.column("text", sa.String()),
        sa.column("count", sa.Integer()),
        sa.column("first_asked", sa.DateTime(timezone=True)),
        sa.column("last_asked", sa.DateTime(timezone=True)),
    )
    daily = sa.table(
        "unanswered_daily",
        sa.column("guild_id", sa.BigInteger()),
        sa.column("text", sa.String()),
        sa.column("day", sa.Date()),
        sa.column("count", sa.Integer()),
        sa.column("last_asked", sa.DateTime(timezone=True)),
    )
    # 23:30 UTC: a local-time conversion would move these to the next day.
    first = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    last = dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC)
    same_day = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)
    engine = create_engine(db_url)
    try:
        await migrate(engine, "0003")
        async with engine.begin() as connection:
            await connection.execute(
                old.insert(),
                [
                    {
                        "guild_id": 7,
                        "text": "spread",
                        "count": 10,
                        "first_asked": first,
                        "last_asked": last,
                    },
                    {
                        "guild_id": 7,
                        "text": "one day",
                        "count": 4,
                        "first_asked": same_day,
                        "last_asked": same_day + dt.timedelta(hours=2),
                    },
                    {
                        "guild_id": 8,
                        "text": "once",
                        "count": 1,
                        "first_asked": same_day,
                        "last_asked": same_day,
                    },
                ],
            )
        await migrate(engine, "0004")
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(daily.c.guild_id, daily.c.text, daily.c.day, daily.c.count)
            )
            assert sorted(tuple(row) for row in rows) == [
                (7, "one day", dt.date(2026, 3, 5), 4),
                (7, "spread", dt.date(2026, 3, 1), 9),
                (7, "spread", dt.date(2026, 3, 20), 1),
                (8, "once", dt.date(2026, 3, 5), 1),
            ]
        await migrate(engine, "0003", down=True)
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(old.c.guild_id, old.c.text, old.c.count, old.c.last_asked)
            )
            back = sorted((g, t, c, as_utc(when)) for g, t, c, when in rows)
            assert back == [
                (7, "one day", 4, same_day + dt.timedelta(hours=2)),
                (7, "spread", 10, last),
                (8, "once", 1, same_day),
            ]
    finally:
        await engine.dispose()


ROADMAP_PROGRESS = sa.table(
    "roadmap_progress",
    sa.column("user_id", sa.BigInteger()),
    sa.column("track_id", sa.String()),
    sa.column("item_id", sa.String()),
    sa.column("status", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
SKILL_PROGRESS = sa.table(
    "skill_progress",
    sa.column("user_id", sa.BigInteger()),
    sa.column("skill_id", sa.String()),
    sa.column("status", sa.String()),
    sa.column("marked_in", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
USERS = sa.table(
    "users", sa.column("id", sa.BigInteger()), sa.column("created_at", sa.DateTime(timezone=True))
)
T = [dt.datetime(2026, 5, day, 12, 0, tzinfo=dt.UTC) for day in range(1, 8)]

# (user, track, item, status, created, updated) as stored at revision 0004
OLD_ROWS = [
    (1, "ml-engineer", "deployed-project", "done", T[1], T[2]),  # two tracks, one skill:
    (1, "portfolio", "deployed-project", "doing", T[0], T[3]),  # done wins, latest time
    (1, "portfolio", "readme", "skipped", T[1], T[1]),  # renamed to project-readmes...
    (1, "ml-engineer", "project-readmes", "todo", T[1], T[4]),  # ...skipped beats todo
    (1, "ml-engineer", "real-data-projects", "done", T[1], T[2]),  # split in two skills
    (1, "portfolio", "unsupervised-project", "doing", T[2], T[5]),
    (1, "networking", "public-writing", "doing", T[1], T[1]),  # merged into blog-post
    (1, "portfolio", "blog-post", "todo", T[0], T[2]),
    (1, "networking", "conference-or-meetup", "done", T[3], T[3]),
    (1, "portfolio", "retired-item", "done", T[1], T[1]),  # hidden: no item any more
    (1, "networking", "mentor", "finished", T[1], T[1]),  # not a status: kept as it is
    (2, "ml-engineer", "linkedin-profile", "done", T[1], T[1]),
    (2, "networking", "linkedin-profile", "doing", T[2], T[2]),
    (3, "networking", "online-community", "todo", T[4], T[4]),
]
# (user, skill, status, marked_in, created, updated) after the upgrade
SKILL_ROWS = [
    (1, "blog-post", "doing", "networking", T[0], T[2]),
    (1, "deployed-project", "done", "ml-engineer", T[0], T[3]),
    (1, "meetup-or-conference", "done", "networking", T[3], T[3]),
    (1, "mentor", "finished", "networking", T[1], T[1]),
    (1, "project-readmes", "skipped", "portfolio", T[1], T[4]),
    (1, "retired-item", "done", "portfolio", T[1], T[1]),
    (1, "supervised-project", "done", "ml-engineer", T[1], T[2]),
    (1, "unsupervised-project", "done", "ml-engineer", T[1], T[5]),
    (2, "linkedin-profile", "done", "ml-engineer", T[1], T[2]),
    (3, "community-help", "todo", "networking", T[4], T[4]),
]


async def rows_of(engine, table: sa.TableClause) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        result = await connection.execute(sa.select(table))
        return sorted(
            tuple(as_utc(value) if isinstance(value, dt.datetime) else value for value in row)
            for row in result
        )


async def test_0005_moves_track_items_to_skills_losing_nothing(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate(engine, "0004")
        async with engine.begin() as connection:
            await connection.execute(
                USERS.insert(), [{"id": n, "created_at": T[0]} for n in (1, 2, 3)]
            )
            await connection.execute(
                ROADMAP_PROGRESS.insert(),
                [
                    dict(zip(ROADMAP_PROGRESS.c.keys(), row, strict=True))
                    for row in OLD_ROWS
                ],
            )
        await migrate(engine, "0005")
        assert await rows_of(engine, SKILL_PROGRESS) == SKILL_ROWS
        # nothing lost: every old row's member has a row for the skill its item became
        kept = {(user, skill) for user, skill, *_ in SKILL_ROWS}
        renamed = {"readme": "project-readmes", "public-writing": "blog-post",
                   "conference-or-meetup": "meetup-or-conference",
                   "online-community": "community-help"}  # fmt: skip
        for user, _, item, *_ in OLD_ROWS:
            if item == "real-data-projects":
                assert {(user, "supervised-project"), (user, "unsupervised-project")} <= kept
            else:
                assert (user, renamed.get(item, item)) in kept

        await migrate(engine, "0004", down=True)
        back = await rows_of(engine, ROADMAP_PROGRESS)
        by_key = {(user, track, item): rest for user, track, item, *rest in back}
        for user, track, item, *_ in OLD_ROWS:  # every old row is back, with the merged status
            assert (user, track, item) in by_key, (user, track, item)
        assert by_key[(1, "portfolio", "deployed-project")] == ["done", T[0], T[3]]
        assert by_key[(1, "ml-engineer", "deployed-project")] == ["done", T[0], T[3]]
        assert by_key[(1, "portfolio", "readme")] == ["skipped", T[1], T[4]]
        assert by_key[(1, "ml-engineer", "real-data-projects")] == ["done", T[1], T[5]]
        assert by_key[(1, "portfolio", "retired-item")] == ["done", T[1], T[1]]
        assert by_key[(1, "networking", "mentor")] == ["finished", T[1], T[1]]
        assert by_key[(2, "networking", "linkedin-profile")] == ["done", T[1], T[2]]

        await migrate(engine, "0005")  # up again: the same skills, statuses and times...
        again = await rows_of(engine, SKILL_PROGRESS)
        assert [row[:3] for row in again] == [row[:3] for row in SKILL_ROWS]
        split = {"supervised-project", "unsupervised-project"}  # ...but the two skills that
        # share one old item come back with that item's latest time
        assert [row[:3] + row[4:] for row in again if row[1] not in split] == [
            row[:3] + row[4:] for row in SKILL_ROWS if row[1] not in split
        ]
    finally:
        await engine.dispose()


async def test_0005_skills_without_an_old_item_survive_a_downgrade(db_url: str) -> None:
    """New skills go back under the track they were marked in and come up again unchanged."""
    engine = create_engine(db_url)
    try:
        await migrate(engine, "0005")
        rows = [
            (4, "rag-pipeline", "done", "ai-engineer", T[1], T[2]),
            (4, "ab-testing", "doing", None, T[2], T[3]),
        ]
        async with engine.begin() as connection:
            await connection.execute(USERS.insert(), [{"id": 4, "created_at": T[0]}])
            await connection.execute(
                SKILL_PROGRESS.insert(),
                [dict(zip(SKILL_PROGRESS.c.keys(), row, strict=True)) for row in rows],
            )
        await migrate(engine, "0004", down=True)
        assert await rows_of(engine, ROADMAP_PROGRESS) == [
            (4, "", "ab-testing", "doing", T[2], T[3]),
            (4, "ai-engineer", "rag-pipeline", "done", T[1], T[2]),
        ]
        await migrate(engine, "0005")
        assert await rows_of(engine, SKILL_PROGRESS) == sorted(rows)
    finally:
        await engine.dispose()
