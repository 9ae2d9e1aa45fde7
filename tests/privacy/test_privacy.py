"""/mydata: export everything stored about a user, delete all of it (service and CLI)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import run_cli
from bot.db.engine import DatabaseUnavailable, create_engine, session_factory
from bot.db.models import AnswerVote, Base, KnowledgeRevision, SkillProgress, User
from bot.privacy.service import PERSONAL_DATA, PrivacyService
from bot.services import Services

ALICE, BOB = 1001, 1002
GUILD = 555


async def seed(services: Services) -> None:
    roadmaps = services.roadmaps
    await roadmaps.set_status(ALICE, "portfolio", "readme", "done")
    await roadmaps.set_status(ALICE, "networking", "mentor", "doing")
    await roadmaps.set_status(BOB, "portfolio", "readme", "done")
    vote = {"guild_id": GUILD, "entry_id": "kaggle"}
    async with services.sessions.begin() as session:
        session.add_all(
            [
                AnswerVote(message_id=1, user_id=ALICE, helpful=True, **vote),
                AnswerVote(message_id=2, user_id=BOB, helpful=False, **vote),
                KnowledgeRevision(
                    guild_id=GUILD,
                    entry_id="kaggle",
                    author_id=ALICE,
                    action="edit",
                    before={"title": "Old"},
                    after={"title": "New"},
                ),
                KnowledgeRevision(guild_id=GUILD, entry_id="sql", author_id=BOB, action="hide"),
            ]
        )


async def test_export_has_every_table_that_holds_the_user(services: Services) -> None:
    await seed(services)
    data = await PrivacyService(services.sessions).export_user(ALICE)
    json.dumps(data)  # JSON-ready as it is
    assert data["user_id"] == ALICE and data["exported_at"].endswith("+00:00")
    assert [row["id"] for row in data["users"]] == [ALICE]
    assert {
        (row["marked_in"], row["skill_id"], row["status"]) for row in data["skill_progress"]
    } == {
        ("portfolio", "project-readmes", "done"),
        ("networking", "mentor", "doing"),
    }
    assert all(row["updated_at"] for row in data["skill_progress"])
    assert [(row["message_id"], row["helpful"]) for row in data["answer_votes"]] == [(1, True)]
    [revision] = data["kb_revisions"]
    assert revision["author_id"] == ALICE and revision["after"] == {"title": "New"}
    assert set(data) == {"user_id", "exported_at", *(p.table for p in PERSONAL_DATA)}


async def test_delete_removes_everything_and_keeps_revisions_anonymous(
    services: Services,
) -> None:
    await seed(services)
    counts = await PrivacyService(services.sessions).delete_user(ALICE)
    assert counts == {"skill_progress": 2, "answer_votes": 1, "kb_revisions": 1, "users": 1}
    empty = await PrivacyService(services.sessions).export_user(ALICE)
    assert all(empty[p.table] == [] for p in PERSONAL_DATA)
    async with services.sessions() as session:
        authors = sorted(
            (entry_id, author)
            for entry_id, author in await session.execute(
                select(KnowledgeRevision.entry_id, KnowledgeRevision.author_id)
            )
        )
        assert authors == [("kaggle", None), ("sql", BOB)]  # revisions are never deleted
        assert list(await session.scalars(select(User.id))) == [BOB]
        assert list(await session.scalars(select(SkillProgress.user_id))) == [BOB]
        assert list(await session.scalars(select(AnswerVote.user_id))) == [BOB]
    assert (await services.roadmaps.view(BOB, "portfolio")).done == 1
    assert await PrivacyService(services.sessions).delete_user(ALICE) == dict.fromkeys(counts, 0)


async def test_a_dead_database_is_one_clear_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    privacy = PrivacyService(session_factory(engine))
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot use database sqlite"):
            await privacy.export_user(ALICE)
        with pytest.raises(DatabaseUnavailable, match="unable to open database file"):
            await privacy.delete_user(ALICE)
    finally:
        await engine.dispose()
        # aiosqlite stops its worker thread after a failed connect without waiting;
        # let it finish while this test's event loop is still open.
        await asyncio.sleep(0.2)


def test_every_column_holding_a_user_id_is_covered() -> None:
    """Fails when a table gains a user-id column that /mydata would not export or delete."""
    covered = {(p.table, p.column) for p in PERSONAL_DATA}
    holding = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            points_at_users = any(fk.target_fullname == "users.id" for fk in column.foreign_keys)
            named = column.name in {"user_id", "author_id", "member_id"} or column.name.endswith(
                "_user_id"
            )
            if points_at_users or named or (table.name, column.name) == ("users", "id"):
                holding.add((table.name, column.name))
    assert holding == covered


@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


async def test_cli_export_and_delete(
    services: Services, cli_database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await seed(services)
    await services.close()  # the CLI opens its own engine

    assert await _cli(["mydata", "export", str(ALICE)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported["skill_progress"]) == 2 and len(exported["kb_revisions"]) == 1

    assert await _cli(["mydata", "delete", str(ALICE)]) == 2  # needs --yes
    assert "add --yes" in capsys.readouterr().err
    assert await _cli(["mydata", "delete", str(ALICE), "--yes"]) == 0
    assert "skill_progress 2" in capsys.readouterr().out

    assert await _cli(["mydata", "export", str(ALICE)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["users"] == [] and again["skill_progress"] == []
    assert await _cli(["mydata", "export", str(BOB)]) == 0
    assert len(json.loads(capsys.readouterr().out)["skill_progress"]) == 1


async def _cli(argv: list[str]) -> int:
    """run_cli starts its own event loop, so run it in a worker thread."""
    return await asyncio.to_thread(run_cli, argv)
