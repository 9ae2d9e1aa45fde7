"""The `careerbot` command line, called in-process."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import run_cli


def test_ask_json_reads_stdin_and_writes_one_line_per_question(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["how much do ml engineers make", "", "hello", "what about the weather"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert run_cli(["ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == questions
    first = lines[0]
    assert set(first) == {"question", "answer_id", "confidence", "candidates"}
    assert first["answer_id"] == "salary-ml-engineer"
    assert 0 <= first["confidence"] <= 1
    assert 1 <= len(first["candidates"]) <= 5
    assert set(first["candidates"][0]) == {"id", "title", "score"}
    assert first["candidates"][0]["id"] == "salary-ml-engineer"
    assert all(line["answer_id"] is None for line in lines[1:])


def test_ask_prints_an_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["ask", "is kaggle worth it"]) == 0
    out = capsys.readouterr().out
    assert "[topic: kaggle]" in out and "**" not in out


def test_kb_dump_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "dump", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 70
    assert set(rows[0]) == {"id", "title", "category", "questions", "keywords", "answer"}


def test_unreachable_database_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://careerbot:secret@127.0.0.1:9/nowhere")
    assert run_cli(["db", "upgrade"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("careerbot: cannot use database postgresql+asyncpg://careerbot:***@")
    assert "secret" not in err and "Traceback" not in err


def test_bad_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASK_RATE", "lots")
    assert run_cli(["ask", "hi"]) == 2
    assert (
        capsys.readouterr().err.strip() == "careerbot: ASK_RATE must be a whole number, got 'lots'"
    )
