"""Behaviour of the answering engine on awkward input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers.serving import KnowledgeService
from bot.knowledge import KnowledgeBase
from bot.matching import MAX_QUESTION_CHARS, Matcher, Outcome
from bot.matching.index import TYPO_LOOKUPS, SearchIndex
from bot.matching.semantic import Semantic


@pytest.fixture(scope="module", params=["lexical", "hybrid"])
def matcher(
    request: pytest.FixtureRequest, bundled_knowledge: KnowledgeBase, semantic: Semantic
) -> Matcher:
    """Every behaviour here holds for both matchers (MATCHER=lexical is a supported setting)."""
    return Matcher(bundled_knowledge, semantic=semantic if request.param == "hybrid" else None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1500))
def test_no_input_raises_and_confidence_is_bounded(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.candidates) <= 5
    assert len(result.question) <= MAX_QUESTION_CHARS


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "???", "<@123456789012345678>"])
def test_empty_input_gets_a_usage_hint(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).outcome is Outcome.EMPTY


def test_long_input_is_cut_not_rejected(matcher: Matcher) -> None:
    question = "how much do machine learning engineers earn " + "blah " * 500
    result = matcher.match(question)
    assert result.truncated
    assert len(result.question) == MAX_QUESTION_CHARS
    assert result.candidates and result.candidates[0].id == "salary-ml-engineer"


@pytest.mark.parametrize(
    ("text", "kind"), [("hi", "greeting"), ("hello there!", "greeting"), ("thx!!", "thanks")]
)
def test_small_talk_gets_no_topic(matcher: Matcher, text: str, kind: str) -> None:
    result = matcher.match(text)
    assert result.outcome is Outcome.NO_MATCH
    assert result.smalltalk == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how much does an mle make", "salary-ml-engineer"),
        ("<@1234567890> is a phd worth it? https://example.com/x", "phd"),
        ("pytorch vs tf", "tensorflow-vs-pytorch"),
        ("do i need k8s", "docker-kubernetes"),
        ("hi! what does a data scientist do", "data-scientist"),
    ],
)
def test_mentions_urls_abbreviations_and_greetings_do_not_get_in_the_way(
    matcher: Matcher, text: str, expected: str
) -> None:
    result = matcher.match(text)
    assert result.entry is not None and result.entry.id == expected


def test_rare_words_outweigh_common_ones(matcher: Matcher) -> None:
    idf = matcher.index.idf

    def weight(word: str) -> float:
        return sum(idf[term] for term in matcher.normalize(word).content)

    assert weight("PhD") > 2 * weight("learn")
    assert weight("kaggle") > 2 * weight("machine")
    assert weight("neurips") > 2 * weight("career")


def test_unclear_question_offers_two_to_five_choices(matcher: Matcher) -> None:
    result = matcher.match("jobs")
    assert result.outcome is Outcome.SUGGEST
    assert 2 <= len(result.suggestions) <= 5
    scores = [c.score for c in result.suggestions]
    assert scores == sorted(scores, reverse=True)


def test_other_careers_get_no_answer(matcher: Matcher) -> None:
    for text in ("how do i become a nurse", "what's the weather today", "best pizza in town"):
        assert matcher.match(text).entry is None, text
    nurses = matcher.match("how much do nurses earn")
    assert nurses.outcome is Outcome.NO_MATCH and not nurses.candidates


def test_an_ml_question_from_another_career_is_still_answered(matcher: Matcher) -> None:
    result = matcher.match("I'm a nurse, how do I switch into machine learning?")
    assert result.entry is not None and result.entry.id == "switch-from-non-tech"


async def test_index_is_built_once_per_knowledge_version(
    knowledge_service: KnowledgeService,
) -> None:
    first = await knowledge_service.matcher_for(None)
    second = await knowledge_service.matcher_for(123)
    assert first is second


def test_a_long_question_of_unknown_words_makes_few_vocabulary_searches(
    bundled_knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unknown word used to be compared with the whole vocabulary, twice: a 1,000-character
    message of made-up words stalled the event loop for seconds on a big server."""
    matcher = Matcher(bundled_knowledge)
    searches: list[str] = []
    original = SearchIndex._guess

    def counting(index: SearchIndex, token: str) -> tuple[tuple[str, ...], float]:
        searches.append(token)
        return original(index, token)

    monkeypatch.setattr(SearchIndex, "_guess", counting)
    words = [f"zq{n:03d}vexlor" for n in range(100)]
    matcher.match(" ".join(words) + ". what about zq001vexlor?")
    assert 0 < len(searches) <= 2 * TYPO_LOOKUPS  # the whole message and its asking sentence
    searches.clear()
    typos = matcher.match("machne lerning enginer salery in the us")  # typos still work
    assert typos.candidates[0].id == "salary-ml-engineer"
