"""Moderators' edits through ModerationService, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.db.models import GuildEntry, KnowledgeRevision, KnowledgeVersion
from bot.knowledge.layers import Origin
from bot.matching.engine import Outcome
from bot.moderation.lookup import suggest_ids
from bot.moderation.rules import KnowledgeEditError
from bot.moderation.text import describe_revision
from bot.services import Services

GUILD, OTHER = 1001, 2002
STUDY = {
    "id": "study-group",
    "title": "Our weekly study group",
    "questions": "when does the study group meet\nstudy group schedule",
    "answer": "Fridays at 18:00 UTC in #study-hall.",
}
STUDY_QUESTION = "when does the study group meet?"


async def counts(services: Services) -> tuple[int, int, int]:
    """Rows in guild_entries, kb_revisions, kb_versions."""
    async with services.sessions() as session:
        return tuple(  # type: ignore[return-value]
            [
                await session.scalar(select(func.count()).select_from(model))
                for model in (GuildEntry, KnowledgeRevision, KnowledgeVersion)
            ]
        )


async def answer_id(services: Services, question: str, guild: int | None) -> str | None:
    result = await services.ask.ask(question, guild)
    return result.entry.id if result.entry else None


async def test_added_entry_answers_only_in_its_server(services: Services) -> None:
    change = await services.moderation.add(GUILD, {**STUDY, "id": " Study-Group "}, author_id=7)
    assert change.entry_id == "study-group" and change.entry.category == "community"
    assert await answer_id(services, STUDY_QUESTION, GUILD) == "study-group"
    assert await answer_id(services, STUDY_QUESTION, OTHER) != "study-group"
    assert await answer_id(services, STUDY_QUESTION, None) != "study-group"
    assert "study-group" not in await services.knowledge.knowledge_for(OTHER)
    assert "study-group" not in services.knowledge.base
    with pytest.raises(KnowledgeEditError, match="no such entry"):
        await services.moderation.show(OTHER, "study-group")
    with pytest.raises(KnowledgeEditError, match="no such entry"):
        await services.moderation.edit(OTHER, "study-group", {"answer": "taken over"})
    assert (await services.moderation.export(OTHER)).count("- id:") == 0


async def test_same_id_twice_or_at_once_keeps_one_entry(services: Services) -> None:
    first, second = await asyncio.gather(
        services.moderation.add(GUILD, {**STUDY, "answer": "first"}),
        services.moderation.add(GUILD, {**STUDY, "id": "STUDY-GROUP ", "answer": "second"}),
        return_exceptions=True,
    )
    outcomes = sorted(type(result).__name__ for result in (first, second))
    assert outcomes == ["Change", "KnowledgeEditError"]
    error = first if isinstance(first, Exception) else second
    assert "already has an entry with this id" in str(error)
    assert await counts(services) == (1, 1, 1)
    with pytest.raises(KnowledgeEditError, match="a bundled entry already has this id"):
        await services.moderation.add(GUILD, {**STUDY, "id": "kaggle"})


async def test_invalid_input_is_rejected_with_every_problem_and_nothing_saved(
    services: Services,
) -> None:
    await services.moderation.add(GUILD, STUDY)
    before = await counts(services)
    bad = {
        "id": "bad id!",
        "title": "x" * 101,
        "questions": "",
        "answer": "y" * 4001,
        "related": ["no-such-entry"],
        "colour": "red",
    }
    with pytest.raises(KnowledgeEditError) as caught:
        await services.moderation.add(GUILD, bad)
    fields = {issue.field for issue in caught.value.issues}
    assert {"id", "title", "questions", "answer", "colour"} <= fields
    assert all(issue.file == f"<guild {GUILD}>" for issue in caught.value.issues)
    assert "too long: 4001 characters, the limit is 4000" in str(caught.value)

    with pytest.raises(KnowledgeEditError, match="unknown id 'no-such-entry'"):
        await services.moderation.edit(GUILD, "study-group", {"related": "no-such-entry"})
    with pytest.raises(KnowledgeEditError, match="refers to itself"):
        await services.moderation.edit(GUILD, "study-group", {"related": ["study-group"]})
    with pytest.raises(KnowledgeEditError, match="id cannot change"):
        await services.moderation.edit(GUILD, "study-group", {"id": "other"})
    with pytest.raises(KnowledgeEditError, match="too long"):
        await services.moderation.alias(GUILD, "kaggle", "q" * 201)
    with pytest.raises(KnowledgeEditError, match="already one of its questions"):
        await services.moderation.alias(GUILD, "study-group", "Study group  schedule")
    with pytest.raises(KnowledgeEditError, match="nothing to change"):
        await services.moderation.edit(GUILD, "study-group", {"answer": STUDY["answer"]})
    assert await counts(services) == before
    assert (await services.moderation.show(GUILD, "study-group")).text.answer == STUDY["answer"]


async def test_override_changes_the_answer_and_editing_back_drops_it(services: Services) -> None:
    original = services.knowledge.base.get("kaggle")
    await services.moderation.edit(GUILD, "kaggle", {"answer": "Ask in #kaggle-team first."})
    knowledge = await services.knowledge.knowledge_for(GUILD)
    assert knowledge.get("kaggle").answer == "Ask in #kaggle-team first."
    assert (await services.knowledge.knowledge_for(OTHER)).get("kaggle") == original
    state = await services.moderation.show(GUILD, "kaggle")
    assert state.origin is Origin.OVERRIDE and state.text.questions == original.questions

    await services.moderation.edit(GUILD, "kaggle", {"answer": original.answer})
    assert (await services.knowledge.knowledge_for(GUILD)).get("kaggle") == original
    assert (await services.moderation.show(GUILD, "kaggle")).origin is Origin.BUNDLED
    assert (await counts(services))[0] == 0  # the row is gone, the history is not
    assert len(await services.moderation.history(GUILD, "kaggle")) == 2


async def test_alias_makes_a_phrase_find_the_entry(services: Services) -> None:
    question = "grinding leaderboards on weekends, good use of time?"
    before = await services.ask.ask(question, GUILD)
    assert before.entry is None or before.entry.id != "kaggle"
    change = await services.moderation.alias(GUILD, "kaggle", "grinding leaderboards on weekends")
    assert change.entry.questions[-1] == "grinding leaderboards on weekends"
    after = await services.ask.ask(question, GUILD)
    assert after.outcome is Outcome.ANSWER and after.entry.id == "kaggle"
    other = await services.ask.ask(question, OTHER)
    assert other.entry is None or other.entry.id != "kaggle"
    await services.moderation.unalias(GUILD, "kaggle", "Grinding leaderboards on weekends")
    assert (await services.knowledge.knowledge_for(GUILD)).get("kaggle").questions[-1] != (
        "grinding leaderboards on weekends"
    )


async def test_hide_and_unhide(services: Services) -> None:
    question = "what does a data scientist do"
    assert await answer_id(services, question, GUILD) == "data-scientist"
    await services.moderation.hide(GUILD, "data-scientist", author_id=5)
    assert await answer_id(services, question, GUILD) != "data-scientist"
    assert "data-scientist" not in await services.knowledge.knowledge_for(GUILD)
    assert await answer_id(services, question, OTHER) == "data-scientist"
    assert await suggest_ids(services.knowledge, GUILD, "data-sci", "hidden") == [
        ("data-scientist", services.knowledge.base.get("data-scientist").title)
    ]
    assert all(
        choice[0] != "data-scientist"
        for choice in await suggest_ids(services.knowledge, GUILD, "data")
    )
    with pytest.raises(KnowledgeEditError, match="already hidden"):
        await services.moderation.hide(GUILD, "data-scientist")
    await services.moderation.unhide(GUILD, "data-scientist")
    assert await answer_id(services, question, GUILD) == "data-scientist"
    with pytest.raises(KnowledgeEditError, match="not hidden"):
        await services.moderation.unhide(GUILD, "data-scientist")


async def test_remove_only_own_entries_and_not_while_referenced(services: Services) -> None:
    await services.moderation.add(GUILD, STUDY)
    await services.moderation.add(
        GUILD,
        {
            "id": "study-rules",
            "title": "Study group rules",
            "questions": ["study group rules"],
            "answer": "Be kind.",
            "related": ["study-group", "kaggle"],
        },
    )
    suggested = await suggest_ids(services.knowledge, GUILD, "STUDY", "server")
    assert suggested == [("study-group", STUDY["title"]), ("study-rules", "Study group rules")]
    assert await suggest_ids(services.knowledge, OTHER, "study", "server") == []
    found = await suggest_ids(services.knowledge, GUILD, "group rules")
    assert [c[0] for c in found] == ["study-rules"]
    with pytest.raises(KnowledgeEditError, match="bundled entries cannot be removed"):
        await services.moderation.remove(GUILD, "kaggle")
    with pytest.raises(KnowledgeEditError, match="related` of study-rules"):
        await services.moderation.remove(GUILD, "study-group")
    with pytest.raises(KnowledgeEditError, match="no such entry"):
        await services.moderation.remove(OTHER, "study-rules")
    await services.moderation.remove(GUILD, "study-rules")
    await services.moderation.remove(GUILD, "study-group")
    assert await answer_id(services, STUDY_QUESTION, GUILD) != "study-group"
    assert await suggest_ids(services.knowledge, GUILD, "study", "server") == []


async def test_history_and_revert(services: Services) -> None:
    moderation = services.moderation
    first = await moderation.add(GUILD, STUDY, author_id=11)
    edit = await moderation.edit(GUILD, "study-group", {"answer": "Moved to Mondays."}, 12)
    alias = await moderation.alias(GUILD, "study-group", "study meetup time", 13)
    history = await moderation.history(GUILD, "study-group")
    assert [r.id for r in history] == [alias.revision_id, edit.revision_id, first.revision_id]
    assert [(r.action, r.author_id) for r in history] == [("alias", 13), ("edit", 12), ("add", 11)]
    assert [describe_revision(r, services.knowledge.base) for r in history] == [
        '+ question "study meetup time"',
        "answer changed",
        "created",
    ]
    assert history[1].before.data["answer"] == STUDY["answer"]
    assert history[1].after.data["answer"] == "Moved to Mondays."

    # Undo the edit (and the later alias): the text is back, as a new revision.
    reverted = await moderation.revert(GUILD, "study-group", edit.revision_id, author_id=14)
    assert reverted.entry.answer == STUDY["answer"]
    assert "study meetup time" not in reverted.entry.questions
    assert len(await moderation.history(GUILD, "study-group")) == 4
    # Reverting the revert restores the edit; reverting the add removes the entry.
    await moderation.revert(GUILD, "study-group", reverted.revision_id)
    assert (await moderation.show(GUILD, "study-group")).text.answer == "Moved to Mondays."
    await moderation.revert(GUILD, "study-group", first.revision_id)
    assert await answer_id(services, STUDY_QUESTION, GUILD) != "study-group"
    assert len(await moderation.history(GUILD)) == 6  # revisions are never deleted

    with pytest.raises(KnowledgeEditError, match="no revision 999"):
        await moderation.revert(GUILD, "study-group", 999)
    with pytest.raises(KnowledgeEditError, match=f"no revision {edit.revision_id}"):
        await moderation.revert(OTHER, "study-group", edit.revision_id)  # another server's
    with pytest.raises(KnowledgeEditError, match="nothing to change"):
        await moderation.revert(GUILD, "study-group", first.revision_id)


async def test_every_write_bumps_the_version_in_the_same_transaction(services: Services) -> None:
    async def version() -> int:
        async with services.sessions() as session:
            return await session.scalar(
                select(KnowledgeVersion.version).where(KnowledgeVersion.guild_id == GUILD)
            )

    await services.moderation.add(GUILD, STUDY)
    await services.moderation.hide(GUILD, "kaggle")
    assert await version() == 2
    with pytest.raises(KnowledgeEditError):
        await services.moderation.hide(GUILD, "kaggle")
    assert await version() == 2  # a rejected write rolls the bump back too
