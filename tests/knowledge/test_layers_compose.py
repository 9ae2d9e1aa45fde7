"""Server layers without a database: composing the effective base, the YAML file format."""

from __future__ import annotations

import pytest

from bot.answers.guildcache import GuildLayers, GuildView, _matcher_for
from bot.knowledge import DataFileError, KnowledgeBase, load_knowledge
from bot.knowledge.layers import LayerComposer, LayerRow, normalize_id
from bot.knowledge.models import Entry
from bot.matching import index as index_module
from bot.matching.engine import Matcher
from bot.matching.index import PreparedEntry
from bot.matching.normalize import Normalizer
from bot.moderation.layerfile import entry_yaml, export_layer, parse_layer_file

OWN = {
    "id": "study-group",
    "title": "Our weekly study group",
    "category": "community",
    "questions": ["when does the study group meet"],
    "answer": "Fridays at 18:00 UTC in #study-hall.",
    "related": ["ml-engineer"],
    "sources": ["server moderators"],
    "reviewed": "2026-12-01",
}


def layer_rows(bundled: KnowledgeBase) -> list[LayerRow]:
    override = {**bundled.get("kaggle").to_data(), "answer": "Our take on **Kaggle**.\n\n- one"}
    return [
        LayerRow("study-group", OWN),
        LayerRow("kaggle", override, aliases=("are competitions worth my time",)),
        LayerRow("ml-engineer", aliases=("what do mles do all day",)),
        LayerRow("data-scientist", hidden=True),
    ]


def test_effective_base_applies_every_kind_of_change(bundled_knowledge: KnowledgeBase) -> None:
    layer = LayerComposer(bundled_knowledge, layer_rows(bundled_knowledge))
    knowledge = layer.knowledge()
    assert "data-scientist" not in knowledge and "data-scientist" in bundled_knowledge
    assert knowledge.get("kaggle").answer.startswith("Our take")
    assert knowledge.get("kaggle").questions[-1] == "are competitions worth my time"
    assert knowledge.get("ml-engineer").questions[-1] == "what do mles do all day"
    assert knowledge.ids()[-1] == "study-group"  # server entries after the bundled ones
    assert len(knowledge) == len(bundled_knowledge)  # one hidden, one added
    assert bundled_knowledge.get("kaggle").answer != knowledge.get("kaggle").answer
    assert layer.hidden_ids() == ["data-scientist"] and layer.server_ids() == ["study-group"]
    assert layer.entry("data-scientist") is bundled_knowledge.get("data-scientist")


def test_updates_and_an_empty_layer(bundled_knowledge: KnowledgeBase) -> None:
    layer = LayerComposer(bundled_knowledge, layer_rows(bundled_knowledge))
    twin = layer.copy()
    twin.update({"data-scientist": None, "study-group": None, "kaggle": None, "ml-engineer": None})
    assert twin.knowledge() is bundled_knowledge
    assert "study-group" in layer.knowledge()  # the copy did not touch the original


def test_invalid_stored_row_falls_back_to_the_bundled_text(
    bundled_knowledge: KnowledgeBase,
) -> None:
    broken = {**bundled_knowledge.get("kaggle").to_data(), "title": ""}
    layer = LayerComposer(bundled_knowledge, [LayerRow("kaggle", broken)])
    assert layer.knowledge().get("kaggle") == bundled_knowledge.get("kaggle")


def test_ids_are_normalised() -> None:
    assert normalize_id("  Study-Group \n") == "study-group"


def test_export_is_a_valid_knowledge_file_and_parses_back(
    bundled_knowledge: KnowledgeBase, tmp_path
) -> None:
    layer = LayerComposer(bundled_knowledge, layer_rows(bundled_knowledge))
    text = export_layer(7, layer)
    assert "# hidden: data-scientist" in text
    assert "# replaces the bundled entry kaggle" in text
    assert "  answer: |-\n    Our take on **Kaggle**.\n\n    - one\n" in text
    parsed = parse_layer_file(text, "<export>")
    ids = [entry.id for entry, _ in parsed.entries]
    assert sorted(ids[:2]) == ["kaggle", "ml-engineer"] and ids[2] == "study-group"
    assert [hidden for hidden, _ in parsed.hidden] == ["data-scientist"]

    # Merged into a copy of knowledge/, the exported entries pass `careerbot kb validate`.
    directory = tmp_path / "knowledge"
    directory.mkdir()
    (directory / "synonyms.yaml").write_text("abbreviations: {}\n")
    related = {entry.id for entry, _ in parsed.entries}
    needed = {rid for entry, _ in parsed.entries for rid in entry.related} - related
    rest = [bundled_knowledge.get(rid).to_data() for rid in sorted(needed)]
    for item in rest:
        item["related"] = [rid for rid in item.get("related", []) if rid in related]
    (directory / "rest.yaml").write_text("".join(entry_yaml(item) for item in rest))
    (directory / "server.yaml").write_text(text)
    merged = load_knowledge(directory)
    assert merged.get("kaggle").questions[-1] == "are competitions worth my time"


def test_parse_reports_every_problem_with_its_line() -> None:
    text = (
        "- id: good-one\n  title: Fine\n  category: community\n  questions: [a]\n  answer: ok\n"
        "- id: Bad Id\n  title: x\n  category: nowhere\n  questions: [a]\n  answer: ok\n"
    )
    with pytest.raises(DataFileError) as caught:
        parse_layer_file(text, "<guild 1 import>")
    lines = {(issue.line, issue.field) for issue in caught.value.issues}
    assert lines == {(6, "id"), (8, "category")}
    with pytest.raises(DataFileError, match="invalid YAML"):
        parse_layer_file("- id: [unclosed\n", "<x>")
    with pytest.raises(DataFileError, match="must be a list"):
        parse_layer_file("id: x\n", "<x>")


def test_incremental_rebuild_equals_a_full_build(bundled_knowledge: KnowledgeBase) -> None:
    bundled = Matcher(bundled_knowledge)
    rows = {row.entry_id: row for row in layer_rows(bundled_knowledge)}
    first = GuildLayers._build(1, 1, 1, rows, bundled)
    changed = {"study-group": LayerRow("study-group", {**OWN, "questions": ["meetup times"]})}
    changed["data-scientist"] = None
    incremental = GuildLayers._apply(first, 2, 2, changed)
    full_rows = {key: row for key, row in {**rows, **changed}.items() if row is not None}
    full = GuildLayers._build(1, 2, 2, full_rows, bundled)
    assert incremental.knowledge.entries == full.knowledge.entries
    for question in ("meetup times", "what does a data scientist do", "when does the group meet"):
        got = incremental.matcher.match(question)
        want = full.matcher.match(question)
        assert (got.outcome, got.candidates) == (want.outcome, want.candidates)
    assert incremental.matcher.match("meetup times").entry.id == "study-group"
    assert first.knowledge.get("study-group").questions == OWN["questions"]  # old view intact


def test_a_layer_that_empties_reuses_the_bundled_matcher(bundled_knowledge: KnowledgeBase) -> None:
    bundled = Matcher(bundled_knowledge)
    view: GuildView = GuildLayers._build(
        1, 1, 1, {"x": LayerRow("data-scientist", hidden=True)}, bundled
    )
    assert view.matcher is not bundled
    emptied = GuildLayers._apply(view, 2, 2, {"data-scientist": None})
    assert emptied.matcher is bundled and emptied.knowledge is bundled_knowledge
    assert _matcher_for(bundled_knowledge, bundled) is bundled


def test_one_edit_at_ten_thousand_server_entries_prepares_only_that_entry(
    bundled_knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild after one edit re-normalises one entry, not 10,000 (its time is measured in
    benchmarks/layer_rebuild_bench.py, not here: timings belong in benchmarks)."""
    rows = {
        f"topic-{n}": LayerRow(
            f"topic-{n}",
            {
                "id": f"topic-{n}",
                "title": f"Server topic {n}",
                "category": "community",
                "questions": [f"question about thing {n}", f"where is item {n * 7}"],
                "answer": "Answer.",
            },
        )
        for n in range(10_000)
    }
    bundled = Matcher(bundled_knowledge)
    view = GuildLayers._build(1, 1, 1, rows, bundled)
    prepared: list[str] = []
    original = index_module.prepare

    def counting(entry: Entry, normalize: Normalizer) -> PreparedEntry:
        prepared.append(entry.id)
        return original(entry, normalize)

    monkeypatch.setattr(index_module, "prepare", counting)
    edited = {**rows["topic-5000"].data, "questions": ["where do the penguins meet"]}
    rebuilt = GuildLayers._apply(view, 2, 2, {"topic-5000": LayerRow("topic-5000", edited)})
    assert rebuilt.matcher.match("where do the penguins meet").entry.id == "topic-5000"
    assert prepared == ["topic-5000"]
