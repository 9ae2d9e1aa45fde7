"""Lost updates between moderators: an edit names the revision it started from, and a newer
revision refuses it (optimistic concurrency), in the service on both databases, in
`careerbot kb edit --if-revision` and in the /kb edit form."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.moderation.diff import text_diff
from bot.moderation.rules import EditConflict
from bot.services import Services
from tests.moderation.test_moderation_service import counts

GUILD = 3003


async def test_show_names_the_revision_an_edit_is_based_on(services: Services) -> None:
    moderation = services.moderation
    assert (await moderation.show(GUILD, "kaggle")).revision == 0  # never changed here
    change = await moderation.edit(GUILD, "kaggle", {"answer": "Ask #kaggle-team."})
    assert (await moderation.show(GUILD, "kaggle")).revision == change.revision_id
    other = await moderation.hide(GUILD, "mentorship")  # other entries have their own
    assert (await moderation.show(GUILD, "kaggle")).revision == change.revision_id
    assert (await moderation.show(GUILD, "mentorship")).revision == other.revision_id


async def test_a_stale_edit_is_refused_with_the_difference(services: Services) -> None:
    moderation = services.moderation
    opened = await moderation.show(GUILD, "kaggle")  # both moderators open the form
    first = await moderation.edit(
        GUILD, "kaggle", {"answer": "A: ask in #kaggle-team."}, 1, if_revision=opened.revision
    )
    before = await counts(services)
    with pytest.raises(EditConflict) as raised:
        await moderation.edit(
            GUILD,
            "kaggle",
            {"title": "Kaggle, by B", "answer": opened.text.answer},  # B's stale form
            2,
            if_revision=opened.revision,
        )
    conflict = raised.value
    assert (conflict.based_on, conflict.revision, conflict.action) == (0, first.revision_id, "edit")
    assert str(conflict) == (
        f"<guild {GUILD}>: kaggle: changed by someone else since revision 0 (now revision "
        f"{first.revision_id}, edit); nothing saved: start again from the current text"
    )
    old_lines = opened.text.answer.splitlines()
    assert conflict.diff[:3] == ["title:", f"-{opened.text.title}", "+Kaggle, by B"]
    assert conflict.diff[3:5] == ["answer:", "-A: ask in #kaggle-team."]
    assert conflict.diff[5 : 5 + len(old_lines)] == [f"+{line}" for line in old_lines]
    assert await counts(services) == before
    assert (await moderation.show(GUILD, "kaggle")).text.answer == "A: ask in #kaggle-team."

    current = await moderation.show(GUILD, "kaggle")  # B reopens on the current text
    done = await moderation.edit(
        GUILD, "kaggle", {"title": "Kaggle, by B"}, 2, if_revision=current.revision
    )
    state = await moderation.show(GUILD, "kaggle")
    assert (state.text.title, state.text.answer) == ("Kaggle, by B", "A: ask in #kaggle-team.")
    assert state.revision == done.revision_id


async def test_any_newer_revision_refuses_and_no_revision_means_last_writer_wins(
    services: Services,
) -> None:
    moderation = services.moderation
    opened = await moderation.show(GUILD, "kaggle")
    alias = await moderation.alias(GUILD, "kaggle", "leaderboard grinding")
    with pytest.raises(EditConflict) as raised:
        await moderation.edit(GUILD, "kaggle", {"answer": "x"}, if_revision=opened.revision)
    assert raised.value.action == "alias" and raised.value.revision == alias.revision_id
    assert raised.value.diff == [
        "answer:",
        *[f"-{line}" for line in opened.text.answer.splitlines()],
        "+x",
    ]
    change = await moderation.edit(GUILD, "kaggle", {"answer": "x"})  # the operator's choice
    assert change.entry is not None and change.entry.answer == "x"


async def test_two_edits_at_the_same_moment_save_one_and_refuse_the_other(
    services: Services,
) -> None:
    moderation = services.moderation
    await moderation.add(
        GUILD, {"id": "study-group", "title": "Study", "questions": "when", "answer": "Fridays."}
    )
    revision = (await moderation.show(GUILD, "study-group")).revision
    results = await asyncio.gather(
        *(
            moderation.edit(GUILD, "study-group", {"answer": text}, if_revision=revision)
            for text in ("Mondays.", "Tuesdays.")
        ),
        return_exceptions=True,
    )
    saved = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, EditConflict)]
    assert len(saved) == 1 and len(refused) == 1, results
    kept = (await moderation.show(GUILD, "study-group")).text.answer
    assert saved[0].entry is not None and kept == saved[0].entry.answer


def test_text_diff_lists_changed_fields_in_file_order() -> None:
    saved = {"id": "a", "title": "T", "questions": ["q1", "q2"], "answer": "one\ntwo\nthree"}
    yours = {**saved, "questions": ["q1", "q3"], "answer": "one\n2\nthree", "keywords": ["k"]}
    assert text_diff(saved, yours) == [
        "questions:", " q1", "-q2", "+q3",
        "keywords:", "+k",
        "answer:", " one", "-two", "+2", " three",
    ]  # fmt: skip
    assert text_diff(saved, dict(saved)) == []
    long = {"answer": "\n".join(str(n) for n in range(10))}
    edited = {"answer": long["answer"].replace("1", "one").replace("8", "eight")}
    assert text_diff(long, edited) == [
        "answer:", " 0", "-1", "+one", " 2", "  ...", " 7", "-8", "+eight", " 9",
    ]  # fmt: skip


def test_cli_edit_with_if_revision(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")

    def cli(*args: str) -> tuple[int, str, str]:
        code = run_cli(["kb", *args, "--guild", "7"])
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("show", "kaggle")[1].startswith("# kaggle (bundled, revision 0)\n")
    assert cli("edit", "kaggle", "--answer", "First.", "--if-revision", "0")[0] == 0
    code, _, err = cli("edit", "kaggle", "--answer", "Second.", "--if-revision", "0")
    assert code == 1
    assert err == (
        "careerbot: <guild 7>: kaggle: changed by someone else since revision 0 "
        "(now revision 1, edit); nothing saved: start again from the current text\n"
        "saved now (-) and yours (+):\nanswer:\n-First.\n+Second.\n"
    )
    code, out, _ = cli("show", "kaggle", "--json")
    assert '"revision": 1' in out and '"answer": "First."' in out
    assert cli("edit", "kaggle", "--answer", "Second.", "--if-revision", "1")[:2] == (
        0,
        "edit kaggle: saved as revision 2 (visible)\n",
    )
