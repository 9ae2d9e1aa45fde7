"""Knowledge changes reach every process on PostgreSQL within a second (LISTEN/NOTIFY).

The watcher is a separate Python process that checks the version only every 60 s, so only a
notice can explain it seeing a change sooner. The changes come from this process (a moderator's
edit, a reload of the files) and from a third one, `careerbot kb edit`, which exits at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers.serving import KnowledgeService
from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.services import Services, open_services

ROOT = Path(__file__).resolve().parents[2]
GUILD = 77
QUESTION = "when does the study group meet"
STUDY = {
    "id": "study-group",
    "title": "Our weekly study group",
    "questions": [QUESTION],
    "answer": "Fridays at 18:00 UTC.",
}
WATCHER = """
import asyncio, json, sys, time
from bot.config import Settings
from bot.services import open_services

async def main(guild, question, changes):
    services = await open_services(Settings.from_env(), upgrade=False)
    await asyncio.wait_for(services.feed.listening.wait(), 10)

    async def state():
        entry = (await services.knowledge.matcher_for(guild)).match(question).entry
        return [entry.answer if entry else None, services.knowledge.base.get("kaggle").title]

    last = await state()
    print(json.dumps(last), flush=True)
    deadline = time.monotonic() + 60
    while changes and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        now = await state()
        if now != last:
            print(json.dumps(now), flush=True)
            last, changes = now, changes - 1
    await services.close()

asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
"""


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """A knowledge directory of our own, so a reload can see a changed file."""
    copy = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, copy)
    return copy


@pytest.fixture
async def here(settings: Settings, directory: Path) -> AsyncIterator[Services]:
    opened = await open_services(
        replace(settings, knowledge_dir=directory),
        knowledge=KnowledgeService.from_directory(directory),
    )
    try:
        yield opened
    finally:
        await opened.close()


def environment(settings: Settings, directory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "KNOWLEDGE_DIR": str(directory),
        "MATCHER": "lexical",
        "KB_SYNC_SECONDS": "60",
        "LOG_LEVEL": "WARNING",
    }


async def next_state(watcher: asyncio.subprocess.Process) -> list[str | None]:
    assert watcher.stdout is not None
    line = await asyncio.wait_for(watcher.stdout.readline(), 30)
    assert line, "the watcher process ended early"
    return json.loads(line)  # type: ignore[no-any-return]


async def test_every_change_reaches_another_process_within_a_second(
    settings: Settings, directory: Path, here: Services
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("notices between processes need PostgreSQL")
    env = environment(settings, directory)
    watcher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WATCHER, str(GUILD), QUESTION, "3",
        stdout=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        answer, title = await next_state(watcher)
        assert answer != STUDY["answer"] and not title.startswith("New |")

        start = time.monotonic()
        await here.moderation.add(GUILD, STUDY)  # a moderator here
        assert (await next_state(watcher))[0] == STUDY["answer"]
        assert time.monotonic() - start < 1.0

        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "kb", "edit", "--guild", str(GUILD), "study-group",
            "--answer", "Moved to Mondays.", env=env, cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert await cli.wait() == 0
        edited = time.monotonic()
        assert (await next_state(watcher))[0] == "Moved to Mondays."
        assert time.monotonic() - edited < 1.0

        portfolio = directory / "portfolio.yaml"
        text = portfolio.read_text()
        portfolio.write_text(text.replace("- id: kaggle\n  title:", "- id: kaggle\n  title: New |"))
        await here.reload_content()  # the operator's /kb reload here
        reloaded = time.monotonic()
        assert (await next_state(watcher))[1].startswith("New |")
        assert time.monotonic() - reloaded < 1.0
        assert await asyncio.wait_for(watcher.wait(), 30) == 0
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()


async def test_sqlite_has_no_notices(services: Services) -> None:
    if services.settings.database_url.startswith("postgresql"):
        assert services.reloads_everywhere
        return
    assert services.feed is None and not services.reloads_everywhere
    assert services.knowledge.change_listeners == []
