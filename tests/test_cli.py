"""The `careerbot` command line, called in-process."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, run_cli
from bot.db.engine import create_engine


def test_ask_json_reads_stdin_and_writes_one_line_per_question(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["how much do ml engineers make", "", "hello", "what about the weather"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert run_cli(["ask", "--json", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == questions
    first = lines[0]
    assert set(first) == {
        "question",
        "answer_id",
        "confidence",
        "candidates",
        "outcome",
        "matcher",
    }
    assert first["matcher"] == "hybrid" and first["outcome"] == "answer"
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


class ClosedPipe(io.StringIO):
    """stdout after the reader went away, as in `careerbot kb dump --json | head`."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    "argv",
    [["kb", "dump", "--json"], ["ask", "is kaggle worth it"], ["ask", "--json", "-"]],
)
def test_a_closed_pipe_ends_quietly(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("is kaggle worth it\n" * 3))
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert run_cli(argv) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_ends_quietly_in_a_real_process() -> None:
    """Nothing on stderr, not even Python's "Exception ignored" at its final flush."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "kb", "dump", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10).startswith(b"[")  # the dump is far larger than a pipe holds
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert stderr == b""


@pytest.fixture
def operator_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["kb", "import", "{missing}", "--guild", "1"],
        ["kb", "add", "--guild", "1", "--file", "{missing}"],
        ["kb", "edit", "kaggle", "--guild", "1", "--answer-file", "{missing}"],
    ],
)
def test_operator_files_that_cannot_be_read_are_one_line(
    argv: list[str], operator_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = operator_db / "missing.yaml"
    assert run_cli([arg.format(missing=missing) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert err == f"careerbot: cannot read {missing}: No such file or directory\n"
    assert run_cli([arg.format(missing=operator_db) for arg in argv]) == 2  # a directory
    assert capsys.readouterr().err.startswith(f"careerbot: cannot read {operator_db}: ")


def test_operator_files_that_are_not_usable_are_one_line(
    operator_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cli(*argv: str) -> tuple[int, str]:
        code = run_cli(["kb", *argv, "--guild", "1"])
        return code, capsys.readouterr().err

    broken, listing, binary = (operator_db / name for name in ("a.yaml", "b.yaml", "c.yaml"))
    broken.write_text("title: [never closed\n", encoding="utf-8")
    listing.write_text("- just a list\n", encoding="utf-8")
    binary.write_bytes(b"id: x\n\xff\xfe")
    assert cli("add", "--file", str(broken)) == (
        2,
        f"careerbot: {broken} is not valid YAML or JSON (line 2): "
        "did not find expected ',' or ']'\n",
    )
    assert cli("add", "--file", str(listing)) == (
        2,
        f"careerbot: {listing} must hold a mapping of entry fields\n",
    )
    assert cli("import", str(binary)) == (
        2,
        f"careerbot: cannot read {binary}: not UTF-8 text (byte 6)\n",
    )
    nowhere = operator_db / "no" / "layer.yaml"
    assert cli("export", "-o", str(nowhere)) == (
        2,
        f"careerbot: cannot write {nowhere}: No such file or directory\n",
    )


# ---- careerbot db ------------------------------------------------------------------------------


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_db_with_an_unknown_revision_is_one_line(
    command: str, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["db", command, "nonsense"]) == 2
    assert capsys.readouterr().err == (
        f"careerbot: cannot {command} to 'nonsense': No such revision or branch 'nonsense'; "
        "`careerbot db history` lists the migrations\n"
    )


def test_db_current_and_history(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["db", "current"]) == 0
    assert capsys.readouterr().out.startswith("base (no CareerBot tables yet;")
    assert run_cli(["db", "upgrade", "0002"]) == 0
    assert capsys.readouterr().out.endswith(": upgrade to 0002 done, now at 0002\n")
    assert run_cli(["db", "current"]) == 0
    assert capsys.readouterr().out == (
        "0002  Answer feedback: votes, unanswered questions, topic stats.\n"
    )
    assert run_cli(["db", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:6] for line in lines[:6]] == [
        "  0001",
        "* 0002",
        "  0003",
        "  0004",
        "  0005",
        "  0006",
    ]
    assert lines[3].startswith("  0004  Unanswered questions counted per day")
    assert lines[5].startswith("  0006 (head)  Help forums")
    assert lines[-1] == "* the database's revision"


def test_a_downgrade_that_drops_data_needs_yes(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["db", "upgrade"]) == 0
    before = tables(database)
    assert {"skill_progress", "guild_entries", "forum_posts"} <= before
    capsys.readouterr()

    assert run_cli(["db", "downgrade", "base"]) == 2
    assert capsys.readouterr().err == (
        "careerbot: downgrading to base undoes 0006, 0005, 0004, 0003, 0002, 0001 and deletes "
        "the data "
        "they hold (`careerbot db history` lists the migrations and what each adds); "
        "add --yes to go ahead\n"
    )
    assert run_cli(["db", "downgrade", "-1"]) == 2
    assert "undoes 0006 and deletes" in capsys.readouterr().err
    assert tables(database) == before  # nothing happened

    assert run_cli(["db", "downgrade", "0003", "--yes"]) == 0
    assert capsys.readouterr().out.endswith(": downgrade to 0003 done, now at 0003\n")
    assert run_cli(["db", "downgrade", "0004"]) == 2  # that is up, not down
    assert "the database is at 0003, not above it" in capsys.readouterr().err
    assert run_cli(["db", "downgrade", "base", "--yes"]) == 0
    assert tables(database) <= {"alembic_version"}
    capsys.readouterr()
    assert run_cli(["db", "downgrade", "base"]) == 0  # nothing left to drop: no --yes needed
    assert capsys.readouterr().out.endswith("already at base (no tables), nothing to undo\n")


def test_ctrl_c_outside_the_chat_is_an_exit_code_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.cli._kb", interrupted)
    assert run_cli(["kb", "validate"]) == EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "\n"
