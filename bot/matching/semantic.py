"""The semantic side of matching, loaded once per process and shared by every matcher.

`load_semantic` opens the sentence model (the packaged one, or `EMBEDDING_MODEL`), the vector
cache and the fitted calibration. Anything missing or corrupt raises `EmbedderUnavailable`
with one readable line; callers then match lexically.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.matching.dense import VectorCache, Vectors
from bot.matching.embedder import (
    MODEL_FILE,
    EmbedderUnavailable,
    SentenceEmbedder,
    default_model_dir,
)
from bot.matching.fusion import Calibration, load_calibration

__all__ = ["EmbedderUnavailable", "Semantic", "load_semantic"]

SHIPPED_VECTORS = default_model_dir() / "vectors.npz"  # the bundled entries, made by the fit


@dataclass
class Semantic:
    """Sentence model + vector cache + calibration: everything the hybrid matcher needs."""

    embedder: SentenceEmbedder
    vectors: VectorCache
    calibration: Calibration
    model_dir: Path
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="careerbot-embed"),
        repr=False,
    )

    def embed(self, texts: list[str]) -> Vectors:
        return self.embedder.embed(texts)

    def embed_soon(self, texts: list[str]) -> Future[Vectors]:
        """Embed in a worker thread, so the caller can run the lexical search meanwhile
        (onnxruntime releases the GIL: on two cores both finish in the time of the slower)."""
        return self._worker.submit(self.embedder.embed, texts)

    @property
    def name(self) -> str:
        return self.model_dir.name if self.model_dir != default_model_dir() else "all-MiniLM-L6-v2"


def model_id(model_dir: Path) -> str:
    """Identifies the model's weights, so cached vectors of another model are never reused."""
    path = model_dir / MODEL_FILE
    stat = path.stat()
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{stat.st_size}".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 16))
    return digest.hexdigest()


def load_semantic(
    model_dir: Path | None = None,
    cache_file: Path | None = None,
    calibration: Calibration | None = None,
) -> Semantic:
    """Open the model and the caches; raises EmbedderUnavailable with one readable line."""
    directory = model_dir or default_model_dir()
    embedder = SentenceEmbedder.load(directory)
    try:
        identity = model_id(directory)
    except OSError as error:
        raise EmbedderUnavailable(f"cannot read {directory / MODEL_FILE}: {error}") from error
    vectors = VectorCache(embedder.embed, identity)
    vectors.load(SHIPPED_VECTORS)
    if cache_file is not None:
        vectors.load(cache_file)
    return Semantic(embedder, vectors, calibration or load_calibration(), directory)
