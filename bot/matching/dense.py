"""Dense retrieval: entries and questions as sentence vectors, compared by cosine similarity.

The lexical index knows words; this knows meaning ("I'm a backend dev, how do I move into ML"
is about switching careers even though it shares few words with that entry). Each entry is a
few texts (title, its questions, the lead of its answer); an entry's score is its best text.

Vectors are cached by the hash of their text, so a rebuilt knowledge base (a moderator's edit)
embeds only what changed, and a restart embeds nothing it has seen (`VectorCache.save`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.knowledge.language import Language
from bot.knowledge.models import Entry

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
Embed = Callable[[Sequence[str]], Vectors]

LEAD_CHARS = 300  # the part of an answer that says what the entry is about
COMPACT_ABOVE = 2000  # entries; a bigger base keeps two vectors per entry (see DenseIndex)
_ANSWER_MARKUP = re.compile(r"[*_`>#]+")
_MESSAGE_MARKUP = re.compile(
    r"<(@[!&]?|#)\d+>|<a?:\w+:\d+>|@(everyone|here)\b|(https?://|www\.)\S+"
)
_WORD = re.compile(r"[\w+#&]+")


def semantic_text(text: str, language: Language) -> str:
    """A message as the sentence model should read it: no mentions or links, and our
    abbreviations spelt out ("mle" means nothing to a general model)."""
    text = " ".join(_MESSAGE_MARKUP.sub(" ", text).split())
    expansions = language.abbreviations
    if not expansions:
        return text
    return _WORD.sub(lambda word: expansions.get(word[0].casefold(), word[0]), text)


def entry_parts(entry: Entry) -> tuple[list[str], str]:
    """What an entry is about: its title and questions, and the lead of its answer."""
    lead = _ANSWER_MARKUP.sub("", entry.answer.strip().split("\n\n", 1)[0])[:LEAD_CHARS]
    phrases = [text.strip().lower() for text in (entry.title, *entry.questions) if text.strip()]
    return list(dict.fromkeys(phrases)) or [entry.id], lead.strip().lower()


def entry_texts(entry: Entry) -> list[str]:
    """Every sentence the full index embeds for an entry, each its own vector."""
    phrases, lead = entry_parts(entry)
    return list(dict.fromkeys([*phrases, lead] if lead else phrases))


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


class VectorCache:
    """Text hash -> float16 vector, shared by every index built from one embedder.

    Thread-safe: indexes are built in worker threads while questions are answered.
    """

    def __init__(self, embed: Embed, model_id: str) -> None:
        self.embed = embed
        self.model_id = model_id
        self._vectors: dict[str, npt.NDArray[np.float16]] = {}  # (dim,) or (2, dim) compact
        self._lock = threading.Lock()
        self.dirty = False

    def __len__(self) -> int:
        return len(self._vectors)

    def vectors(self, texts: Sequence[str]) -> npt.NDArray[np.float16]:
        """One float16 row per text, embedding only the texts not seen before."""
        keys = [text_key(text) for text in texts]
        with self._lock:
            missing = {
                key: text for key, text in zip(keys, texts, strict=True) if key not in self._vectors
            }
        if missing:
            fresh = self.embed(list(missing.values())).astype(np.float16)
            with self._lock:
                self._vectors.update(zip(missing, fresh, strict=True))
                self.dirty = True
        with self._lock:
            rows = [self._vectors[key] for key in keys]
        if not rows:
            return np.zeros((0, 0), dtype=np.float16)
        return np.stack(rows)

    def compact(self, entries: Sequence[Entry]) -> list[npt.NDArray[np.float16]]:
        """Two rows per entry for a big server: the centre of its title and questions, and its
        answer's lead. Only these are kept, not one vector per question (memory). Entries not
        seen before are embedded together, in batches."""
        parts = [entry_parts(entry) for entry in entries]
        keys = ["compact:" + text_key("\n".join([*p, lead])) for p, lead in parts]
        with self._lock:
            found = {key: self._vectors[key] for key in keys if key in self._vectors}
        missing = [(key, part) for key, part in zip(keys, parts, strict=True) if key not in found]
        if missing:
            texts: list[str] = []
            spans: list[tuple[int, int]] = []
            for _, (phrases, lead) in missing:
                spans.append((len(texts), len(phrases)))
                texts.extend([*phrases, lead or phrases[0]])
            vectors = self.embed(texts)
            fresh = {}
            for (key, _), (start, count) in zip(missing, spans, strict=True):
                centre = vectors[start : start + count].mean(axis=0)
                centre /= max(float(np.linalg.norm(centre)), 1e-12)
                fresh[key] = np.stack([centre, vectors[start + count]]).astype(np.float16)
            with self._lock:
                self._vectors.update(fresh)
                self.dirty = True
            found.update(fresh)
        return [found[key] for key in keys]

    def load(self, path: Path) -> int:
        """Add the vectors saved at `path` by the same model; a missing or stale file adds none."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != self.model_id:
                    return 0
                keys, matrix = data["keys"], data["vectors"]
        except (OSError, KeyError, ValueError) as error:
            if path.exists():
                log.warning("ignoring vector cache %s: %s", path, error)
            return 0
        with self._lock:
            for key, row in zip(keys.tolist(), matrix, strict=True):
                self._vectors.setdefault(str(key), row.astype(np.float16))
        return len(keys)

    def save(self, path: Path, keep: Iterable[str] | None = None) -> None:
        """Write the cache (or only the vectors of `keep` texts) atomically; errors are logged."""
        with self._lock:
            items = (
                list(self._vectors.items())
                if keep is None
                else [(k, self._vectors[k]) for k in map(text_key, keep) if k in self._vectors]
            )
            self.dirty = False
        if not items:
            return
        keys = np.array([key for key, _ in items])
        matrix = np.stack([row for _, row in items])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial.npz")
            np.savez(partial, model=np.array(self.model_id), keys=keys, vectors=matrix)
            partial.replace(path)
        except OSError as error:
            log.warning("cannot save vector cache %s: %s", path, error)


@dataclass(frozen=True)
class DenseIndex:
    """The vectors of one knowledge base's entries, rows grouped by entry.

    Up to COMPACT_ABOVE entries, every title, question and answer lead is a row of its own
    (best accuracy); beyond, each entry is two rows (`VectorCache.compact`), so a server with
    10,000 entries of its own stays near 30 MB and a question still costs a few milliseconds.
    """

    matrix: npt.NDArray[np.float32]  # (rows, dim), unit rows
    starts: npt.NDArray[np.intp]  # first row of each entry, in entry order

    @classmethod
    def build(
        cls, entries: Sequence[Entry], cache: VectorCache, compact: bool | None = None
    ) -> DenseIndex:
        if compact if compact is not None else len(entries) > COMPACT_ABOVE:
            blocks = cache.compact(entries)
            starts = np.arange(0, 2 * len(entries), 2, dtype=np.intp)
            matrix = np.concatenate(blocks) if blocks else np.zeros((0, 0), np.float16)
        else:
            texts: list[str] = []
            offsets: list[int] = []
            for entry in entries:
                offsets.append(len(texts))
                texts.extend(entry_texts(entry))
            matrix = cache.vectors(texts)
            starts = np.array(offsets, dtype=np.intp)
        return cls(np.ascontiguousarray(matrix, dtype=np.float32), starts)

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes + self.starts.nbytes)

    def scores(self, query: Vectors) -> Vectors:
        """Per entry, its best cosine similarity with each query vector: (queries, entries)."""
        if not len(self.starts):
            return np.zeros((len(query), 0), dtype=np.float32)
        # one matrix-vector product per query row: BLAS's fastest path for a tall matrix
        sims = np.stack([self.matrix @ row for row in query.astype(np.float32)])
        return np.maximum.reduceat(sims, self.starts, axis=1)
