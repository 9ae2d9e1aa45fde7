"""Database set-up failures are one clear line; processes starting together migrate safely."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli import run_cli
from bot.db.engine import create_engine, migrate


@pytest.mark.parametrize(
    "url", ["postgresql://u:secret@127.0.0.1/db", "sqlite:///x.db", "bogus://somewhere"]
)
def test_a_url_with_an_unusable_driver_is_one_line(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert run_cli(["db", "upgrade"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("careerbot: cannot use DATABASE_URL") and "secret" not in err
    assert "postgresql+asyncpg://" in err


@pytest.mark.parametrize("name", ["ASK_RATE", "ASK_PER_SECONDS"])
def test_a_cooldown_below_one_is_refused(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(name, "-3")
    assert run_cli(["ask", "hi"]) == 2
    assert capsys.readouterr().err.strip() == f"careerbot: {name} must be at least 1, got -3"


async def test_processes_starting_together_migrate_once(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serves one process; shards share PostgreSQL")
    engines = [create_engine(db_url) for _ in range(3)]
    try:
        await asyncio.wait_for(asyncio.gather(*(migrate(e) for e in engines)), timeout=60)
        await migrate(engines[0])  # and a later start finds nothing to do
    finally:
        for engine in engines:
            await engine.dispose()
