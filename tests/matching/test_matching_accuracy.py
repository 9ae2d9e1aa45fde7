"""The matcher against our question sets, on the held-out split that no fit has seen.

The thresholds and weights are fitted on the training split by scripts/fit_matcher.py; these
tests hold both matchers to the issue's targets on the rest, so a knowledge edit or a code
change that makes answers worse fails here.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.matching.evaluation import Question, Report, evaluate, load_questions, split
from bot.matching.fusion import CALIBRATION_FILE
from bot.matching.semantic import Semantic

QUESTIONS = load_questions()
HELD_OUT = split(QUESTIONS, "heldout")


@pytest.fixture(scope="module")
def hybrid_report(bundled_knowledge: KnowledgeBase, semantic: Semantic) -> Report:
    return evaluate(Matcher(bundled_knowledge, semantic=semantic), HELD_OUT)


def test_question_sets_are_big_varied_and_labelled_with_real_ids(
    bundled_knowledge: KnowledgeBase,
) -> None:
    in_scope = [q for q in QUESTIONS if q.entry_id]
    out_of_scope = [q for q in QUESTIONS if not q.entry_id]
    assert len(in_scope) >= 800 and len(out_of_scope) >= 140
    styles = Counter(q.style for q in in_scope)
    assert {"typo", "slang", "abbreviation", "long", "short", "non-native"} <= set(styles)
    assert styles["long"] >= 150
    near_domain = {"debugging", "traceback", "homework", "shopping", "finance"}
    assert sum(q.style in near_domain for q in out_of_scope) >= 40
    unknown = {
        entry_id
        for q in in_scope
        for entry_id in (q.entry_id, *q.also)
        if entry_id not in bundled_knowledge
    }
    assert not unknown


def test_every_entry_is_asked_about(bundled_knowledge: KnowledgeBase) -> None:
    asked = Counter(q.entry_id for q in QUESTIONS if q.entry_id)
    never = [entry.id for entry in bundled_knowledge if asked[entry.id] < 3]
    assert not never, f"entries with fewer than 3 test questions: {never}"


def test_the_split_is_fixed_and_roughly_70_30() -> None:
    held_out = len(HELD_OUT) / len(QUESTIONS)
    assert 0.25 <= held_out <= 0.35
    assert Question("what do ml engineers do", None, "plain", "x").split == "train"


def test_hybrid_meets_the_targets_on_held_out_questions(hybrid_report: Report) -> None:
    rates = hybrid_report.rates()
    misses = hybrid_report.misses[:20]
    # 0.924 before the LLM-skills entries of 2026-12-03; with them the fit answers a little
    # later (0.775 instead of 0.75: a near-tie on the training questions), so about ten
    # questions became "did you mean" with the right topic first (top3 stayed at 0.99).
    assert rates["top1"] >= 0.90, (rates, misses)
    assert rates["top3"] >= 0.97, (rates, misses)
    assert rates["declined_out_of_scope"] >= 0.93, (rates, misses)
    assert rates["confident_wrong"] <= 0.02, (rates, misses)


def test_long_and_non_native_questions_are_answered_too(hybrid_report: Report) -> None:
    for style in ("long", "non-native"):
        tally = hybrid_report.by_style[style]
        assert tally.top3 / tally.asked >= 0.9, (style, tally)
        assert tally.answered_wrong / tally.asked <= 0.05, (style, tally)


def test_lexical_fallback_stays_useful(bundled_knowledge: KnowledgeBase) -> None:
    rates = evaluate(Matcher(bundled_knowledge), HELD_OUT).rates()
    # Library error messages about fine-tuning ("peft ... throws ValueError") name a word only
    # the fine-tuning entry uses, which words alone cannot tell from a career question.
    assert rates["top1"] >= 0.85 and rates["declined_out_of_scope"] >= 0.88, rates


def test_the_calibration_was_fitted_on_this_knowledge(bundled_knowledge: KnowledgeBase) -> None:
    fitted = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert fitted["fitted_on"]["knowledge_version"] == bundled_knowledge.version, (
        "knowledge changed: rerun scripts/fit_matcher.py"
    )
