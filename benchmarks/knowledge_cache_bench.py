"""Knowledge-cache benchmark: many servers with their own entries, questions spread by Zipf.

A database gets `--servers` layers of `--entries` synthetic entries each. One process-like
KnowledgeService (budget KNOWLEDGE_CACHE_MB, `--budget-mb`) then answers `--questions`
questions, each about an entry of a server drawn with probability proportional to 1/rank^s
(`--zipf`), `--concurrency` at a time. Prints resident memory against the budget, the cache's
hit rate, evictions and the p50/p99 answer time; first, the resident memory per server-owned
entry of `--measure-servers` servers held at once.

Lexical matching by default: with the sentence model (`--matcher hybrid`) every server entry is
embedded on first sight, which takes minutes per thousand servers; use small sizes with it.

Run: `.venv/bin/python benchmarks/knowledge_cache_bench.py [--servers 1000] [--entries 1000]`
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import insert

from bot.answers.quietgc import freeze_startup
from bot.answers.serving import KnowledgeService, open_semantic
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.db.models import GuildEntry
from bot.knowledge import load_knowledge
from bot.knowledge.layers import LayerRow
from bot.knowledge.layerstore import add_revision, bump_version
from bot.services import Services, open_services

FIRST_GUILD = 10_000
WORDS = [
    *("tensor", "gradient", "kaggle", "notebook", "pipeline", "feature", "lakehouse"),
    *("vector", "cluster", "sprint", "mentor", "meetup", "webinar", "badge", "rubric"),
    *("capstone", "dataset", "benchmark", "leaderboard", "workshop"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=1000, help="own entries per server")
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--zipf", type=float, default=1.0, help="exponent s of 1/rank^s")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--budget-mb", type=int, default=512)
    parser.add_argument("--measure-servers", type=int, default=40)
    parser.add_argument("--matcher", choices=("lexical", "hybrid"), default="lexical")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def entry_data(guild: int, number: int) -> dict[str, object]:
    """A moderator-sized entry; its first question names a word only it uses."""
    rng = random.Random(guild * 1_000_003 + number)
    topic = " ".join(rng.sample(WORDS, 3))
    return {
        "id": f"g{guild}-topic-{number}",
        "title": f"Our {topic} guide {number}",
        "category": "community",
        "questions": [f"where is the zq{guild}x{number} {topic} page", f"who runs {topic}"],
        "keywords": [rng.choice(WORDS)],
        "answer": f"See the pinned post in #{rng.choice(WORDS)}; ask a moderator. " * 3,
    }


def question_for(guild: int, number: int) -> str:
    return str(entry_data(guild, number)["questions"][0])  # type: ignore[index]


async def seed(services: Services, servers: int, entries: int) -> None:
    """Rows written directly: an import would validate and record every revision."""
    for guild in range(FIRST_GUILD, FIRST_GUILD + servers):
        async with services.sessions.begin() as session:
            await bump_version(session, guild)
            values = [
                {
                    "guild_id": guild,
                    "entry_id": f"g{guild}-topic-{n}",
                    "data": entry_data(guild, n),
                    "aliases": {"phrases": []},
                    "hidden": False,
                }
                for n in range(entries)
            ]
            for start in range(0, len(values), 2000):
                await session.execute(insert(GuildEntry), values[start : start + 2000])
            row = LayerRow(f"g{guild}-topic-0", entry_data(guild, 0))
            await add_revision(session, guild, row.entry_id, None, "import", None, row)


def zipf_sampler(count: int, exponent: float, rng: random.Random):  # type: ignore[no-untyped-def]
    weights = [1 / rank**exponent for rank in range(1, count + 1)]
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


async def hold(services: Services, guilds: range) -> None:
    for guild in guilds:
        await services.knowledge.knowledge_for(guild)
        layers = services.knowledge.layers
        if layers is not None:
            await layers.settled()


async def measure_per_entry(services: Services, servers: int, entries: int) -> None:
    """Resident memory per server-owned entry (run in a fresh process). The first half of the
    servers warms up what is paid once (the model's working memory, shared caches); the
    second half is measured."""
    half = max(1, servers // 2)
    await hold(services, range(FIRST_GUILD, FIRST_GUILD + half))
    semantic = services.knowledge.matcher.semantic
    vectors_before = len(semantic.vectors) if semantic is not None else 0
    stats = services.knowledge.cache_stats()
    estimated_before = stats.nbytes if stats else 0
    gc.collect()
    before = rss_bytes()
    await hold(services, range(FIRST_GUILD + half, FIRST_GUILD + 2 * half))
    gc.collect()
    owned = half * entries
    grown = rss_bytes() - before
    stats = services.knowledge.cache_stats()
    estimate = f", estimated {(stats.nbytes - estimated_before) / owned:,.0f} B" if stats else ""
    print(
        f"{half} more servers x {entries} entries held: resident memory +{grown / 1e6:.0f} MB, "
        f"{grown / owned:,.0f} B per server-owned entry{estimate} (everything a server's "
        f"view holds beyond the shared bundled base)"
    )
    view = services.knowledge.cached_view(FIRST_GUILD)
    if semantic is not None and view is not None and view.matcher.dense is not None:
        print(
            f"  of which sentence vectors: {view.matcher.dense.nbytes / len(view.knowledge):,.0f}"
            f" B per entry in each view; the process-wide vector cache grew by "
            f"{(len(semantic.vectors) - vectors_before) / owned:.1f} vectors per entry "
            f"(float16, never evicted)"
        )


async def run(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp())}/cache.sqlite3"
    bundled = load_knowledge(BUNDLED_KNOWLEDGE)
    settings = Settings(
        database_url=url,
        knowledge_cache_mb=args.budget_mb,
        layer_cache_dir=Path(tempfile.mkdtemp()),
    )
    semantic = open_semantic(args.matcher)
    if not args.measure_only:
        start = time.perf_counter()
        writer = await open_services(
            settings, knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE)
        )
        try:
            await seed(writer, args.servers, args.entries)
        finally:
            await writer.close()
        rows = args.servers * args.entries
        print(f"seeded {rows:,} rows in {time.perf_counter() - start:.0f} s ({url.split(':')[0]})")
        measure = min(args.measure_servers, args.servers)  # half warm up, half measured
        subprocess.run(  # a fresh process: memory freed here would blur the measurement
            [
                sys.executable, __file__, "--measure-only", "--database-url", url,
                "--measure-servers", str(measure), "--entries", str(args.entries),
                "--matcher", args.matcher,
            ],
            check=True,
        )  # fmt: skip

    async def open_reader(budget_mb: int) -> Services:
        return await open_services(
            replace(settings, knowledge_cache_mb=budget_mb),
            knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE, semantic=semantic),
            upgrade=False,
        )

    if args.measure_only:
        services = await open_reader(1_000_000)  # nothing evicted while measuring
        try:
            await measure_per_entry(services, args.measure_servers, args.entries)
        finally:
            await services.close()
        return

    services = await open_reader(args.budget_mb)
    try:
        await services.ask.ask("warm up the connection pool", None)
        freeze_startup()  # as the bot does before it connects
        gc.collect()
        base_rss = rss_bytes()
        rng = random.Random(12)
        server_of = zipf_sampler(args.servers, args.zipf, rng)
        latencies: list[float] = []
        own = 0
        peak = base_rss
        queue = iter(range(args.questions))

        async def member() -> None:
            nonlocal own, peak
            for _ in queue:
                guild = FIRST_GUILD + server_of()
                number = rng.randrange(args.entries)
                begin = time.perf_counter()
                result = await services.ask.ask(question_for(guild, number), guild)
                latencies.append(time.perf_counter() - begin)
                own += result.entry is not None and result.entry.id == f"g{guild}-topic-{number}"
                peak = max(peak, rss_bytes())

        start = time.perf_counter()
        await asyncio.gather(*(member() for _ in range(args.concurrency)))
        took = time.perf_counter() - start
        stats = services.knowledge.cache_stats()
        assert stats is not None
        latencies.sort()
        print(
            f"{args.questions:,} questions over {args.servers} servers (Zipf s={args.zipf}, "
            f"{args.concurrency} at a time) in {took:.0f} s, {args.matcher} matching"
        )
        print(
            f"  budget {args.budget_mb} MB; cache holds {stats.views} servers, estimated "
            f"{stats.nbytes / 2**20:.0f} MB; {stats.evictions} evictions"
        )
        print(
            f"  resident memory: {base_rss / 2**20:.0f} MB before the first question (bundled "
            f"base and code), peak {peak / 2**20:.0f} MB = base + {(peak - base_rss) / 2**20:.0f}"
            f" MB (budget {args.budget_mb} MB)"
        )
        hits = stats.hits / max(1, stats.hits + stats.misses)
        print(
            f"  hit rate {hits:.1%} ({stats.misses} questions found their server out of memory);"
            f" answered from the server's own entry: {own / args.questions:.1%}"
        )
        print(
            f"  answer time p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms"
        )
    finally:
        await services.close()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
