"""The terminal chat session, on a real (migrated) database."""

from __future__ import annotations

from bot.chat import ChatSession
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
