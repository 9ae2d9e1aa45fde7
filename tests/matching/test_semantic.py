"""The semantic side: loading the model, caching vectors, server-sized indexes, fallbacks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.answers.serving import open_semantic
from bot.knowledge import KnowledgeBase
from bot.knowledge.language import Language
from bot.knowledge.models import Entry
from bot.matching import Matcher
from bot.matching.dense import DenseIndex, VectorCache, entry_texts, semantic_text
from bot.matching.semantic import Semantic


class CountingEmbed:
    """Wraps the real model and remembers how many texts it was asked to embed."""

    def __init__(self, semantic: Semantic) -> None:
        self.semantic = semantic
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.semantic.embed(list(texts))


def server_entry(number: int) -> Entry:
    return Entry(
        id=f"meetup-{number}",
        title=f"Meetup number {number}",
        category="community",
        questions=[f"when is meetup {number}", f"where do we meet for session {number}"],
        answer=f"**Meetup {number} is on Friday.**",
    )


def test_a_broken_model_directory_means_one_warning_and_word_matching(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        assert open_semantic("hybrid", tmp_path) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "words only" in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert open_semantic("lexical") is None


def test_an_edited_server_entry_is_the_only_text_embedded(
    bundled_knowledge: KnowledgeBase, semantic: Semantic
) -> None:
    embed = CountingEmbed(semantic)
    cache = VectorCache(embed, "test-model")
    entries = [*bundled_knowledge.entries, server_entry(1), server_entry(2)]
    DenseIndex.build(entries, cache)
    first = len(embed.texts)
    edited = server_entry(2).model_copy(update={"questions": ["where is the penguin meetup"]})
    DenseIndex.build([*entries[:-1], edited], cache)
    assert embed.texts[first:] == ["where is the penguin meetup"]


def test_vectors_survive_a_restart_and_another_models_are_ignored(
    tmp_path: Path, semantic: Semantic
) -> None:
    embed = CountingEmbed(semantic)
    cache = VectorCache(embed, "model-a")
    texts = entry_texts(server_entry(3))
    before = cache.vectors(texts)
    cache.save(tmp_path / "vectors.npz")
    restarted = VectorCache(embed, "model-a")
    assert restarted.load(tmp_path / "vectors.npz") == len(texts)
    embed.texts.clear()
    assert np.array_equal(restarted.vectors(texts), before) and embed.texts == []
    assert VectorCache(embed, "model-b").load(tmp_path / "vectors.npz") == 0
    (tmp_path / "broken.npz").write_bytes(b"garbage")
    assert VectorCache(embed, "model-a").load(tmp_path / "broken.npz") == 0


def test_a_big_server_keeps_two_vectors_per_entry_and_still_finds_its_topics(
    bundled_knowledge: KnowledgeBase, semantic: Semantic
) -> None:
    entries = [server_entry(n) for n in range(40)]
    compact = DenseIndex.build(entries, semantic.vectors, compact=True)
    assert compact.matrix.shape[0] == 2 * len(entries)
    knowledge = bundled_knowledge.replace_entries([*bundled_knowledge.entries, *entries])
    matcher = Matcher(knowledge, semantic=semantic)
    matcher.dense = DenseIndex.build(knowledge.entries, semantic.vectors, compact=True)
    result = matcher.match("when is meetup 17 happening")
    assert result.candidates and result.candidates[0].id == "meetup-17"


def test_the_model_reads_our_abbreviations_spelt_out() -> None:
    language = Language(abbreviations={"mle": "machine learning engineer"})
    text = semantic_text("<@123> how do i become an MLE? https://x.y/z", language)
    assert text == "how do i become an machine learning engineer?"
