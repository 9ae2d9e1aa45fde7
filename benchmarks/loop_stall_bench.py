"""Loop-stall benchmark: the first question in a server with many entries of its own.

For each size, a fresh database gets one server layer of N entries, then a fresh process-like
KnowledgeService answers that server's first question while a ticker task measures how late
the event loop runs it (every millisecond). Prints the time to the first answer, the time until
the server's own entries answer, and the worst and 99th-percentile loop stall over the whole
build. Target: worst stall under 20 ms. Lexical matching (MATCHER=lexical): embedding 100,000
entries would take minutes and measures the model, not the loop.

Run: `.venv/bin/python benchmarks/loop_stall_bench.py [--sizes 10000,100000] [--database-url URL]`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.answers.quietgc import freeze_startup
from bot.answers.serving import KnowledgeService
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.knowledge import load_knowledge
from bot.knowledge.layers import LayerRow
from bot.knowledge.layerstore import add_revision, bump_version, save_rows
from bot.services import Services, open_services

TICK = 0.001


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="server entries, comma-separated")
    parser.add_argument("--database-url", help="default: a temporary SQLite file per size")
    return parser.parse_args()


def row(number: int) -> LayerRow:
    return LayerRow(
        f"topic-{number}",
        {
            "id": f"topic-{number}",
            "title": f"Server topic {number}",
            "category": "community",
            "questions": [f"where is the quokka{number} meetup", f"who runs event {number * 7}"],
            "keywords": [f"kw{number}"],
            "answer": "An answer of a typical length, with a link or two. " * 3,
        },
    )


async def seed(services: Services, guild: int, count: int) -> None:
    """Store the layer directly (an import would validate and record 100,000 revisions)."""
    async with services.sessions.begin() as session:
        await bump_version(session, guild)
        rows = [(f"topic-{n}", row(n)) for n in range(count)]
        await save_rows(session, guild, rows)
        await add_revision(session, guild, "topic-0", None, "import", None, rows[0][1])


class Ticker:
    """Measures how late the event loop wakes a task that asks to run every TICK seconds."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.stalls.append(max(0.0, now - last - TICK))
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def first_question(url: str, count: int) -> None:
    guild = 1_000_000 + count  # one server per size, so sizes can share a database
    bundled = load_knowledge(BUNDLED_KNOWLEDGE)
    settings = Settings(
        database_url=url, max_server_entries=count, layer_cache_dir=Path(tempfile.mkdtemp())
    )
    writer = await open_services(settings, knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE))
    try:
        await seed(writer, guild, count)
    finally:
        await writer.close()
    services = await open_services(
        settings, knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE), upgrade=False
    )
    question = f"where is the quokka{count // 2} meetup"
    try:
        await services.ask.ask("warm up the connection pool", None)
        freeze_startup()  # as the bot does before it connects
        await asyncio.sleep(0.05)
        with Ticker() as ticker:
            start = time.perf_counter()
            result = await services.ask.ask(question, guild)
            first = time.perf_counter() - start
            while result.entry is None or result.entry.id != f"topic-{count // 2}":
                await asyncio.sleep(0.01)
                result = await services.ask.ask(question, guild)
            own = time.perf_counter() - start
            await asyncio.sleep(0.05)
        matcher = await services.knowledge.matcher_for(guild)
        start = time.perf_counter()
        matcher.match(question)
        match = time.perf_counter() - start  # what a question costs, wherever it runs
        stalls = sorted(ticker.stalls)
        p99 = stalls[int(len(stalls) * 0.99)] if stalls else 0.0
        print(
            f"{count:>7} entries: first answer {first:6.2f} s, own entries answer after "
            f"{own:6.2f} s; loop stall worst {stalls[-1] * 1000:7.1f} ms, "
            f"p99 {p99 * 1000:5.1f} ms, median {statistics.median(stalls) * 1000:4.1f} ms "
            f"({len(stalls)} ticks); matching one question takes {match * 1000:.1f} ms"
        )
    finally:
        await services.close()


def spin(seconds: float) -> None:
    """Pure-Python work, as a build does it."""
    end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < end:
        total += sum(range(100))


async def floor(label: str, busy_thread: bool) -> None:
    """The stalls this machine shows anyway: idle, or beside a busy thread (GIL hand-overs)."""
    with Ticker() as ticker:
        if busy_thread:
            await asyncio.to_thread(spin, 2.0)
        else:
            await asyncio.sleep(2.0)
    stalls = sorted(ticker.stalls)
    print(
        f"{label:>34}: loop stall worst {stalls[-1] * 1000:7.1f} ms, "
        f"p99 {stalls[int(len(stalls) * 0.99)] * 1000:5.1f} ms"
    )


async def main() -> None:
    args = parse_args()
    print("database:", (args.database_url or "sqlite (temporary file)").split("://")[0])
    await floor("this machine, idle loop", busy_thread=False)
    await floor("beside a pure-Python thread", busy_thread=True)
    for count in (int(size) for size in args.sizes.split(",")):
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp())}/stall.sqlite3"
        await first_question(url, count)


if __name__ == "__main__":
    asyncio.run(main())
