"""Dated facts: which entries are due for a check, and how answers say how old they are."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.answers.discord.embeds import answer_embed
from bot.answers.text import entry_text
from bot.cli import run_cli
from bot.config import BUNDLED_KNOWLEDGE
from bot.knowledge import KnowledgeBase
from bot.knowledge.models import Entry
from bot.knowledge.staleness import due_for_review, freshness_note

TODAY = dt.date(2027, 3, 1)


def entry(entry_id: str, review_by: dt.date | None, category: str = "tools") -> Entry:
    return Entry(
        id=entry_id,
        title=entry_id,
        category=category,
        questions=["q"],
        answer="**A.**",
        sources=["https://example.org"],
        reviewed=dt.date(2026, 12, 2),
        review_by=review_by,
    )


def test_due_entries_come_longest_overdue_first_and_far_ones_are_left_out() -> None:
    entries = [
        entry("soon", dt.date(2027, 3, 20)),
        entry("later", dt.date(2027, 6, 1)),
        entry("overdue", dt.date(2027, 2, 1)),
        entry("undated", None, "roles"),
    ]
    due = due_for_review(entries, TODAY, within_days=30)
    assert [(item.entry.id, item.days_left, item.overdue) for item in due] == [
        ("overdue", -28, True),
        ("soon", 19, False),
    ]
    assert due_for_review(entries, TODAY, within_days=0)[0].entry.id == "overdue"


def test_answers_say_as_of_when_and_warn_once_out_of_date() -> None:
    assert freshness_note(entry("x", dt.date(2027, 6, 1)), TODAY) == "as of December 2026"
    late = freshness_note(entry("x", dt.date(2027, 2, 1)), TODAY)
    assert late == "as of December 2026 · may be out of date"
    assert freshness_note(entry("x", None, "roles"), TODAY) is None


def test_salary_answers_show_their_date_in_discord_and_the_terminal(
    bundled_knowledge: KnowledgeBase,
) -> None:
    salary = bundled_knowledge.get("salary-ml-engineer")
    role = bundled_knowledge.get("ml-engineer")
    assert salary is not None and role is not None
    footer = answer_embed(salary, bundled_knowledge).footer.text or ""
    assert footer.startswith("topic: salary-ml-engineer · as of ")
    assert "As of " in entry_text(salary, bundled_knowledge)
    assert "as of" not in (answer_embed(role, bundled_knowledge).footer.text or "")


def test_kb_stale_lists_overdue_entries_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["kb", "stale", "--within", "0"]) == 0  # the bundled base is current
    copy = shutil.copytree(BUNDLED_KNOWLEDGE, tmp_path / "knowledge")
    tools = copy / "tools.yaml"
    text = tools.read_text(encoding="utf-8")
    tools.write_text(
        text.replace("reviewed: 2026-12-02", "reviewed: 2025-01-02", 1).replace(
            "review_by: 2027-06-01", "review_by: 2025-06-01", 1
        ),
        encoding="utf-8",
    )
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KNOWLEDGE_DIR", str(copy))
        assert run_cli(["kb", "stale"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("2025-06-01  overdue by ")


def test_kb_stale_refuses_a_nonsense_window(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(["kb", "stale", "--within", "-3"])
    assert "outside 0-3650" in capsys.readouterr().err


def test_doctor_names_matcher_model_knowledge_and_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_cli(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "matcher:    hybrid" in out and "all-MiniLM-L6-v2" in out
    assert "entries, version" in out and "database:" in out
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MATCHER", "lexical")
        assert run_cli(["doctor"]) == 0
    assert "matcher:    lexical (MATCHER=lexical)" in capsys.readouterr().out
