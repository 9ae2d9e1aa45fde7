"""Hostile YAML: alias bombs are refused before they expand, imports parse off the event loop,
and every import path (service, CLI file, CLI stdin, Discord upload) takes at most 1 MB."""

from __future__ import annotations

import io
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bot.cli import run_cli
from bot.knowledge.yamlsource import ANCHORS_REFUSED, DataFileError, load_yaml_file, parse_yaml
from bot.moderation import service as service_module
from bot.moderation.layerfile import IMPORT_MAX_BYTES, parse_layer_file
from bot.moderation.rules import KnowledgeEditError
from bot.services import Services
from tests.moderation.test_moderation_service import counts

GUILD = 4242
ENTRY = (
    "- id: study-group\n  title: Study group\n  category: community\n"
    "  questions: [when does the study group meet]\n  answer: Fridays.\n"
)


def alias_bomb(levels: int = 6, width: int = 8) -> str:
    """Each level lists the previous one `width` times: width**levels nodes once expanded
    (6 x 8: 262,144 nodes from 300 bytes; the file in the report had 9 x 9)."""
    lines = [f"- &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"- &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 18) -> str:
    """Merge keys double the key/value pairs at every level while the mapping is built."""
    lines = ["m0: &m0 {k: v}"]
    for level in range(1, levels):
        lines.append(f"m{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 1}]}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [alias_bomb(), merge_bomb()], ids=["aliases", "merge-keys"])
def test_alias_bombs_are_refused_before_they_expand(text: str) -> None:
    assert len(text) < 1000
    tracemalloc.start()
    try:
        with pytest.raises(DataFileError) as raised:
            parse_layer_file(text, "bomb.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [str(issue) for issue in raised.value.issues] == [f"bomb.yaml:1: {ANCHORS_REFUSED}"]
    assert peak < 1_000_000  # expanded, the aliases alone would take tens of megabytes


def test_anchors_and_aliases_are_refused_with_their_line() -> None:
    for text, line in [
        ("a: 1\nb: &keep [1, 2]\n", 2),  # an anchor nobody uses yet
        ("a: 1\nb: !!str &keep x\n", 2),
        ("- x\n- [1, &one 1]\n- *one\n", 2),
    ]:
        with pytest.raises(DataFileError) as raised:
            parse_yaml(text, "f.yaml")
        assert [(issue.line, issue.message) for issue in raised.value.issues] == [
            (line, ANCHORS_REFUSED)
        ]
    with pytest.raises(DataFileError, match=r"f\.yaml:2: invalid YAML: found undefined alias"):
        parse_yaml("a: 1\nb: *nowhere\n", "f.yaml")  # no anchor: an ordinary syntax error


def test_ampersands_and_asterisks_in_text_are_fine() -> None:
    text = (
        'title: "R&D & Q&A"\nanswer: |\n  Use *emphasis* and **bold**; W&B, S&P 500.\n'
        "list: [a&b, '*star*']\n"
    )
    document = parse_yaml(text, "f.yaml")
    assert document.data == {
        "title": "R&D & Q&A",
        "answer": "Use *emphasis* and **bold**; W&B, S&P 500.\n",
        "list": ["a&b", "*star*"],
    }
    assert document.line_of(("list", 1)) == 4


def test_knowledge_files_refuse_anchors_too(tmp_path: Path) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text(ENTRY + "- &copy\n  id: other\n", encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_yaml_file(path, "knowledge/roles.yaml")
    assert str(raised.value) == f"knowledge/roles.yaml:6: {ANCHORS_REFUSED}"


async def test_an_imported_bomb_changes_nothing(services: Services) -> None:
    before = await counts(services)
    with pytest.raises(KnowledgeEditError) as raised:
        await services.moderation.import_yaml(GUILD, ENTRY + alias_bomb())
    assert [issue.message for issue in raised.value.issues] == [ANCHORS_REFUSED]
    assert await counts(services) == before


async def test_imports_are_parsed_and_checked_in_worker_threads(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def spy(name: str, function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            seen[name] = threading.get_ident()
            return function(*args)

        return wrapper

    for name in ("parse_layer_file", "plan_import"):
        monkeypatch.setattr(service_module, name, spy(name, getattr(service_module, name)))
    result = await services.moderation.import_yaml(GUILD, ENTRY)
    assert result.added == ["study-group"]
    assert set(seen) == {"parse_layer_file", "plan_import"}
    assert loop_thread not in seen.values()


async def test_the_service_refuses_more_than_a_megabyte(services: Services) -> None:
    padding = "#" * (IMPORT_MAX_BYTES - len(ENTRY.encode()))
    result = await services.moderation.import_yaml(GUILD, ENTRY + padding)  # exactly 1 MB
    assert result.added == ["study-group"]
    with pytest.raises(KnowledgeEditError) as raised:
        await services.moderation.import_yaml(GUILD, ENTRY + padding + "é")  # two bytes more
    assert [issue.message for issue in raised.value.issues] == [
        f"the file has {IMPORT_MAX_BYTES + 2:,} bytes; a layer file may have 1,000,000"
    ]


@pytest.fixture
def operator_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    return tmp_path


def test_cli_import_refuses_more_than_a_megabyte_without_reading_it_all(
    operator_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = operator_db / "big.yaml"
    big.write_bytes(ENTRY.encode() + b"#" * IMPORT_MAX_BYTES)
    assert run_cli(["kb", "import", str(big), "--guild", "1"]) == 2
    too_big = "larger than 1,000,000 bytes, the most one import takes (split it into several files)"
    assert capsys.readouterr().err == f"careerbot: cannot read {big}: {too_big}\n"

    stdin = io.BytesIO(ENTRY.encode() + b"#" * (3 * IMPORT_MAX_BYTES))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stdin, encoding="utf-8"))
    assert run_cli(["kb", "import", "-", "--guild", "1"]) == 2
    assert capsys.readouterr().err == f"careerbot: cannot read standard input: {too_big}\n"
    assert stdin.tell() == IMPORT_MAX_BYTES + 1  # the rest was never read

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(ENTRY.encode()), "utf-8"))
    assert run_cli(["kb", "import", "-", "--guild", "1"]) == 0
    assert capsys.readouterr().out == "imported: 1 added, 0 changed, 0 hidden, 0 unchanged\n"


def test_cli_entry_files_refuse_anchors(
    operator_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fields = operator_db / "entry.yaml"
    fields.write_text("id: x\ntitle: &t X\nanswer: *t\n", encoding="utf-8")
    assert run_cli(["kb", "add", "--guild", "1", "--file", str(fields)]) == 2
    assert capsys.readouterr().err == (
        f"careerbot: {fields} is not valid YAML or JSON (line 2): {ANCHORS_REFUSED}\n"
    )
