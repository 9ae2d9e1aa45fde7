"""Export and import of a server layer, and the operator's `careerbot kb ... --guild`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.knowledge.layerstore import read_version
from bot.moderation.rules import KnowledgeEditError
from bot.services import Services

GUILD, COPY = 51, 52
STUDY = {
    "id": "study-group",
    "title": "Our weekly study group: Fridays",
    "questions": ["when does the study group meet", "study group schedule"],
    "keywords": ["study group", "schedule"],
    "answer": "**Fridays at 18:00 UTC** in #study-hall.\n\n- bring questions\n- cameras optional",
    "related": ["kaggle", "ml-engineer"],
}


async def build_layer(services: Services) -> None:
    moderation = services.moderation
    await moderation.add(GUILD, STUDY)
    await moderation.alias(GUILD, "study-group", "study session times")
    await moderation.edit(GUILD, "kaggle", {"answer": "Ask in #kaggle-team first.", "related": []})
    await moderation.alias(GUILD, "kaggle", "leaderboard grinding")
    await moderation.alias(GUILD, "ml-engineer", "what do mles do all day")
    await moderation.hide(GUILD, "data-scientist")
    await moderation.hide(GUILD, "ml-engineer")


def header_free(text: str) -> str:
    return text.split("\n", 1)[1]


async def test_export_then_import_round_trip(services: Services) -> None:
    await build_layer(services)
    exported = await services.moderation.export(GUILD)
    result = await services.moderation.import_yaml(COPY, exported, author_id=9)
    assert (sorted(result.added), sorted(result.changed), result.hidden) == (
        ["study-group"],
        ["kaggle", "ml-engineer"],
        ["data-scientist"],
    )
    assert header_free(await services.moderation.export(COPY)) == header_free(exported)
    original = await services.knowledge.knowledge_for(GUILD)
    copied = await services.knowledge.knowledge_for(COPY)
    assert copied.entries == original.entries
    for entry_id in ("ml-engineer", "kaggle", "study-group", "data-scientist"):
        mine = await services.moderation.show(GUILD, entry_id)
        theirs = await services.moderation.show(COPY, entry_id)
        assert (theirs.entry, theirs.hidden, theirs.origin) == (
            mine.entry,
            mine.hidden,
            mine.origin,
        )
    # The same file again changes nothing: no revision, not even a version bump.
    revisions = len(await services.moderation.history(COPY, limit=100))
    async with services.sessions() as session:
        version = await read_version(session, COPY)
    again = await services.moderation.import_yaml(COPY, exported)
    assert again.total == 0 and again.unchanged == 4
    assert len(await services.moderation.history(COPY, limit=100)) == revisions
    async with services.sessions() as session:
        assert await read_version(session, COPY) == version == 1


async def test_import_is_all_or_nothing_and_names_lines(services: Services) -> None:
    good = "\n".join(
        [
            "- id: study-group",
            "  title: Study group",
            "  category: community",
            "  questions: [when does the study group meet]",
            "  answer: Fridays.",
        ]
    )
    bad = "\n".join(
        [
            "# hidden: kaggle, no-such-id",
            good,
            "- id: meetups",
            "  title: Meetups",
            "  category: community",
            "  questions: [any meetups]",
            "  answer: Sometimes.",
            "  related: [study-group, nowhere]",
            good,
        ]
    )
    with pytest.raises(KnowledgeEditError) as caught:
        await services.moderation.import_yaml(GUILD, bad)
    found = {(issue.line, issue.entry_id, issue.message) for issue in caught.value.issues}
    assert found == {
        (1, "no-such-id", "unknown id"),
        (7, "meetups", "unknown id 'nowhere'"),
        (13, "study-group", "duplicate id (first defined at <guild 51 import>:2)"),
    }
    assert await services.moderation.history(GUILD) == []
    assert "study-group" not in await services.knowledge.knowledge_for(GUILD)
    with pytest.raises(KnowledgeEditError, match=r"import>:1: x.title: required field"):
        await services.moderation.import_yaml(GUILD, "- id: x\n  category: community\n")
    result = await services.moderation.import_yaml(GUILD, good + "\n# hidden: kaggle\n")
    assert (result.added, result.hidden) == (["study-group"], ["kaggle"])


def test_operator_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")

    def cli(*args: str) -> tuple[int, str, str]:
        code = run_cli(["kb", *args])
        out, err = capsys.readouterr()
        return code, out, err

    entry = tmp_path / "entry.yaml"
    entry.write_text("id: Study-Group\ntitle: Study group\nquestions: [when do we meet]\n")
    code, out, _ = cli("add", "--guild", "7", "--file", str(entry), "--answer", "Fridays.")
    assert (code, out) == (0, "add study-group: saved as revision 1 (visible)\n")
    assert cli("alias", "study-group", "meeting times", "--guild", "7")[0] == 0
    assert cli("edit", "kaggle", "--guild", "7", "--answer", "Ask #kaggle-team.")[0] == 0
    assert cli("hide", "kaggle", "--guild", "7")[0] == 0
    code, _, err = cli("remove", "kaggle", "--guild", "7")
    assert code == 1 and "nothing saved" in err and "bundled entries cannot be removed" in err
    code, _, err = cli("add", "--guild", "7", "--id", "x", "--title", "X", "--answer", "a")
    assert code == 1 and "x.questions: required field is missing" in err

    code, out, _ = cli("show", "study-group", "--guild", "7", "--json")
    shown = json.loads(out)
    assert shown["origin"] == "server" and shown["aliases"] == ["meeting times"]
    assert shown["entry"]["answer"] == "Fridays."
    code, out, _ = cli("history", "--guild", "7")
    lines = out.splitlines()
    assert len(lines) == 4 and "operator  hide kaggle: hidden" in lines[0]
    assert cli("revert", "kaggle", "4", "--guild", "7")[0] == 0  # un-hide
    code, out, _ = cli("history", "kaggle", "--guild", "7", "--limit", "1")
    assert "revert kaggle: shown again" in out

    exported = tmp_path / "layer.yaml"
    assert cli("export", "--guild", "7", "-o", str(exported))[0] == 0
    code, out, _ = cli("import", str(exported), "--guild", "8")
    assert out == "imported: 1 added, 1 changed, 0 hidden, 0 unchanged\n"
    assert cli("gaps", "--guild", "8") == (0, "", "")
    code, out, _ = cli("stats", "--guild", "8")
    assert code == 0 and out.startswith("Most asked topics:")
