"""Offline sentence embeddings: all-MiniLM-L6-v2 as an int8 ONNX model shipped in the package.

Only onnxruntime, Hugging Face `tokenizers` and numpy are needed at run time: no torch, no
transformers and nothing downloaded. The model files are made by `scripts/export_model.py`
(dev-only) and live in `bot/matching/model/`.

This module imports nothing from the rest of `bot`, so the export script can load it by path to
verify the exact code that runs in production.

Thread safety: `SentenceEmbedder.embed` may be called from a worker thread (for example through
`asyncio.to_thread`) and from several threads at once. onnxruntime's `InferenceSession.run` is
thread-safe, and the tokenizer's padding and truncation are set once in `load` and only read
afterwards. Each call runs on one onnxruntime thread, so calls in parallel use one core each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type hints
from tokenizers import Tokenizer

MODEL_FILE: Final = "model.onnx"
TOKENIZER_FILE: Final = "tokenizer.json"
DEFAULT_MAX_TOKENS: Final = 128  # all-MiniLM-L6-v2 was trained on 128-token inputs
DEFAULT_BATCH_SIZE: Final = 64  # bounds memory per run (batch x tokens x 384 floats)
_REQUIRED_INPUTS: Final = frozenset({"input_ids", "attention_mask"})

Embeddings = npt.NDArray[np.float32]


class EmbedderUnavailable(Exception):
    """The model files are missing or unusable; the message is one readable line."""


def default_model_dir() -> Path:
    """The model directory shipped inside the package (package data next to this module)."""
    return Path(__file__).resolve().parent / "model"


def _one_line(error: BaseException) -> str:
    """First line of an error, as onnxruntime and tokenizers messages can span many lines."""
    text = str(error).strip().splitlines()
    first = text[0].strip() if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _session_options() -> ort.SessionOptions:
    """One thread per call, sequential: the bot embeds one question at a time and must not
    starve the event loop or other work on a small machine; graph optimisations stay on."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: warnings would go to stderr on every load
    return options


class SentenceEmbedder:
    """Maps texts to L2-normalised sentence vectors (mean pooling over real tokens)."""

    def __init__(
        self,
        session: ort.InferenceSession,
        tokenizer: Tokenizer,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        """Wrap an open session and tokenizer; prefer `load`, which checks the files."""
        if max_tokens < 2:
            raise ValueError("max_tokens must leave room for [CLS] and [SEP]")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._session = session
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self._input_names = frozenset(i.name for i in session.get_inputs())
        self._output_name = session.get_outputs()[0].name
        # The shipped tokenizer.json is upstream's byte for byte, and it pads every input to a
        # fixed 128 tokens; pad each batch only to its longest text instead, which is what
        # makes a short question cost ~3 ms rather than a full 128-token run.
        tokenizer.enable_truncation(max_length=max_tokens)
        pad_id = tokenizer.token_to_id("[PAD]")
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        dim = session.get_outputs()[0].shape[-1]
        self._dim: int | None = dim if isinstance(dim, int) else None

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> SentenceEmbedder:
        """Open `model.onnx` and `tokenizer.json` in `directory` and run one tiny embedding.

        Any problem (missing, truncated or foreign files) raises `EmbedderUnavailable` here,
        at start-up, rather than on a member's first question.
        """
        directory = Path(directory)
        model_path = directory / MODEL_FILE
        tokenizer_path = directory / TOKENIZER_FILE
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise EmbedderUnavailable(f"embedding model file missing: {path}")
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:  # tokenizers raises plain Exception on bad JSON
            raise EmbedderUnavailable(
                f"cannot read tokenizer {tokenizer_path}: {_one_line(error)}"
            ) from error
        try:
            session = ort.InferenceSession(
                str(model_path), sess_options=_session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime's pybind errors share no useful base class
            raise EmbedderUnavailable(
                f"cannot load embedding model {model_path}: {_one_line(error)}"
            ) from error
        names = {i.name for i in session.get_inputs()}
        if not names >= _REQUIRED_INPUTS or len(session.get_outputs()) == 0:
            raise EmbedderUnavailable(
                f"{model_path} is not a sentence encoder: inputs {sorted(names)}, "
                f"expected {sorted(_REQUIRED_INPUTS)}"
            )
        embedder = cls(session, tokenizer, max_tokens=max_tokens, batch_size=batch_size)
        try:
            embedder.embed(["ok"])
        except Exception as error:
            raise EmbedderUnavailable(
                f"embedding model {model_path} failed a test run: {_one_line(error)}"
            ) from error
        return embedder

    @property
    def dim(self) -> int:
        """Length of each vector (384 for all-MiniLM-L6-v2)."""
        if self._dim is None:
            self._dim = int(self.embed([""]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> Embeddings:
        """Return float32 vectors of shape (len(texts), dim), each of unit length, in order.

        Texts are cut to `max_tokens` tokens, sorted by length and run `batch_size` at a time,
        each batch padded only to its own longest text: mixed lengths then cost little more
        than their real tokens (unsorted, one long text made a whole batch of 64 run at 128
        tokens, slower than embedding every text alone).

        The int8 model quantises activations with one scale per run, so a vector depends
        slightly on the texts it shares a batch with (cosine to the same text alone ~0.99,
        worst seen ~0.96). With `batch_size=1` every text is run alone, exactly as a single
        query is, and its vector never depends on the others.

        Safe to call from worker threads (see the module docstring).
        """
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of texts, not one string")
        if len(texts) == 0:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        # One tokenizer call pads everything to the longest text; padding is on the right, so
        # each batch is cut back to its own longest text below.
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        result: Embeddings | None = None
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            width = int(lengths[rows].max())
            vectors = self._run(ids[rows, :width], mask[rows, :width], types[rows, :width])
            if result is None:
                result = np.empty((len(order), vectors.shape[1]), dtype=np.float32)
            result[rows] = vectors
        assert result is not None
        return result

    def _run(
        self,
        ids: npt.NDArray[np.int64],
        mask: npt.NDArray[np.int64],
        types: npt.NDArray[np.int64],
    ) -> Embeddings:
        """One onnxruntime run, then mean pooling over the real tokens and L2 normalisation."""
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = types
        outputs = self._session.run([self._output_name], feed)
        hidden = np.asarray(outputs[0], dtype=np.float32)
        weights = mask.astype(np.float32)[:, :, np.newaxis]
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        normalised: Embeddings = (pooled / norms).astype(np.float32, copy=False)
        return normalised
