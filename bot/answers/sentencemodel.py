"""The process's sentence model and where its computed vectors are kept between runs.

Apart from the rest of the answering code so that `careerbot ask` loads only this and the
matcher (no event loop, no database code).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from bot.matching.semantic import Semantic

log = logging.getLogger(__name__)


def vector_cache_file() -> Path:
    """Where this machine keeps the sentence vectors it computed (server entries, edits)."""
    return Path(platformdirs.user_cache_dir("careerbot")) / "vectors.npz"


@functools.cache
def open_semantic(matcher: str = "hybrid", model_dir: Path | None = None) -> Semantic | None:
    """The process's sentence model, loaded once; None (lexical matching) when turned off
    with MATCHER=lexical or when the model cannot be loaded (one warning line says why)."""
    if matcher == "lexical":
        return None
    from bot.matching.semantic import EmbedderUnavailable, load_semantic

    try:
        return load_semantic(model_dir, vector_cache_file())
    except EmbedderUnavailable as error:
        log.warning("semantic matching is off, answering with words only: %s", error)
        return None


def save_vectors(semantic: Semantic | None) -> None:
    """Keep newly computed vectors for the next start (best effort: a failure is logged)."""
    if semantic is not None and semantic.vectors.dirty:
        semantic.vectors.save(vector_cache_file())
