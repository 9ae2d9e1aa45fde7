"""Progress-store benchmark: simulated members viewing and updating roadmap progress.

For each backend (SQLite; PostgreSQL when --pg-url is given or the default local server
answers) and each size (rows of progress already stored), a fresh database is migrated and
seeded, then `--concurrency` simulated members run `--ops` mixed operations through
RoadmapService: view, fit (/roadmap fit), set_status, undo and search (autocomplete). Prints
ops/s and p50/p99 latency per operation.

Then, on PostgreSQL only, `fit` at scale: `--fit-users` members (100,000) with
`--fit-skills` skills each (30) are loaded with COPY, and `--ops` fit calls (plus as many
views, for comparison) are timed with p50/p99. `--fit-users 0` skips it.

Run: `.venv/bin/python benchmarks/progress_bench.py [--sizes 1000,10000,100000] [--ops 3000]`
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import BUNDLED_KNOWLEDGE
from bot.db.engine import create_engine, migrate, redact, session_factory
from bot.db.models import SkillProgress, User, utcnow
from bot.discord.limits import CHOICES_MAX
from bot.knowledge import load_knowledge
from bot.roadmap.progress import STATUSES
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import TrackSet, load_tracks

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
KNOWLEDGE = load_knowledge(BUNDLED_KNOWLEDGE)  # fit names the entry that teaches each skill
FIT_MIX = {"fit": 50, "view": 50}
MIX = {"view": 40, "fit": 10, "set_status": 30, "undo": 5, "search": 15}  # weights, percent
QUERIES = ["linear", "docker", "mentr", "deployed project", "kaggle", "readme", "sql", "blog"]
CHUNK = 5000


@dataclass
class Result:
    backend: str
    rows: int
    seed_seconds: float
    wall: float
    latencies: dict[str, list[float]]


def pairs(tracks: TrackSet) -> list[tuple[str, str]]:
    """Every (track, skill) a member can mark: a shared skill once per track that lists it."""
    return [(track.id, skill.id) for track in tracks for _, skill in track.skills()]


def skills_of(tracks: TrackSet, per_user: int, rng: random.Random) -> list[tuple[str, str]]:
    """`per_user` distinct skills, each with a track that lists it (where it was marked)."""
    chosen = rng.sample(list(tracks.graph), min(per_user, len(tracks.graph)))
    return [(skill.id, rng.choice(tracks.using(skill.id)).id) for skill in chosen]


async def seed(
    engine: AsyncEngine, tracks: TrackSet, rows: int, per_user: int, rng: random.Random
) -> int:
    """Insert `rows` progress rows, `per_user` per member; returns the number of members."""
    members = max(1, rows // per_user)
    now = utcnow()
    sessions = session_factory(engine)
    user_rows = [{"id": user_id, "created_at": now} for user_id in range(1, members + 1)]
    progress = [
        {
            "user_id": user_id,
            "skill_id": skill_id,
            "status": rng.choice(STATUSES),
            "marked_in": track_id,
            "created_at": now,
            "updated_at": now,
        }
        for user_id in range(1, members + 1)
        for skill_id, track_id in skills_of(tracks, per_user, rng)
    ][:rows]
    async with sessions.begin() as session:
        for start in range(0, len(user_rows), CHUNK):
            await session.execute(insert(User), user_rows[start : start + CHUNK])
        for start in range(0, len(progress), CHUNK):
            await session.execute(insert(SkillProgress), progress[start : start + CHUNK])
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return members


async def copy_seed(
    engine: AsyncEngine, tracks: TrackSet, members: int, per_user: int, rng: random.Random
) -> None:
    """PostgreSQL only: `members` members with `per_user` skills each, loaded with COPY in
    chunks (millions of rows in seconds, without holding them all in memory)."""
    now = utcnow()
    columns = ["user_id", "skill_id", "status", "marked_in", "created_at", "updated_at"]
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg.Connection
        for start in range(1, members + 1, CHUNK):
            ids = range(start, min(start + CHUNK, members + 1))
            await driver.copy_records_to_table(
                "users", records=[(i, now) for i in ids], columns=["id", "created_at"]
            )
            records = [
                (i, skill_id, rng.choice(STATUSES), track_id, now, now)
                for i in ids
                for skill_id, track_id in skills_of(tracks, per_user, rng)
            ]
            await driver.copy_records_to_table("skill_progress", records=records, columns=columns)
        await driver.execute("ANALYZE")


async def workload(
    roadmaps: RoadmapService,
    members: int,
    ops: int,
    concurrency: int,
    rng: random.Random,
    mix: dict[str, int] = MIX,
) -> tuple[float, dict[str, list[float]]]:
    items = pairs(roadmaps.tracks)
    kinds, weights = list(mix), list(mix.values())
    latencies: dict[str, list[float]] = defaultdict(list)

    def operation() -> tuple[str, Callable[[], Coroutine[Any, Any, Any]]]:
        kind = rng.choices(kinds, weights)[0]
        user_id = rng.randint(1, members)
        track_id, item_id = rng.choice(items)
        calls: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {
            "view": lambda: roadmaps.view(user_id, track_id),
            "fit": lambda: roadmaps.fit(user_id, KNOWLEDGE),
            "set_status": lambda: roadmaps.set_status(
                user_id, track_id, item_id, rng.choice(STATUSES)
            ),
            "undo": lambda: roadmaps.undo(user_id, track_id, item_id),
            "search": lambda: roadmaps.search(user_id, rng.choice(QUERIES), limit=CHOICES_MAX),
        }
        return kind, calls[kind]

    async def member(count: int, record: bool) -> None:
        for _ in range(count):
            kind, call = operation()
            start = time.perf_counter()
            await call()
            if record:
                latencies[kind].append(time.perf_counter() - start)

    await asyncio.gather(*(member(20, False) for _ in range(concurrency)))  # warm up
    start = time.perf_counter()
    share, extra = divmod(ops, concurrency)
    await asyncio.gather(*(member(share + (n < extra), True) for n in range(concurrency)))
    return time.perf_counter() - start, latencies


@asynccontextmanager
async def fresh_database(backend: str, pg_url: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    name = f"careerbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run_one(backend: str, pg_url: str, rows: int, args: argparse.Namespace) -> Result:
    tracks = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps")
    rng = random.Random(args.seed)
    async with fresh_database(backend, pg_url) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            start = time.perf_counter()
            members = await seed(engine, tracks, rows, args.per_user, rng)
            seeded = time.perf_counter() - start
            roadmaps = RoadmapService(tracks, session_factory(engine))
            wall, latencies = await workload(roadmaps, members, args.ops, args.concurrency, rng)
        finally:
            await engine.dispose()
    return Result(backend, rows, seeded, wall, latencies)


async def run_fit_at_scale(pg_url: str, args: argparse.Namespace) -> Result:
    """`fit` (and `view`) with --fit-users members of --fit-skills skills each, on PostgreSQL."""
    tracks = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps")
    rng = random.Random(args.seed)
    async with fresh_database("postgresql", pg_url) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            start = time.perf_counter()
            await copy_seed(engine, tracks, args.fit_users, args.fit_skills, rng)
            seeded = time.perf_counter() - start
            roadmaps = RoadmapService(tracks, session_factory(engine))
            wall, latencies = await workload(
                roadmaps, args.fit_users, 2 * args.ops, args.concurrency, rng, FIT_MIX
            )
        finally:
            await engine.dispose()
    rows = args.fit_users * min(args.fit_skills, len(tracks.graph))
    return Result("postgresql, fit at scale", rows, seeded, wall, latencies)


def report(result: Result) -> None:
    total = sum(len(values) for values in result.latencies.values())
    print(
        f"\n{result.backend}, {result.rows:,} rows (seeded in {result.seed_seconds:.1f} s): "
        f"{total / result.wall:,.0f} ops/s overall"
    )
    print(f"  {'operation':<11} {'count':>6} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in MIX:
        values = sorted(result.latencies.get(kind, []))
        if not values:
            continue
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"  {kind:<11} {len(values):>6} {len(values) / result.wall:>8,.0f} "
            f"{statistics.median(values) * 1000:>8.2f} {p99 * 1000:>8.2f}"
        )


async def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else the reason."""
    engine = create_engine(url)
    try:
        async with asyncio.timeout(5), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    finally:
        await engine.dispose()


async def main_async(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.sizes.split(",")]
    backends = ["sqlite"]
    pg_url = args.pg_url or DEFAULT_PG_URL
    if not args.no_postgres:
        problem = await postgres_reachable(pg_url)
        if problem is None:
            backends.append("postgresql")
        elif args.pg_url:
            raise SystemExit(f"cannot use PostgreSQL {redact(pg_url)}: {problem}")
        else:
            print(f"PostgreSQL skipped: {redact(pg_url)}: {problem}")
    print(
        f"{args.ops} ops per run, {args.concurrency} concurrent members, {args.per_user} rows "
        f"per member; mix: {', '.join(f'{k} {v}%' for k, v in MIX.items())}"
    )
    for backend in backends:
        for rows in sizes:
            report(await run_one(backend, pg_url, rows, args))
    if args.fit_users and "postgresql" in backends:
        print(
            f"\nfit at scale: {args.fit_users:,} members x {args.fit_skills} skills, "
            f"{len(load_tracks(BUNDLED_KNOWLEDGE / 'roadmaps').roles())} roles"
        )
        report(await run_fit_at_scale(pg_url, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="rows of progress")
    parser.add_argument("--ops", type=int, default=3000, help="measured operations per run")
    parser.add_argument("--concurrency", type=int, default=8, help="members acting at once")
    parser.add_argument("--per-user", type=int, default=20, help="progress rows per member")
    parser.add_argument("--pg-url", help=f"PostgreSQL server (default {DEFAULT_PG_URL})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--fit-users", type=int, default=100_000, help="0: skip fit at scale")
    parser.add_argument("--fit-skills", type=int, default=30, help="skills per member")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
