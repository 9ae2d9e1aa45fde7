"""Abbreviations, synonyms, stop words and small talk: the matcher's vocabulary, kept as data."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.yamlsource import ValidationIssue, YamlDocument

LANGUAGE_FIELDS = (
    "abbreviations",
    "synonyms",
    "stopwords",
    "smalltalk",
    "offtopic",
    "domain",
    "offtopic_examples",
)
MAX_EXAMPLE = 300  # one off-topic example message


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


@dataclass(frozen=True)
class Language:
    """Token rewrites applied to questions and knowledge text alike."""

    abbreviations: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    stopwords: frozenset[str] = frozenset()
    smalltalk: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> words
    offtopic: frozenset[str] = frozenset()  # other careers, weather...: no answer unless ...
    domain: frozenset[str] = frozenset()  # ... the question also names ML or data
    # whole messages that are near our domain but not ours (a traceback, laptop shopping):
    # the semantic matcher declines questions that sit closer to these than to any entry
    offtopic_examples: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        return json.dumps(
            [
                sorted(self.abbreviations.items()),
                sorted(self.synonyms.items()),
                sorted(self.stopwords),
                sorted((kind, sorted(words)) for kind, words in self.smalltalk.items()),
                sorted(self.offtopic),
                sorted(self.domain),
                list(self.offtopic_examples),
            ]
        )

    def smalltalk_kind(self, tokens: list[str]) -> str | None:
        """'greeting', 'thanks', ... when the message is only small talk."""
        for kind, words in self.smalltalk.items():
            if tokens and any(token in words for token in tokens):
                return kind
        return None


Report = Callable[[tuple[int | str, ...], str], None]  # (path in the file, problem)


def language_from_document(document: YamlDocument) -> tuple[Language, list[ValidationIssue]]:
    """Build Language from synonyms.yaml, reporting every malformed field with its line."""
    data = document.data or {}
    issues: list[ValidationIssue] = []

    def issue(path: tuple[int | str, ...], message: str) -> None:
        field_name = ".".join(str(part) for part in path)
        issues.append(
            ValidationIssue(document.file, document.line_of(path), None, field_name, message)
        )

    if not isinstance(data, dict):
        issue((), "must be a mapping with keys: " + ", ".join(LANGUAGE_FIELDS))
        return Language(), issues
    for key in data:
        if key not in LANGUAGE_FIELDS:
            issue((key,), "unknown field")
    language = Language(
        abbreviations=_abbreviations(data, issue),
        synonyms=_synonyms(data, issue),
        stopwords=_words(data, "stopwords", issue),
        smalltalk=_smalltalk(data, issue),
        offtopic=_words(data, "offtopic", issue),
        domain=_words(data, "domain", issue),
        offtopic_examples=_examples(data, issue),
    )
    return language, issues


def _abbreviations(data: dict[str, Any], issue: Report) -> dict[str, str]:
    abbreviations: dict[str, str] = {}
    for key, value in _mapping(data, "abbreviations", issue).items():
        if not isinstance(value, str) or not value.strip():
            issue(("abbreviations", key), "expansion must be a non-empty string")
            continue
        abbreviations[_fold(str(key))] = _fold(value)
    return abbreviations


def _synonyms(data: dict[str, Any], issue: Report) -> dict[str, str]:
    """variant -> canonical; a variant claimed by two canonical words is reported."""
    synonyms: dict[str, str] = {}
    for canonical, variants in _mapping(data, "synonyms", issue).items():
        if not _is_word_list(variants):
            issue(("synonyms", canonical), "must be a list of words")
            continue
        for index, variant in enumerate(variants):
            folded = _fold(variant)
            if folded in synonyms and synonyms[folded] != _fold(str(canonical)):
                issue(
                    ("synonyms", canonical, index),
                    f"{variant!r} is already a synonym of {synonyms[folded]!r}",
                )
            synonyms[folded] = _fold(str(canonical))
    return synonyms


def _smalltalk(data: dict[str, Any], issue: Report) -> dict[str, frozenset[str]]:
    smalltalk: dict[str, frozenset[str]] = {}
    for kind, words in _mapping(data, "smalltalk", issue).items():
        if not _is_word_list(words):
            issue(("smalltalk", kind), "must be a list of words")
            continue
        smalltalk[str(kind)] = frozenset(_fold(word) for word in words)
    return smalltalk


def _words(data: dict[str, Any], key: str, issue: Report) -> frozenset[str]:
    words = data.get(key, [])
    if not _is_word_list(words):
        issue((key,), "must be a list of words")
        return frozenset()
    return frozenset(_fold(word) for word in words)


def _examples(data: dict[str, Any], issue: Report) -> tuple[str, ...]:
    examples = data.get("offtopic_examples", [])
    if not isinstance(examples, list) or not all(
        isinstance(text, str) and 0 < len(text.strip()) <= MAX_EXAMPLE for text in examples
    ):
        issue(("offtopic_examples",), f"must be a list of messages of 1-{MAX_EXAMPLE} characters")
        return ()
    return tuple(dict.fromkeys(text.strip() for text in examples))


def _is_word_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(word, str) for word in value)


def _mapping(data: dict[str, Any], key: str, issue: Report) -> dict[Any, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        issue((key,), "must be a mapping")
        return {}
    return value
