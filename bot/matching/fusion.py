"""Fusing the lexical and the semantic signal into one calibrated confidence per candidate.

Neither signal is enough alone: words find "kaggle" and "AWS" exactly but miss meaning; the
sentence model finds meaning but confuses neighbours ("ML engineer salary" and "ML engineer").
A small conditional-logit model scores each candidate from a few features (both scores, their
ranks, how far each is behind the best) and scores "none of these" from features of the whole
question (how close it is to any entry, to known off-topic messages). A softmax over both gives
the chance that each candidate is the topic asked about, and the chance that none is.

The weights and the answer / suggest thresholds are fitted by `scripts/fit_matcher.py` on a
training split and stored in `calibration.yaml` (data, not code).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.yaml"

FEATURES: tuple[str, ...] = (  # one row per candidate
    "lexical",  # the lexical engine's score, 0 when it did not find the entry
    "semantic",  # best cosine of the entry's texts with the question or its asking sentence
    "semantic_full",  # the same with the whole message only
    "semantic_behind",  # how far behind the best semantic score (<= 0)
    "lexical_behind",  # how far behind the best lexical score (<= 0)
    "lexical_rank",  # 1 / rank in the lexical ranking, 0 when absent
    "semantic_rank",  # 1 / rank in the semantic ranking
    "both_top",  # 1 when the entry leads both rankings
)
NONE_FEATURES: tuple[str, ...] = (  # one row per question: "none of these" (plus a bias)
    "top_semantic",  # how close the nearest entry is
    "top_lexical",  # the lexical engine's best score
    "offtopic_lead",  # closeness to the nearest off-topic example minus to the nearest entry
    "offtopic_words",  # 1 when the question names another career, the weather... and no ML
)

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Decision:
    """The three-outcome rule over the fused confidences."""

    answer: float = 0.5  # top confidence needed to answer ...
    margin: float = 0.1  # ... with at least this lead over the runner-up
    suggest: float = 0.15  # below this, nothing is offered


@dataclass(frozen=True)
class Calibration:
    """Weights of the candidate and the none-of-these scores, plus the decision thresholds."""

    weights: tuple[float, ...]
    none_weights: tuple[float, ...]
    none_bias: float
    decision: Decision

    def confidences(self, features: Matrix, question: Matrix) -> Matrix:
        """Chance that each candidate (a row of `features`) is the topic asked about; what is
        left to 1 is the chance that none is. `question` is the row of NONE_FEATURES."""
        scores = features @ np.asarray(self.weights, dtype=np.float32)
        none = float(question @ np.asarray(self.none_weights, dtype=np.float32)) + self.none_bias
        top = max(float(scores.max(initial=none)), none)
        exp = np.exp(scores - top)
        total = float(exp.sum()) + float(np.exp(none - top))
        shares: Matrix = (exp / total).astype(np.float32)
        return shares

    def to_data(self) -> dict[str, object]:
        return {
            "weights": {n: round(w, 4) for n, w in zip(FEATURES, self.weights, strict=True)},
            "none_weights": {
                n: round(w, 4) for n, w in zip(NONE_FEATURES, self.none_weights, strict=True)
            },
            "none_bias": round(self.none_bias, 4),
            "decision": {
                "answer": round(self.decision.answer, 3),
                "margin": round(self.decision.margin, 3),
                "suggest": round(self.decision.suggest, 3),
            },
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Calibration:
        """Read the fitted file; a missing or malformed part raises ValueError naming it."""

        def weights_of(key: str, names: tuple[str, ...]) -> tuple[float, ...]:
            found = data.get(key)
            if not isinstance(found, dict) or any(name not in found for name in names):
                raise ValueError(f"calibration `{key}` needs a weight for each of {names}")
            return tuple(float(found[name]) for name in names)

        decision = data.get("decision")
        bias = data.get("none_bias")
        if not isinstance(decision, dict) or not isinstance(bias, int | float):
            raise ValueError("calibration needs `decision` and a numeric `none_bias`")
        return cls(
            weights_of("weights", FEATURES),
            weights_of("none_weights", NONE_FEATURES),
            float(bias),
            Decision(**{key: float(value) for key, value in decision.items()}),
        )


DEFAULT_CALIBRATION = Calibration(
    weights=(6.0, 6.0, 2.0, 12.0, 6.0, 1.0, 1.0, 1.0),
    none_weights=(-8.0, -4.0, 4.0, 2.0),
    none_bias=6.0,
    decision=Decision(),
)


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The fitted calibration; the hand-set default when the file is missing (a fresh fit)."""
    if not path.exists():
        return DEFAULT_CALIBRATION
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Calibration.from_data(data)


def fit_conditional_logit(
    features: npt.NDArray[np.float64],  # (questions, candidates, FEATURES), zero-padded
    present: npt.NDArray[np.bool_],  # (questions, candidates): real candidate, not padding
    question: npt.NDArray[np.float64],  # (questions, NONE_FEATURES)
    target: npt.NDArray[np.intp],  # index of the right candidate, or -1 for none of these
    *,
    l2: float = 1e-3,
    steps: int = 3000,
    rate: float = 0.05,
) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """Maximum likelihood with a little L2, by full-batch Adam (a few thousand rows)."""
    n, _, f = features.shape
    g = question.shape[1]
    theta = np.zeros(f + g + 1)
    moment, velocity = np.zeros_like(theta), np.zeros_like(theta)
    onehot = np.zeros((n, features.shape[1] + 1))
    onehot[np.arange(n), np.where(target >= 0, target + 1, 0)] = 1.0
    for step in range(1, steps + 1):
        w, v, b = theta[:f], theta[f : f + g], theta[-1]
        scores = np.where(present, features @ w, -np.inf)
        logits = np.concatenate([(question @ v + b)[:, None], scores], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        residual = p - onehot
        grad_w = np.einsum("qk,qkf->f", residual[:, 1:], features) / n + l2 * w
        grad_v = question.T @ residual[:, 0] / n + l2 * v
        grad_b = residual[:, 0].mean()
        gradient = np.concatenate([grad_w, grad_v, [grad_b]])
        moment = 0.9 * moment + 0.1 * gradient
        velocity = 0.999 * velocity + 0.001 * gradient**2
        theta -= rate * (moment / (1 - 0.9**step)) / (np.sqrt(velocity / (1 - 0.999**step)) + 1e-8)
    return (
        tuple(float(x) for x in theta[:f]),
        tuple(float(x) for x in theta[f : f + g]),
        float(theta[-1]),
    )
