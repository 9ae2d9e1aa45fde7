"""The terminal chat session, on a real (migrated) database."""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.chat import NOTHING_TO_PICK, ChatSession, run_chat
from bot.cli import build_parser
from bot.db.engine import DatabaseUnavailable, redact
from bot.moderation.cli import run_layer_command
from bot.services import Services

ROOT = Path(__file__).resolve().parents[1]


async def test_question_answer_and_help(services: Services) -> None:
    chat = ChatSession(services)
    reply = await chat.handle("how much does a senior ML engineer with 10 years make")
    assert reply is not None and "[topic: salary-senior]" in reply
    help_text = await chat.handle("/help")
    assert help_text is not None and "/topics [category]" in help_text


async def test_did_you_mean_choices_are_picked_by_number(services: Services) -> None:
    chat = ChatSession(services)
    reply = await chat.handle("jobs")
    assert reply is not None and "Did you mean" in reply and "  1. " in reply
    picked = await chat.handle("1")
    assert picked is not None and "[topic: " in picked
    assert await chat.handle("9") != picked


async def test_topics_and_topic(services: Services) -> None:
    chat = ChatSession(services)
    categories = await chat.handle("/topics")
    assert categories is not None and "salaries (" in categories
    listing = await chat.handle("/topics salaries")
    assert listing is not None and "salary-senior" in listing
    assert "[topic: phd]" in (await chat.handle("/topic phd") or "")
    assert "No topic with id" in (await chat.handle("/topic nope") or "")
    assert "Unknown command /dance" in (await chat.handle("/dance") or "")


async def test_empty_and_small_talk_and_quit(services: Services) -> None:
    chat = ChatSession(services)
    assert "Ask me anything" in (await chat.handle("   ") or "")
    assert "Hi!" in (await chat.handle("hello") or "")
    assert await chat.handle("/quit") is None


async def test_topic_lists_are_picked_by_number_and_numbers_are_for_the_last_reply_only(
    services: Services,
) -> None:
    chat = ChatSession(services)
    listing = await chat.handle("/topics salaries")
    assert listing is not None
    first = next(line for line in listing.splitlines() if line.startswith("  1. "))
    entry_id = first.rsplit("(", 1)[1].rstrip(")")
    assert f"[topic: {entry_id}]" in (await chat.handle("1") or "")
    await chat.handle("/topics salaries")
    assert (await chat.handle("999") or "").startswith("Pick a number from 1 to ")
    await chat.handle("/help")  # another reply: its numbers are gone
    assert chat.choices == []
    assert "[topic: " not in (await chat.handle("1") or "")


@pytest.fixture
def locked(services: Services) -> Iterator[None]:
    """Every query fails as on a locked SQLite file: below the services, which turn it into
    DatabaseUnavailable."""

    def fail(*_: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", fail)
    yield
    event.remove(engine, "before_cursor_execute", fail)


async def unavailable(*_: object, **__: object) -> None:
    raise DatabaseUnavailable("cannot use database sqlite+aiosqlite:///x.db: disk I/O error")


@pytest.mark.usefixtures("locked")
async def test_a_database_failure_is_a_one_line_reply_and_the_session_goes_on(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ChatSession(services)
    reply = await chat.handle("/roadmap view networking")  # /roadmap's own wording
    assert reply is not None and len(reply.splitlines()) == 1
    assert reply.startswith("I can't reach the database right now")
    assert f"cannot use database {redact(services.settings.database_url)}: " in reply
    assert reply.endswith(": database is locked)")
    monkeypatch.setattr(services.ask, "ask", unavailable)
    reply = await chat.handle("how much do ml engineers make")
    assert reply == (
        "Sorry, I can't reach the database right now, so that didn't work "
        "(cannot use database sqlite+aiosqlite:///x.db: disk I/O error)."
    )
    assert "/topics [category]" in (await chat.handle("/help") or "")


@pytest.mark.usefixtures("locked")
async def test_run_chat_survives_a_database_failure(
    services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/roadmap view networking\n/topic phd\n/quit\n"))
    await run_chat(services)
    out = capsys.readouterr().out
    words = " ".join(out.split())  # the chat wraps lines to the terminal width
    assert "database is locked" in words and "[topic: phd]" in out
    assert out.rstrip().endswith("Bye!")


# ---- a newcomer's first hour ----------------------------------------------------------------


async def test_topic_with_a_typo_or_nothing_offers_topics_by_number(services: Services) -> None:
    chat = ChatSession(services)
    reply = await chat.handle("/topic kagle")
    assert reply is not None and reply.startswith("No topic with id 'kagle'. Did you mean:")
    assert "  1. " in reply and "(kaggle)" in reply
    kaggle = next(n for n, choice in enumerate(chat.choices, 1) if "(kaggle)" in choice.label)
    picked = await chat.handle(str(kaggle))
    assert picked is not None and "[topic: kaggle]" in picked

    reply = await chat.handle("/topic")
    assert reply is not None and reply.startswith("Which topic? Some to start with:")
    assert len(chat.choices) == 5
    assert "[topic: " in (await chat.handle("5") or "")
    assert "[topic: kaggle]" in (await chat.handle("/topic Kaggle") or "")  # ids fold case
    reply = await chat.handle("/topic zzzzqqq")
    assert reply == "No topic matches 'zzzzqqq'. Use /topics to browse." and chat.choices == []


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("salary", "salaries"),
        ("Salaries", "salaries"),
        ("cert", "certifications"),
        ("role", "roles"),
        ("job search", "job-search"),
        ("educaton", "education"),
        ("interview", "interviews"),
    ],
)
async def test_topics_takes_a_category_in_singular_plural_or_with_a_typo(
    services: Services, typed: str, category: str
) -> None:
    reply = await ChatSession(services).handle(f"/topics {typed}")
    assert reply is not None and reply.startswith(f"{category}:\n  1. "), reply


async def test_topics_with_no_such_category_lists_them(services: Services) -> None:
    reply = await ChatSession(services).handle("/topics cooking")
    assert reply is not None and reply.startswith("No category 'cooking'. Try one of: ")
    assert "salaries" in reply and "job-search" in reply


async def test_a_list_of_one_is_picked_by_typing_1(services: Services) -> None:
    chat = ChatSession(services)
    entry = services.knowledge.base.get("kaggle")
    assert entry is not None
    chat.offer([chat._entry_choice(entry)])
    assert await chat.handle("2") == "There is only one to pick: type 1."
    assert "[topic: kaggle]" in (await chat.handle("1") or "")


async def _gaps(services: Services) -> list[tuple[str, int]]:
    return [(gap.text, gap.count) for gap in await services.insights.gaps(0, open_only=False)]


async def test_a_bare_number_is_never_a_question_nor_a_gap(services: Services) -> None:
    chat = ChatSession(services)
    reply = await chat.handle("jobs")
    assert reply is not None and "Did you mean" in reply
    before = await _gaps(services)
    assert "[topic: " in (await chat.handle("1") or "")
    for number in ("2", "1", "42"):  # after the pick: no list any more
        assert await chat.handle(number) == NOTHING_TO_PICK
    assert await _gaps(services) == before


async def test_gaps_show_the_question_as_asked_and_the_terminal_is_guild_0(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal user is id 0 outside any server: `kb gaps --guild 0` lists its questions."""
    chat = ChatSession(services)
    for asked in ("How much does a nurse make?", "how much  does a nurse make", "Who runs LA?"):
        await chat.handle(asked)
    assert await _gaps(services) == [("how much does a nurse make", 2), ("who runs la", 1)]
    args = build_parser().parse_args(["kb", "gaps", "--guild", "0"])
    assert await run_layer_command(args, services) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(maxsplit=2)[::2] for line in lines] == [
        ["2", "how much does a nurse make"],
        ["1", "who runs la"],
    ]


@pytest.mark.parametrize("days", ["0", "366", "9999", "-1", "a week"])
def test_kb_gaps_days_is_1_to_365(days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["kb", "gaps", "--guild", "0", "--days", days])
    assert exited.value.code == 2
    assert "argument --days: " in capsys.readouterr().err
    for fine in ("1", "365"):
        assert build_parser().parse_args(["kb", "gaps", "--guild", "1", "--days", fine]).days


async def test_run_chat_leaves_cleanly_when_reading_fails_with_end_of_input(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(["/topic kaggle\n"])

    def read() -> str:
        line = next(lines, None)
        if line is None:
            raise EOFError
        return line

    await run_chat(services, read)
    out = capsys.readouterr().out
    assert "[topic: kaggle]" in out and "Traceback" not in out


def test_ctrl_c_leaves_the_terminal_chat_at_once(tmp_path: Path) -> None:
    """A real process on a pseudo-terminal, waiting in `input()`, gets SIGINT: it must end by
    itself (not after Enter), with exit code 0 and no traceback."""
    master, slave = pty.openpty()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
        "MATCHER": "lexical",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env=env,
    )
    os.close(slave)
    try:
        screen = _read_until(master, b"you> ", seconds=90)
        assert b"you> " in screen, screen
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("Ctrl-C did not end the chat: it waits for Enter")
        screen += _read_until(master, None, seconds=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert code == 0
    text = screen.decode(errors="replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert text.rstrip().endswith("Bye!")


def _read_until(fd: int, marker: bytes | None, seconds: float) -> bytes:
    """What the terminal shows until `marker` appears (or the time is up, or it closes)."""
    seen = b""
    deadline = time.monotonic() + seconds
    while (marker is None or marker not in seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    return seen
