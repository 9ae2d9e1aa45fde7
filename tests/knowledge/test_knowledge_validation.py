"""`careerbot kb validate` and the loader: every problem names file, line, entry id and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.config import BUNDLED_KNOWLEDGE
from bot.knowledge import DataFileError, KnowledgeBase, load_knowledge

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "knowledge-contract.md"

GOOD_ENTRY = """\
- id: first-topic
  title: First topic
  category: roles
  questions: [what is the first topic]
  keywords: [first]
  answer: "**Short.**"
  related: [second-topic]
  sources: [000_7a68b6698494376b.txt]
  reviewed: 2026-11-23
- id: second-topic
  title: Second topic
  category: skills
  questions: [what is the second topic]
  answer: "**Short.**"
  sources: [https://example.org/survey]
  reviewed: 2026-11-23
"""


def write_base(tmp_path: Path, text: str, name: str = "roles.yaml") -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)
    return directory


def issues_for(directory: Path) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        load_knowledge(directory)
    return [str(issue) for issue in caught.value.issues]


def test_bundled_base_is_valid_and_covers_the_contract(bundled_knowledge: KnowledgeBase) -> None:
    if not CONTRACT.exists():
        pytest.skip("../shared is not beside this checkout")
    wanted = re.findall(r"^- `([a-z0-9-]+)`", CONTRACT.read_text(), flags=re.MULTILINE)
    assert len(wanted) > 60
    missing = [entry_id for entry_id in wanted if entry_id not in bundled_knowledge]
    assert missing == []


def test_bundled_answers_start_short_and_name_their_sources(
    bundled_knowledge: KnowledgeBase,
) -> None:
    for entry in bundled_knowledge:
        assert entry.answer.startswith("**"), entry.id
        assert entry.sources or entry.reviewed, entry.id
        assert "@" not in entry.answer, entry.id
        if entry.category == "salaries" and "$" in entry.answer:  # a figure: say where
            assert "US" in entry.answer or "United States" in entry.answer, entry.id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  sources: [000_7a68b6698494376b.txt]\n", ""), "first-topic.sources: name at least"),
        (("  reviewed: 2026-11-23\n", ""), "first-topic.reviewed: required"),
        (("category: skills", "category: salaries"), "second-topic.review_by: required for"),
        (
            ('  reviewed: 2026-11-23\n"""', '  reviewed: 2026-11-23\n  review_by: 2027-11-23\n"""'),
            "second-topic.review_by: must fall after `reviewed` and at most 6 months later",
        ),
    ],
)
def test_entries_must_say_where_facts_come_from_and_when_to_check_them(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = (GOOD_ENTRY + '"""').replace(*change, 1).removesuffix('"""')
    assert text != GOOD_ENTRY
    messages = issues_for(write_base(tmp_path, text))
    assert any(expected in message for message in messages), messages


def test_a_valid_base_loads(tmp_path: Path) -> None:
    base = load_knowledge(write_base(tmp_path, GOOD_ENTRY))
    assert base.ids() == ["first-topic", "second-topic"]


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    directory = write_base(tmp_path, GOOD_ENTRY + "- id: [unclosed\n")
    [message] = issues_for(directory)
    assert message.startswith("knowledge/roles.yaml:18: invalid YAML")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("keywords: [first]", "keyword: [first]"),
            "roles.yaml:5: first-topic.keyword: unknown field",
        ),
        (
            ("  title: First topic\n", ""),
            "roles.yaml:1: first-topic.title: required field is missing",
        ),
        (("id: second-topic", "id: first-topic"), "roles.yaml:10: first-topic.id: duplicate id"),
        (
            ("related: [second-topic]", "related: [nowhere]"),
            "first-topic.related: unknown id 'nowhere'",
        ),
        (
            ("category: skills", "category: cooking"),
            "roles.yaml:12: second-topic.category: unknown category",
        ),
        (
            ("id: first-topic", "id: First_Topic"),
            "roles.yaml:1: First_Topic.id: 'First_Topic' is not a kebab-case id",
        ),
        (
            ('answer: "**Short.**"\n  related', f'answer: "{"x" * 4001}"\n  related'),
            "roles.yaml:6: first-topic.answer: too long: 4001 characters, the limit is 4000",
        ),
    ],
)
def test_each_error_names_file_line_id_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    directory = write_base(tmp_path, GOOD_ENTRY.replace(*change, 1))
    messages = issues_for(directory)
    assert any(expected in message for message in messages), messages


def test_all_errors_are_reported_together(tmp_path: Path) -> None:
    broken = GOOD_ENTRY.replace("keywords:", "colour:").replace("category: skills", "category: x")
    assert len(issues_for(write_base(tmp_path, broken))) == 2


def test_cli_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "validate", str(BUNDLED_KNOWLEDGE)]) == 0
    broken = shutil.copytree(BUNDLED_KNOWLEDGE, tmp_path / "knowledge")
    with (broken / "roles.yaml").open("a") as handle:
        handle.write("- {id: ml-engineer, title: Again, category: roles, questions: [x],")
        handle.write(" answer: y}\n")
        handle.write("- id: extra-topic\n  title: Extra\n")
    assert run_cli(["kb", "validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "knowledge/roles.yaml:" in err and "ml-engineer.id: duplicate id" in err
    assert "extra-topic.category: required field is missing" in err


def test_language_file_errors_are_located(tmp_path: Path) -> None:
    directory = write_base(tmp_path, GOOD_ENTRY)
    (directory / "synonyms.yaml").write_text(
        "abbreviations:\n  ml: machine learning\nsynonym: {}\n"
    )
    assert issues_for(directory) == ["knowledge/synonyms.yaml:3: synonym: unknown field"]
