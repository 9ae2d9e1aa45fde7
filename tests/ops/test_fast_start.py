"""`careerbot ask` and `careerbot kb validate` start without database code or discord.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("alembic", "discord", "sqlalchemy", "asyncpg", "aiosqlite", "mako", "aiohttp")
PROBE = """
import json, sys
from bot.cli import run_cli
code = run_cli(sys.argv[1:])
loaded = sorted(name for name in sys.modules if name.split(".")[0] in {heavy} or
                name.startswith("bot.db"))
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def run_command(*argv: str, matcher: str = "lexical") -> tuple[int, list[str], str]:
    """Run `careerbot argv` in a fresh interpreter; its exit code, heavy modules, stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER": matcher}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["loaded"], done.stdout


@pytest.mark.parametrize("matcher", ["lexical", "hybrid"])
def test_ask_loads_no_database_code_and_no_discord(matcher: str) -> None:
    question = "how do I become an ml engineer"
    code, loaded, out = run_command("ask", "--json", question, matcher=matcher)
    assert code == 0 and json.loads(out)["matcher"] == matcher
    assert loaded == []


def test_kb_validate_loads_no_database_code_and_no_discord() -> None:
    code, loaded, out = run_command("kb", "validate")
    assert code == 0 and "OK" in out
    assert loaded == []


def test_reading_settings_loads_no_database_code() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.config import Settings; Settings.from_env(); "
            "print(sorted(m for m in sys.modules if m.startswith(('bot.db', 'sqlalchemy'))))",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_ask_timings_says_where_the_time_goes() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER": "lexical"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--timings", "what does an mle do"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    phases = [line.split(":")[0].strip() for line in done.stderr.splitlines() if " ms CPU" in line]
    assert phases == ["imports", "knowledge load", "model", "index", "answer", "total"]
    assert done.stdout.strip()  # the answer itself still goes to stdout
