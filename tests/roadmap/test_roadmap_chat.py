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
    assert "/roadmap fit" in usage
    assert (await say(chat, "/roadmap dance")).startswith("Unknown /roadmap command 'dance'")


async def test_tracks_view_and_done_by_id(services: Services) -> None:
    chat = ChatSession(services)
    tracks = await say(chat, "/roadmap tracks")
    assert "ml-engineer: Become an ML engineer — 0% (0 of 40 done)" in tracks
    assert "ai-engineer: Become an AI engineer — 0% (0 of 29 done)" in tracks
    assert "networking: Grow your ML network" in tracks
    done = await say(chat, "/roadmap done linear-algebra-course")
    assert done.startswith("✓ 'Finish a linear algebra course")
    assert "is now done. 2% (1 of 40 done)" in done
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
    which = await say(chat, "/roadmap done rag")
    assert which.startswith("Which one do you mean by 'rag'?")
    assert which.endswith("\nType a number to pick one.")
    assert "/roadmap done ai-engineer:rag-pipeline" in which
    assert "/roadmap done ai-engineer:llm-fine-tuning" in which
    picked = await say(chat, "/roadmap done portfolio:deployed-project")
    assert "(Build your ML portfolio) is now done" in picked
    shared = await say(chat, "/roadmap view ml-engineer")  # one skill, shown in both
    assert "✓ Ship one end-to-end project with a deployed model [deployed-project] · done in " in (
        shared
    )
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
    assert view.skill("mentor").status == "todo"  # type: ignore[union-attr]


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
    assert await say(chat, "/roadmap next cooking") == (
        "There is no roadmap 'cooking'. Tracks: ml-engineer, data-scientist, mlops-engineer, "
        "ai-engineer, research-engineer, portfolio, networking."
    )
    assert await say(chat, "/roadmap view ai engineers") == await say(chat, "/roadmap view ai")
    assert await say(chat, "/roadmap view engineer") == (  # not sure: the closest ones
        "There is no roadmap 'engineer'. Did you mean: ml-engineer, mlops-engineer, ai-engineer?"
    )


async def test_reset_asks_first(services: Services) -> None:
    chat = ChatSession(services)
    await say(chat, "/roadmap done networking:mentor")
    await say(chat, "/roadmap doing networking:linkedin-profile")
    await say(chat, "/roadmap done ml-engineer:meetup-or-conference")  # networking has it too
    ask = await say(chat, "/roadmap reset networking")
    assert "(2 items marked). 1 item marked in other tracks stays." in ask
    assert "/roadmap reset networking yes" in ask
    assert (await services.roadmaps.view(LOCAL_USER_ID, "networking")).done == 2
    assert "Cleared your progress on Grow your ML network" in await say(
        chat, "/roadmap reset networking yes"
    )
    assert (await services.roadmaps.view(LOCAL_USER_ID, "networking")).done == 1  # the meetup
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
    which = await say(chat, "/roadmap done rag")
    lines = which.splitlines()[1:-1]
    assert [line.split(".")[0].strip() for line in lines] == [
        str(n) for n in range(1, len(lines) + 1)
    ]
    number = number_of(which, "/roadmap done ai-engineer:rag-pipeline")
    assert (await say(chat, "99")).startswith("Pick a number from 1 to ")  # choices stay
    picked = await say(chat, number)
    assert picked.startswith("✓ 'Build a RAG app over real documents")
    assert "(Become an AI engineer) is now done" in picked
    assert "Heads-up: this builds on “Embed text and search it by meaning" in picked  # gentle
    view = await services.roadmaps.view(LOCAL_USER_ID, "ai-engineer")
    assert view.skill("rag-pipeline").status == "done"  # type: ignore[union-attr]

    # Undo offers the closed skills; numbers only count for the reply that showed them.
    await say(chat, "/roadmap done ai-engineer:llm-fine-tuning")
    which = await say(chat, "/roadmap undo rag")
    number = number_of(which, "/roadmap undo ai-engineer:llm-fine-tuning")
    await say(chat, "/roadmap view ai-engineer")
    await chat.handle(number)  # now just a (meaningless) question
    assert (await services.roadmaps.view(LOCAL_USER_ID, "ai-engineer")).done == 2


async def test_fit_shows_each_role_its_share_and_what_to_learn_next(services: Services) -> None:
    chat = ChatSession(services)
    first = await say(chat, "/roadmap fit")
    assert first.startswith("How far you are from each role (share of its skills done):")
    assert "ML engineer — 0% (0 of 40 done)" in first
    assert first.endswith("and this shows how close you are.")
    for skill in ("python-fluency", "tested-python", "llm-basics", "llm-api-app"):
        await say(chat, f"/roadmap done ai-engineer:{skill}")
    fit = await say(chat, "/roadmap fit")
    blocks = fit.split("\n\n")
    assert blocks[1].splitlines() == [
        "AI engineer — 13% (4 of 29 done)",
        "█░░░░░░░░░",
        "Next (/roadmap view ai-engineer):",
        "  ○ Practise data structures, algorithms and object-oriented design [data-structures] "
        "→ /topic data-structures-algorithms",
        "  ○ Pull and prepare a dataset with SQL [sql-data-prep] → /topic sql",
        "  ○ Keep your code in Git and log your experiments (MLflow or Weights & Biases) "
        "[git-experiment-tracking] → /topic git-github-ml",
    ]
    assert blocks[2].startswith("MLOps engineer — 7% (2 of 28 done)")
    assert "**" not in fit and "Mark what you can" not in fit
