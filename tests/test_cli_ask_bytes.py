"""`careerbot ask` with bytes that are not UTF-8: every line is answered, and every output line
is valid UTF-8 (valid JSON with --json), with U+FFFD where the bad bytes were."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run_cli

QUESTIONS = b"what is kaggle\n\xff\xfe bad \xc3\nsalary\r\n"


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_ask_json_reads_bad_bytes_from_stdin(
    errors: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """strict: what Python uses in most UTF-8 locales; surrogateescape: in C.UTF-8 and POSIX."""
    monkeypatch.setenv("MATCHER", "lexical")
    stdin = io.TextIOWrapper(io.BytesIO(QUESTIONS), encoding="utf-8", errors=errors)
    monkeypatch.setattr("sys.stdin", stdin)
    assert run_cli(["ask", "--json", "-"]) == 0
    out = capsys.readouterr().out
    out.encode("utf-8")  # no lone surrogates: strictly encodable
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == [
        "what is kaggle",
        "\ufffd\ufffd bad \ufffd",
        "salary",
    ]
    assert [line["answer_id"] for line in lines] == ["kaggle", None, "salary-overview"]


def test_ask_argument_with_bad_bytes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER", "lexical")
    assert run_cli(["ask", "--json", "kaggle \udcff"]) == 0  # how Python passes byte 0xFF in argv
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["question"] == "kaggle \ufffd"


def test_ask_json_in_a_real_process_prints_only_valid_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input=QUESTIONS,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "MATCHER": "lexical", "LC_ALL": "C.UTF-8"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [line["question"] for line in lines][1] == "\ufffd\ufffd bad \ufffd"
    assert len(lines) == 3 and done.stderr == b""
