"""The terminal chat session, on a real (migrated) database."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.chat import ChatSession, run_chat
from bot.db.engine import DatabaseUnavailable, redact
from bot.services import Services


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
