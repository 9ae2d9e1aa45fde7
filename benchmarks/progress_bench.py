"""Progress-store benchmark: simulated members viewing and updating roadmap progress.

For each backend (SQLite; PostgreSQL when --pg-url is given or the default local server
answers) and each size (rows of progress already stored), a fresh database is migrated and
seeded, then `--concurrency` simulated members run `--ops` mixed operations through
RoadmapService: view, set_status, undo and search (autocomplete). Prints ops/s and p50/p99
latency per operation.

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
from bot.db.models import RoadmapProgress, User, utcnow
from bot.discord.limits import CHOICES_MAX
from bot.roadmap.progress import STATUSES
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import TrackSet, load_tracks

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MIX = {"view": 50, "set_status": 30, "undo": 5, "search": 15}  # weights, percent
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
    return [(track.id, item.id) for track in tracks for _, item in track.items()]


async def seed(
    engine: AsyncEngine, tracks: TrackSet, rows: int, per_user: int, rng: random.Random
) -> int:
    """Insert `rows` progress rows, `per_user` per member; returns the number of members."""
    items = pairs(tracks)
    members = max(1, rows // per_user)
    now = utcnow()
    sessions = session_factory(engine)
    user_rows = [{"id": user_id, "created_at": now} for user_id in range(1, members + 1)]
    progress = [
        {
            "user_id": user_id,
            "track_id": track_id,
            "item_id": item_id,
            "status": rng.choice(STATUSES),
            "created_at": now,
            "updated_at": now,
        }
        for user_id in range(1, members + 1)
        for track_id, item_id in rng.sample(items, min(per_user, len(items)))
    ][:rows]
    async with sessions.begin() as session:
        for start in range(0, len(user_rows), CHUNK):
            await session.execute(insert(User), user_rows[start : start + CHUNK])
        for start in range(0, len(progress), CHUNK):
            await session.execute(insert(RoadmapProgress), progress[start : start + CHUNK])
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return members


async def workload(
    roadmaps: RoadmapService, members: int, ops: int, concurrency: int, rng: random.Random
) -> tuple[float, dict[str, list[float]]]:
    items = pairs(roadmaps.tracks)
    kinds, weights = list(MIX), list(MIX.values())
    latencies: dict[str, list[float]] = defaultdict(list)

    def operation() -> tuple[str, Callable[[], Coroutine[Any, Any, Any]]]:
        kind = rng.choices(kinds, weights)[0]
        user_id = rng.randint(1, members)
        track_id, item_id = rng.choice(items)
        calls: dict[str, Callable[[], Coroutine[Any, Any, Any]]] = {
            "view": lambda: roadmaps.view(user_id, track_id),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="rows of progress")
    parser.add_argument("--ops", type=int, default=3000, help="measured operations per run")
    parser.add_argument("--concurrency", type=int, default=8, help="members acting at once")
    parser.add_argument("--per-user", type=int, default=20, help="progress rows per member")
    parser.add_argument("--pg-url", help=f"PostgreSQL server (default {DEFAULT_PG_URL})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
