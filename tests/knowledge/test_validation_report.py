"""What `careerbot kb validate` says when files are broken or missing: the cause first and once,
not dozens of "unknown id" lines that only follow from it; our wording, not pydantic's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.config import BUNDLED_KNOWLEDGE
from bot.content import load_content
from bot.knowledge import DataFileError, load_knowledge
from bot.knowledge.references import LISTED_UNKNOWN


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BUNDLED_KNOWLEDGE, tmp_path / "knowledge"))


def problems(directory: Path) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        load_content(directory)
    return [str(issue) for issue in caught.value.issues]


def break_yaml(path: Path) -> None:
    """A YAML syntax error on line 4 (what a stray paste does)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "   bad: [never closed\n")
    path.write_text("".join(lines), encoding="utf-8")


def test_a_yaml_error_is_one_line_with_the_references_it_hides(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_yaml(copy / "salaries.yaml")
    [line] = problems(copy)
    assert line.startswith("knowledge/salaries.yaml:4: invalid YAML: ")
    assert line.endswith(" references into it not checked)")
    unchecked = int(line.rsplit("(", 1)[1].split()[0])
    assert unchecked >= 10  # other files' `related` and the tracks' `learn` ids
    assert run_cli(["kb", "validate", str(copy)]) == 1
    err = capsys.readouterr().err
    assert err == f"careerbot: the knowledge base is invalid (1 problem):\n{line}\n"


def test_file_level_errors_come_first(copy: Path) -> None:
    break_yaml(copy / "salaries.yaml")
    roles = copy / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8").replace("title:", "titel:", 1))
    found = problems(copy)
    assert found[0].startswith("knowledge/salaries.yaml:4: invalid YAML")
    assert any(line.startswith("knowledge/roles.yaml:") for line in found[1:])


def test_references_to_an_entry_with_errors_of_its_own_are_not_unknown(copy: Path) -> None:
    salaries = copy / "salaries.yaml"
    text = salaries.read_text(encoding="utf-8")
    assert text.startswith("- id: salary-overview\n")
    salaries.write_text(text.replace("category: salaries", "category: pay", 1), encoding="utf-8")
    [line] = problems(copy)
    assert "salary-overview.category: unknown category 'pay'" in line


def test_a_deleted_file_is_named_from_git(copy: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=copy,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "knowledge")
    (copy / "roles.yaml").unlink()
    [line] = problems(copy)
    assert line.startswith(
        "knowledge/roles.yaml: file is missing (git has it: "
        "`git checkout HEAD -- knowledge/roles.yaml` brings it back); "
    )
    assert line.endswith(" references into it not checked")


def test_many_unknown_ids_without_git_are_one_line(copy: Path) -> None:
    (copy / "roles.yaml").unlink()
    [line] = problems(copy)
    assert line.startswith("knowledge: ")
    assert " ids that no file defines: " in line and "ml-engineer (" in line
    assert line.endswith("; was a knowledge file deleted or renamed?")


def test_a_few_unknown_ids_are_listed_where_they_are(copy: Path) -> None:
    track = copy / "roadmaps" / "skills" / "career.yaml"
    track.write_text(track.read_text().replace("learn: [", "learn: [no-such-entry, ", 1))
    roles = copy / "roles.yaml"
    roles.write_text(roles.read_text().replace("related: [", "related: [nowhere, ", 1))
    found = problems(copy)
    assert len(found) == 2 <= LISTED_UNKNOWN
    assert any(
        line.startswith("knowledge/roadmaps/skills/career.yaml:")
        and line.endswith(".learn: unknown knowledge entry 'no-such-entry'")
        for line in found
    )
    assert any(".related: unknown id 'nowhere'" in line for line in found)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("learn: [", "learn: ml-engineer #[", "learn: must be a list: write [ml-engineer]"),
        ("    optional: true", "    optional: maybe", "optional: must be true or false"),
        ("learn: [", "learn: 5 #[", "learn: must be a list, like [first, second]"),
    ],
)
def test_track_errors_in_our_words(copy: Path, old: str, new: str, expected: str) -> None:
    # `learn:` lives in the skill files, `optional:` on a track's steps
    track = copy / "roadmaps" / ("ml-engineer.yaml" if "optional" in old else "skills/career.yaml")
    text = track.read_text(encoding="utf-8")
    assert old in text
    track.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = problems(copy)
    assert any(line.endswith(expected) for line in found), found
    assert not any("Input should" in line or "valid tuple" in line for line in found)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  questions:\n", "  questions: one\n  old_questions:\n", "questions: must be a list"),
        ("  reviewed: 2026-11-23", "  reviewed: yesterday", "reviewed: must be a date like"),
        ("  title: First topic", "  title: 12", "title: must be text"),
        ("  questions:\n", "  questions: []\n  old_questions:\n", "needs at least 1 item"),
    ],
)
def test_entry_errors_in_our_words(tmp_path: Path, old: str, new: str, expected: str) -> None:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    entry = (
        "- id: first-topic\n  title: First topic\n  category: roles\n  questions:\n"
        "    - what is it\n  answer: Short.\n  sources: [x.txt]\n  reviewed: 2026-11-23\n"
    )
    assert old in entry
    (directory / "roles.yaml").write_text(entry.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_knowledge(directory)
    found = [str(issue) for issue in caught.value.issues]
    assert any(expected in line for line in found), found
    assert not any("Input should" in line or "List should" in line for line in found)


def test_an_empty_knowledge_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "knowledge"
    empty.mkdir()
    assert run_cli(["kb", "validate", str(empty)]) == 1
    assert capsys.readouterr().err == (
        "careerbot: the knowledge base is invalid (1 problem):\n"
        "knowledge: no knowledge files here: expected *.yaml files holding lists of entries\n"
    )
    (empty / "roles.yaml").write_text("[]\n", encoding="utf-8")
    assert run_cli(["kb", "validate", str(empty)]) == 1
    assert "knowledge: no entries in any file" in capsys.readouterr().err
