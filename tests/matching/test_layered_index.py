"""A server's index layered on the bundled one scores exactly like a flat index.

The layered index (bot/matching/layered.py) keeps only a server's own and changed entries and
reads the rest through to the bundled index. Every figure a question sees must be the one a
flat index over the same effective entries gives: candidates, order, scores, typo guesses.
"""

from __future__ import annotations

import random

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.language import Language
from bot.knowledge.layers import LayerComposer, LayerRow
from bot.knowledge.models import Entry
from bot.matching.engine import Matcher
from bot.matching.index import PreparedCache, SearchIndex, prepare
from bot.matching.layered import LayeredTerms
from bot.matching.normalize import Normalizer, question_sentence

# Near-identical words, so typos often sit equally close to several (ties decide by order).
WORDS = [
    *("zorblax", "zorblex", "zorblix", "zarblax", "quokka", "quokko", "quakka"),
    *("learning", "lerning", "machine", "engineer", "salary", "kaggle", "tensor"),
    *("gradient", "notebook", "pipeline", "portfolio", "interview", "feature"),
]


def entry(entry_id: str, rng: random.Random) -> Entry:
    def phrase() -> str:
        return " ".join(rng.sample(WORDS, rng.randint(1, 4)))

    return Entry(
        id=entry_id,
        title=phrase().capitalize(),
        category="community",
        questions=[phrase() for _ in range(rng.randint(1, 3))],
        keywords=[rng.choice(WORDS) for _ in range(rng.randint(0, 2))],
        answer="An answer.",
    )


def layer_rows(base: KnowledgeBase, rng: random.Random) -> list[LayerRow]:
    """Hidden, overridden and aliased bundled entries, and entries of the server's own."""
    rows: dict[str, LayerRow] = {}
    for bundled in rng.sample(base.entries, 12):
        kind = rng.choice(("hide", "override", "alias"))
        if kind == "hide":
            rows[bundled.id] = LayerRow(bundled.id, hidden=True)
        elif kind == "override":
            rows[bundled.id] = LayerRow(bundled.id, entry(bundled.id, rng).to_data())
        else:
            phrase = " ".join(rng.sample(WORDS, 2))
            rows[bundled.id] = LayerRow(bundled.id, aliases=(phrase,))
    for number in range(rng.randint(0, 25)):
        own = entry(f"own-{number}", rng)
        rows[own.id] = LayerRow(own.id, own.to_data(), hidden=rng.random() < 0.1)
    return list(rows.values())


def typo(word: str, rng: random.Random) -> str:
    chars = list(word)
    position = rng.randrange(len(chars))
    chars[position] = rng.choice("aeioxz")
    return "".join(chars)


def questions(rng: random.Random) -> list[str]:
    asked = []
    for _ in range(60):
        words = rng.sample(WORDS, rng.randint(1, 4))
        if rng.random() < 0.6:
            words = [typo(word, rng) if rng.random() < 0.5 else word for word in words]
        text = " ".join(words)
        if rng.random() < 0.2:
            text = f"I have a long story here. {text}? thanks"
        asked.append(text)
    return asked


@pytest.fixture
def language(bundled_knowledge: KnowledgeBase) -> Language:
    return bundled_knowledge.language  # real synonyms and surface forms ("lerning")


@pytest.mark.parametrize("seed", range(12))
def test_a_layered_index_scores_like_a_flat_one(language: Language, seed: int) -> None:
    rng = random.Random(seed)
    base = KnowledgeBase(tuple(entry(f"bundled-{n}", rng) for n in range(40)), language)
    bundled = Matcher(base)
    effective = LayerComposer(base, layer_rows(base, rng)).knowledge()
    layered = Matcher(effective, cache=PreparedCache(bundled.normalize), over=bundled)
    flat = Matcher(effective)
    assert isinstance(layered.index.terms, LayeredTerms)  # else this compares flat with flat

    for text in questions(rng):
        normalized = flat.normalize(text)
        sentence = question_sentence(text)
        focus = flat.normalize(sentence) if sentence else None
        expected = flat.index.search(normalized, limit=40, focus=focus)
        assert layered.index.search(normalized, limit=40, focus=focus) == expected, text
        ours, theirs = layered.match(text), flat.match(text)
        assert (ours.outcome, ours.candidates) == (theirs.outcome, theirs.candidates), text
    assert flat.index._guesses == layered.index._guesses  # the same typo guesses, ties too
    assert any(0 < sure < 1 for _, sure in flat.index._guesses.values())  # typos were guessed


def test_term_statistics_match_a_flat_index(language: Language) -> None:
    rng = random.Random(99)
    base = KnowledgeBase(tuple(entry(f"bundled-{n}", rng) for n in range(40)), language)
    bundled = Matcher(base)
    effective = LayerComposer(base, layer_rows(base, rng)).knowledge()
    layered = Matcher(effective, cache=PreparedCache(bundled.normalize), over=bundled).index
    flat = Matcher(effective).index
    vocabulary = {*flat.terms.postings, *bundled.index.terms.postings, "nosuchterm"}
    for term in vocabulary:
        assert layered.terms.df(term) == flat.terms.df(term), term
        assert list(layered.terms.positions(term)) == list(flat.terms.positions(term)), term
        assert layered.weight(term) == flat.weight(term), term
        assert layered.terms.spelling(term) == flat.terms.spelling(term), term
    for surface in language.synonyms:
        assert layered.terms.spelling(surface) == flat.terms.spelling(surface), surface


def test_a_server_that_hides_every_bundled_entry(language: Language) -> None:
    rng = random.Random(7)
    base = KnowledgeBase(tuple(entry(f"bundled-{n}", rng) for n in range(10)), language)
    bundled = Matcher(base)
    rows = [LayerRow(item.id, hidden=True) for item in base]
    effective = LayerComposer(base, rows).knowledge()
    layered = Matcher(effective, cache=PreparedCache(bundled.normalize), over=bundled)
    assert len(effective) == 0 and layered.match("zorblax quokka").candidates == ()
    assert not layered.index.terms.has_vocabulary()


def test_layers_only_index_the_servers_own_entries(bundled_knowledge: KnowledgeBase) -> None:
    bundled = Matcher(bundled_knowledge)
    own = [entry(f"own-{n}", random.Random(n)) for n in range(5)]
    effective = bundled_knowledge.replace_entries([*bundled_knowledge.entries, *own])
    layered = Matcher(effective, cache=PreparedCache(bundled.normalize), over=bundled)
    assert isinstance(layered.index.terms, LayeredTerms)
    own_terms = {term for item in layered.index.items[-5:] for term in item.terms}
    assert set(layered.index.terms.own.postings) == own_terms
    assert layered.index.items[0] is bundled.index.items[0]  # shared, not prepared again


def test_another_order_or_language_falls_back_to_a_flat_index(
    bundled_knowledge: KnowledgeBase,
) -> None:
    bundled = Matcher(bundled_knowledge)
    cache = PreparedCache(bundled.normalize)
    reordered = bundled_knowledge.replace_entries(bundled_knowledge.entries[::-1])
    assert not isinstance(Matcher(reordered, cache=cache, over=bundled).index.terms, LayeredTerms)
    other = Matcher(bundled_knowledge.replace_entries(bundled_knowledge.entries[:5]), over=bundled)
    assert not isinstance(other.index.terms, LayeredTerms)  # its own normaliser: not layered


def test_a_term_with_a_space_keeps_its_docs_apart() -> None:
    """A synonym spelt as two words is one term: the prepared text cannot be split again."""
    normalize = Normalizer(Language(synonyms={"ml": "machine learning"}))
    item = prepare(
        Entry(id="ml", title="ML jobs", category="roles", questions=["ml?"], answer="A."),
        normalize,
    )
    assert ("machine learning", "job") in item.doc_terms and item.term_count == 2
    index = SearchIndex([item])
    assert index.search(normalize("ml jobs"))[0][0].id == "ml"
