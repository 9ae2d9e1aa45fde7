"""The matcher against our own question set, written blind to the knowledge files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher

QUESTIONS = yaml.safe_load((Path(__file__).parents[1] / "data" / "questions.yaml").read_text())


@pytest.fixture(scope="module")
def matcher(bundled_knowledge: KnowledgeBase) -> Matcher:
    return Matcher(bundled_knowledge)


def test_question_set_is_big_and_varied(bundled_knowledge: KnowledgeBase) -> None:
    in_scope, out_of_scope = QUESTIONS["in_scope"], QUESTIONS["out_of_scope"]
    assert len(in_scope) >= 200
    assert len(out_of_scope) >= 40
    styles = Counter(item["style"] for item in in_scope)
    assert {"typo", "slang", "abbreviation", "long", "short", "non-native"} <= set(styles)
    assert all(item["id"] in bundled_knowledge for item in in_scope)


def test_top1_accuracy_at_least_90_percent(matcher: Matcher) -> None:
    misses = []
    for item in QUESTIONS["in_scope"]:
        result = matcher.match(item["q"])
        if result.entry is None or result.entry.id != item["id"]:
            misses.append((item["q"], item["id"], [c.id for c in result.candidates[:3]]))
    accuracy = 1 - len(misses) / len(QUESTIONS["in_scope"])
    assert accuracy >= 0.90, f"accuracy {accuracy:.1%}; misses: {misses}"


def test_out_of_scope_gets_no_answer_at_least_90_percent(matcher: Matcher) -> None:
    answered = [
        (item["q"], result.entry.id)
        for item in QUESTIONS["out_of_scope"]
        if (result := matcher.match(item["q"])).entry is not None
    ]
    share = 1 - len(answered) / len(QUESTIONS["out_of_scope"])
    assert share >= 0.90, f"no-answer rate {share:.1%}; answered: {answered}"
