"""Fit the hybrid matcher's weights and thresholds on the training split; report held-out.

Run it whenever knowledge, language data or question sets change:

    .venv/bin/python scripts/fit_matcher.py          # writes bot/matching/calibration.yaml
    .venv/bin/python scripts/fit_matcher.py --check  # only prints the figures

Held-out questions are never used to choose anything; their figures are printed (and stored
in the calibration file's `measured` section) so a change can be judged honestly. It also
writes the bundled entries' vectors (`bot/matching/model/vectors.npz`) so a fresh start embeds
nothing.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.matching.dense import entry_texts  # noqa: E402
from bot.matching.engine import Fused, Matcher  # noqa: E402
from bot.matching.evaluation import (  # noqa: E402
    Question,
    SemanticOnly,
    evaluate,
    load_questions,
    split,
)
from bot.matching.fusion import (  # noqa: E402
    CALIBRATION_FILE,
    FEATURES,
    NONE_FEATURES,
    Calibration,
    Decision,
    fit_conditional_logit,
)
from bot.matching.semantic import SHIPPED_VECTORS, load_semantic  # noqa: E402

# What an outcome is worth when choosing thresholds: a confident wrong answer costs far more
# than a "did you mean" (the member still sees the right topic one click away).
RIGHT, WRONG, SUGGEST_HIT, SUGGEST_MISS = 1.0, -4.0, 0.5, -0.3
OFFTOPIC_ANSWERED, OFFTOPIC_SUGGESTED = -4.0, -0.5


Row = tuple[Question, list[str], Fused]


def collect(matcher: Matcher, questions: list[Question]) -> list[Row]:
    rows = []
    for question in questions:
        fused = matcher.features(question.text)
        if fused is not None and fused.entries:
            rows.append((question, [entry.id for entry in fused.entries], fused))
    return rows


def fit_weights(rows: list[Row]) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    width = max(len(ids) for _, ids, _ in rows)
    features = np.zeros((len(rows), width, len(FEATURES)))
    present = np.zeros((len(rows), width), dtype=bool)
    question = np.zeros((len(rows), len(NONE_FEATURES)))
    target = np.full(len(rows), -1, dtype=np.intp)
    for n, (asked, ids, fused) in enumerate(rows):
        features[n, : len(ids)] = fused.features
        present[n, : len(ids)] = True
        question[n] = fused.question
        accepted = [i for i, entry_id in enumerate(ids) if asked.accepts(entry_id)]
        if asked.entry_id in ids:
            target[n] = ids.index(asked.entry_id)
        elif accepted:
            target[n] = accepted[0]
    return fit_conditional_logit(
        features, present, question, target, l2=1e-5, steps=10000, rate=0.1
    )


def outcomes_table(rows: list[Row], calibration: Calibration) -> np.ndarray:
    """Per question: best confidence, runner-up, in scope?, top right?, right one among 5?"""
    table = []
    for question, ids, fused in rows:
        confidence = calibration.confidences(fused.features, fused.question)
        order = np.argsort(-confidence)
        best = float(confidence[order[0]])
        runner = float(confidence[order[1]]) if len(order) > 1 else 0.0
        inside = question.entry_id is not None
        table.append(
            (
                best,
                runner,
                inside,
                question.accepts(ids[int(order[0])]),
                any(question.accepts(ids[int(n)]) for n in order[:5]),
            )
        )
    return np.array(table, dtype=np.float64)


def utility(table: np.ndarray, decision: Decision) -> float:
    best, runner, inside, right, hit = (table[:, n] for n in range(5))
    answer = (best >= decision.answer) & (best - runner >= decision.margin)
    suggest = ~answer & (best >= decision.suggest)
    inside = inside.astype(bool)
    score = np.where(
        inside,
        np.where(
            answer,
            np.where(right > 0, RIGHT, WRONG),
            np.where(suggest, np.where(hit > 0, SUGGEST_HIT, SUGGEST_MISS), 0.0),
        ),
        np.where(answer, OFFTOPIC_ANSWERED, np.where(suggest, OFFTOPIC_SUGGESTED, 0.0)),
    )
    return float(score.sum())


def fit_decision(rows: list[Row], calibration: Calibration) -> Decision:
    table = outcomes_table(rows, calibration)
    ranked_right = table[table[:, 2] > 0, 3].mean()
    print(f"  top candidate right (any outcome), train: {ranked_right:.3f}")
    best: tuple[float, Decision] | None = None
    for answer, margin, suggest in itertools.product(
        np.arange(0.20, 0.91, 0.025), np.arange(0.0, 0.41, 0.025), np.arange(0.02, 0.41, 0.02)
    ):
        if suggest > answer:
            continue
        decision = Decision(*(round(float(x), 3) for x in (answer, margin, suggest)))
        score = utility(table, decision)
        if best is None or score > best[0]:
            best = (score, decision)
    assert best is not None
    return best[1]


def figures(report) -> dict[str, float]:
    return {key: round(value, 3) for key, value in report.rates().items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print figures, write nothing")
    parser.add_argument("--misses", action="store_true", help="list held-out misses")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge", help="folder")
    args = parser.parse_args()

    knowledge = load_knowledge(args.knowledge)
    questions = [q for q in load_questions() if q.entry_id is None or q.entry_id in knowledge]
    train, heldout = split(questions, "train"), split(questions, "heldout")
    print(f"{len(knowledge)} entries; questions: {len(train)} train, {len(heldout)} held-out")

    semantic = load_semantic()
    matcher = Matcher(knowledge, semantic=semantic)
    rows = collect(matcher, train)
    weights, none_weights, none_bias = fit_weights(rows)
    unfitted = Calibration(weights, none_weights, none_bias, Decision())
    decision = fit_decision(rows, unfitted)
    calibration = Calibration(weights, none_weights, none_bias, decision)
    semantic.calibration = calibration
    fitted = Matcher(knowledge, semantic=semantic)
    lexical = Matcher(knowledge)

    measured = {
        "train": figures(evaluate(fitted, train)),
        "heldout": figures(heldout_report := evaluate(fitted, heldout)),
        "heldout_lexical": figures(evaluate(lexical, heldout)),
        "heldout_semantic": figures(
            evaluate(SemanticOnly(fitted).fit(train), heldout)  # thresholds from train only
        ),
    }
    for name, value in [
        *zip(FEATURES, weights, strict=True),
        *zip(NONE_FEATURES, none_weights, strict=True),
    ]:
        print(f"  weight {name:16} {value:+.3f}")
    print(f"  none bias {none_bias:+.3f}")
    print(f"  decision {decision}")
    for name, values in measured.items():
        print(f"  {name:16} {values}")
    if args.misses:
        for text, expected, top, outcome in heldout_report.misses:
            print(f"  MISS [{outcome}] want={expected} got={top} :: {text[:120]}")
    if args.check:
        return 0

    data = calibration.to_data()
    data["measured"] = measured
    data["fitted_on"] = {
        "train": len(train),
        "heldout": len(heldout),
        "entries": len(knowledge),
        "knowledge_version": knowledge.version,
    }
    header = "# Written by scripts/fit_matcher.py; do not edit by hand, rerun the script.\n"
    CALIBRATION_FILE.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    texts = [text for entry in knowledge for text in entry_texts(entry)]
    texts += list(knowledge.language.offtopic_examples)
    semantic.vectors.save(SHIPPED_VECTORS, keep=texts)
    print(f"wrote {CALIBRATION_FILE.relative_to(ROOT)} and {SHIPPED_VECTORS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
