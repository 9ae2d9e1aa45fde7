"""`/roadmap ...` in the terminal chat, for the local user, on a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.chat import LOCAL_USER_ID, ChatSession
from bot.db.engine import create_engine, session_factory
from bot.roadmap.service import RoadmapService
from bot.services import Services


async def say(chat: ChatSession, line: str) -> str:
    reply = await chat.handle(line)
    assert reply is not None
    return reply


async def test_help_and_usage(services: Services) -> None:
    chat = ChatSession(services)
    assert "/roadmap SUBCOMMAND" in await say(chat, "/help")
    usage = await say(chat, "/roadmap")
    assert "/roadmap view [TRACK]" in usage and "/roadmap reset TRACK" in usage
    assert (await say(chat, "/roadmap dance")).startswith("Unknown /roadmap command 'dance'")


async def test_tracks_view_and_done_by_id(services: Services) -> None:
    chat = ChatSession(services)
    tracks = await say(chat, "/roadmap tracks")
    assert "ml-engineer: Become an ML engineer — 0% (0 of 39 done)" in tracks
    assert "networking: Grow your ML network" in tracks
    done = await say(chat, "/roadmap done linear-algebra-course")
    assert done.startswith("✓ 'Finish a linear algebra course")
    assert "is now done. 2% (1 of 39 done)" in done
    assert "Next up: Work through statistics" in done
    view = await say(chat, "/roadmap view")  # the track changed last
    assert view.startswith("Become an ML engineer — 2%")
    assert "  ✓ Finish a linear algebra course" in view
    assert (await services.roadmaps.view(LOCAL_USER_ID, "ml-engineer")).done == 1
    assert "is already done" in await say(chat, "/roadmap done linear-algebra-course")


async def test_fuzzy_titles_ambiguity_and_track_prefix(services: Services) -> None:
    chat = ChatSession(services)
    doing = await say(chat, "/roadmap doing dokcer container")
    assert doing.startswith("◐ 'Package a trained model in a Docker container'")
    assert "in progress" in doing
    which = await say(chat, "/roadmap done deployed project")
    assert which.startswith("Which one do you mean by 'deployed project'?")
    assert which.endswith("\nType a number to pick one.")
    assert "/roadmap done portfolio:deployed-project" in which
    assert "/roadmap done ml-engineer:deployed-project" in which
    picked = await say(chat, "/roadmap done portfolio:deployed-project")
    assert "(Build your ML portfolio) is now done" in picked
    assert "No roadmap item matches 'xyzzy'" in await say(chat, "/roadmap skip xyzzy")
    assert "Which item?" in await say(chat, "/roadmap skip")


async def test_skip_and_undo(services: Services) -> None:
    chat = ChatSession(services)
    skipped = await say(chat, "/roadmap skip find a mentor")
    assert skipped.startswith("⊘ 'Find a mentor' (Grow your ML network) is now skipped")
    assert "0% (0 of 4 done)" in skipped
    undone = await say(chat, "/roadmap undo mentor")
    assert undone.startswith("○ 'Find a mentor' (Grow your ML network) is now to do")
    view = await services.roadmaps.view(LOCAL_USER_ID, "networking")
    assert view.item("mentor").status == "todo"  # type: ignore[union-attr]


async def test_next_shows_the_item_and_the_answer(services: Services) -> None:
    chat = ChatSession(services)
    first = await say(chat, "/roadmap next portfolio")
    assert first.startswith("Next in Build your ML portfolio (Projects):")
    assert "/roadmap done portfolio:supervised-project" in first
    assert "What projects to put in your ML portfolio:" in first  # the knowledge answer
    assert "**" not in first and "/topic ml-fundamentals" in first
    for item in ("supervised-project", "unsupervised-project", "deployed-project", "readme"):
        await say(chat, f"/roadmap done portfolio:{item}")
    for item in ("blog-post", "kaggle-competition", "open-source-contribution"):
        await say(chat, f"/roadmap skip portfolio:{item}")
    assert "done or skipped" in await say(chat, "/roadmap next portfolio")
    assert "No track matches 'cooking'" in await say(chat, "/roadmap next cooking")


async def test_reset_asks_first(services: Services) -> None:
    chat = ChatSession(services)
    await say(chat, "/roadmap done networking:mentor")
    await say(chat, "/roadmap doing networking:linkedin-profile")
    ask = await say(chat, "/roadmap reset networking")
    assert "(2 items marked)" in ask and "/roadmap reset networking yes" in ask
    assert (await services.roadmaps.view(LOCAL_USER_ID, "networking")).done == 1
    assert "Cleared your progress on Grow your ML network" in await say(
        chat, "/roadmap reset networking yes"
    )
    assert (await services.roadmaps.view(LOCAL_USER_ID, "networking")).done == 0
    assert "Which track?" in await say(chat, "/roadmap reset")


async def test_each_chat_user_has_their_own_progress(services: Services) -> None:
    alice, bob = ChatSession(services, user_id=1), ChatSession(services, user_id=2)
    await say(alice, "/roadmap done networking:mentor")
    assert "Grow your ML network — 0%" in await say(bob, "/roadmap view networking")
    assert "Grow your ML network — 20%" in await say(alice, "/roadmap view networking")


async def test_database_down_is_a_friendly_reply(services: Services, tmp_path: Path) -> None:
    chat = ChatSession(services)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    services.roadmaps = RoadmapService(services.roadmaps.tracks, session_factory(engine))
    try:
        reply = await say(chat, "/roadmap view networking")
        assert reply.startswith("I can't reach the database right now")
        assert "cannot use database" in reply
    finally:
        await engine.dispose()
        # aiosqlite stops its worker thread after a failed connect without waiting;
        # let it finish while this test's event loop is still open.
        await asyncio.sleep(0.2)


def number_of(reply: str, command: str) -> str:
    """The number in front of the choice that stands for `command`."""
    line = next(line for line in reply.splitlines() if line.endswith(command))
    number, _, _ = line.strip().partition(". ")
    assert number.isdigit()
    return number


async def test_which_one_choices_are_numbered_and_picked_by_number(services: Services) -> None:
    chat = ChatSession(services)
    which = await say(chat, "/roadmap done deployed project")
    lines = which.splitlines()[1:-1]
    assert [line.split(".")[0].strip() for line in lines] == [
        str(n) for n in range(1, len(lines) + 1)
    ]
    number = number_of(which, "/roadmap done ml-engineer:deployed-project")
    assert (await say(chat, "99")).startswith("Pick a number from 1 to ")  # choices stay
    picked = await say(chat, number)
    assert picked.startswith("✓ 'Ship one end-to-end project with a deployed model'")
    assert "(Become an ML engineer) is now done" in picked
    view = await services.roadmaps.view(LOCAL_USER_ID, "ml-engineer")
    assert view.item("deployed-project").status == "done"  # type: ignore[union-attr]
    assert (await services.roadmaps.view(LOCAL_USER_ID, "portfolio")).done == 0

    # Undo offers the closed items; numbers only count for the reply that showed them.
    await say(chat, "/roadmap done portfolio:deployed-project")
    which = await say(chat, "/roadmap undo deployed project")
    number = number_of(which, "/roadmap undo portfolio:deployed-project")
    await say(chat, "/roadmap view portfolio")
    await chat.handle(number)  # now just a (meaningless) question
    assert (await services.roadmaps.view(LOCAL_USER_ID, "portfolio")).done == 1
