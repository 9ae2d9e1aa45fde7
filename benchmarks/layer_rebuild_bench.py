"""Server-layer rebuild benchmark: one moderator edit in a server with 10,000 own entries.

Times, on a real database (a temporary SQLite file, or DATABASE_URL):
- the bulk import of the 10,000 entries (one transaction),
- the full build of that server's view (read every row, validate, build the matcher): what a
  process pays once, at its first question in that server,
- edit -> next answer in the same process (write, incremental refresh, answer),
- edit -> next answer in a second process sharing the database (version check, read only the
  changed rows, incremental rebuild), not counting the up-to-kb_sync_seconds poll wait.

Run: `.venv/bin/python benchmarks/layer_rebuild_bench.py [--entries N] [--edits N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from matcher_bench import synthetic_entries

from bot.answers.serving import KnowledgeService
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.knowledge import load_knowledge
from bot.moderation.layerfile import entry_yaml
from bot.services import open_services

GUILD = 4242


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    return parser.parse_args()


async def timed(coroutine):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = await coroutine
    return result, time.perf_counter() - start


async def main() -> None:
    args = parse_args()
    folder = tempfile.mkdtemp()
    url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    bundled = load_knowledge(BUNDLED_KNOWLEDGE)
    settings = Settings(database_url=url, layer_cache_dir=Path(tempfile.mkdtemp()))
    one = await open_services(settings, knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE))
    two = await open_services(
        settings, knowledge=KnowledgeService(bundled, BUNDLED_KNOWLEDGE), upgrade=False
    )
    try:
        entries = synthetic_entries(bundled, args.entries)
        text = "".join(entry_yaml(entry.to_data()) for entry in entries)
        result, seconds = await timed(one.moderation.import_yaml(GUILD, text))
        print(f"database: {url.split('://')[0]}; server layer: {len(result.added)} entries")
        print(f"bulk import (validate + one transaction): {seconds:.2f} s")

        _, build_one = await timed(one.ask.ask("warm up", GUILD))
        _, build_two = await timed(two.ask.ask("warm up", GUILD))
        knowledge = await one.knowledge.knowledge_for(GUILD)
        print(f"full build of the server's view ({len(knowledge)} entries): {build_one:.2f} s")
        print(f"  the same in a second process: {build_two:.2f} s")

        _, plain = await timed(one.ask.ask(entries[0].questions[0], GUILD))
        print(f"one answer, nothing changed: {plain * 1000:.1f} ms")

        local: list[float] = []
        remote: list[float] = []
        for number in range(args.edits):
            target = entries[(number + 1) * 997 % len(entries)]
            question = f"where is the benchmark topic number {number} hidden"
            start = time.perf_counter()
            await one.moderation.edit(GUILD, target.id, {"questions": [question]})
            answer = await one.ask.ask(question, GUILD)
            local.append(time.perf_counter() - start)
            assert answer.entry is not None and answer.entry.id == target.id, answer

            two.knowledge.invalidate(GUILD)  # skip the poll wait: time the rebuild itself
            start = time.perf_counter()
            answer = await two.ask.ask(question, GUILD)
            remote.append(time.perf_counter() - start)
            assert answer.entry is not None and answer.entry.id == target.id, answer

        def summary(values: list[float]) -> str:
            return f"median {statistics.median(values):.3f} s, max {max(values):.3f} s"

        print(f"edit -> next answer, same process ({args.edits} edits): {summary(local)}")
        print(f"edit -> next answer, other process, after its version check: {summary(remote)}")
        print(f"  plus at most kb_sync_seconds = {settings.kb_sync_seconds} s until that check")
    finally:
        await one.close()
        await two.close()


if __name__ == "__main__":
    asyncio.run(main())
