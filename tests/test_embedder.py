"""The packaged int8 MiniLM embedder: loads offline, returns unit vectors, ranks sensibly."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.matching.embedder import EmbedderUnavailable, SentenceEmbedder, default_model_dir


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder.load(default_model_dir())


def test_shape_dtype_and_unit_length(embedder: SentenceEmbedder) -> None:
    texts = ["hello", "", "a much longer sentence about careers in machine learning " * 40]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_batches_keep_order_and_stay_close_to_single_runs(embedder: SentenceEmbedder) -> None:
    # lengths vary so that sorting by length really reorders the texts
    texts = [f"question {i} about {'data ' * ((i * 5) % 11)}jobs" for i in range(70)]
    alone = np.vstack([embedder.embed([text]) for text in texts])
    one_at_a_time = SentenceEmbedder.load(default_model_dir(), batch_size=1).embed(texts)
    assert np.array_equal(one_at_a_time, alone)  # batch_size=1: independent of the other texts
    # int8 activations share one scale per batch, so batched vectors are close, not identical
    for batch_size in (8, 64):
        batched = SentenceEmbedder.load(default_model_dir(), batch_size=batch_size).embed(texts)
        assert np.sum(batched * alone, axis=1).min() > 0.95


def test_related_question_is_closer_than_unrelated(embedder: SentenceEmbedder) -> None:
    query, related, unrelated = embedder.embed(
        [
            "how much does an ml engineer earn",
            "machine learning engineer salary",
            "how to bake bread",
        ]
    )
    assert float(query @ related) > float(query @ unrelated) + 0.2


def test_missing_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EmbedderUnavailable, match="missing"):
        SentenceEmbedder.load(tmp_path / "nowhere")


def test_corrupt_model_is_unavailable(tmp_path: Path) -> None:
    shutil.copyfile(default_model_dir() / "tokenizer.json", tmp_path / "tokenizer.json")
    (tmp_path / "model.onnx").write_bytes(b"this is not an onnx model\n" * 100)
    with pytest.raises(EmbedderUnavailable) as raised:
        SentenceEmbedder.load(tmp_path)
    assert "\n" not in str(raised.value)


def test_corrupt_tokenizer_is_unavailable(tmp_path: Path) -> None:
    shutil.copyfile(default_model_dir() / "model.onnx", tmp_path / "model.onnx")
    (tmp_path / "tokenizer.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(EmbedderUnavailable, match="tokenizer") as raised:
        SentenceEmbedder.load(tmp_path)
    assert "\n" not in str(raised.value)
