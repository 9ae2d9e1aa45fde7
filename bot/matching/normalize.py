"""Turn what people type on Discord into comparable tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.knowledge.language import Language

MAX_QUESTION_CHARS = 1000

_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.DOTALL)
_DISCORD_MARKUP = re.compile(r"<(@[!&]?|#)\d+>|<a?:\w+:\d+>|@(everyone|here)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_URL = re.compile(r"(https?://|www\.)\S+")
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_APOSTROPHE = re.compile(r"['’]")
_NON_WORD = re.compile(r"[^\w+#]+|_")


@dataclass(frozen=True)
class Normalized:
    """A question after cleaning: its tokens, and the content tokens that carry meaning."""

    text: str
    tokens: tuple[str, ...]
    content: tuple[str, ...]


def clean(text: str) -> str:
    """Strip what carries no question: mentions, URLs, code blocks, punctuation."""
    text = unicodedata.normalize("NFKC", text)[:MAX_QUESTION_CHARS].casefold()
    text = _CODE_BLOCK.sub(" ", text)
    text = _DISCORD_MARKUP.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _POSSESSIVE.sub(r"\1", text)
    text = _APOSTROPHE.sub("", text)
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def stem(token: str) -> str:
    """A tiny plural folder: 'certifications' and 'certification' must meet."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


class Normalizer:
    """Applies one Language to questions and knowledge text, so both sides meet."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._cache: dict[str, tuple[str, ...]] = {}
        self._forms: Mapping[str, tuple[str, ...]] | None = None
        ignored = language.stopwords | frozenset().union(*language.smalltalk.values())
        self.ignored = frozenset(ignored | {stem(word) for word in ignored})

    def _rewrite(self, token: str) -> tuple[str, ...]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        language = self.language
        expansion = language.abbreviations.get(token)
        if expansion is None and token not in language.synonyms:
            expansion = language.abbreviations.get(stem(token))
        words = clean(expansion).split() if expansion else [token]
        result = tuple(stem(language.synonyms.get(word, word)) for word in words)
        if len(self._cache) < 50_000:
            self._cache[token] = result
        return result

    def surface_forms(self) -> Mapping[str, tuple[str, ...]]:
        """Single words people type -> the terms they normalise to (for typo lookup: "mlopps"
        is a typo of "mlops", which stands for three terms)."""
        if self._forms is None:  # computed once: every index of this language shares it
            forms: dict[str, tuple[str, ...]] = {}
            for word in [*self.language.synonyms, *self.language.abbreviations]:
                rewritten = self._rewrite(word)
                if len(word) >= 4 and " " not in word:
                    forms[word] = rewritten
            self._forms = MappingProxyType(forms)
        return self._forms

    def __call__(self, text: str) -> Normalized:
        tokens: list[str] = []
        for raw in clean(text).split():
            tokens.extend(self._rewrite(raw))
        content = tuple(token for token in tokens if token not in self.ignored)
        return Normalized(" ".join(tokens), tuple(tokens), content)


def question_sentence(text: str) -> str | None:
    """In a message of several sentences, the one that asks (else the last); None if one."""
    text = _CODE_BLOCK.sub(" ", text)
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if len(part.strip()) > 2]
    if len(sentences) < 2:
        return None
    asking = [sentence for sentence in sentences if sentence.rstrip().endswith("?")]
    return (asking or sentences)[-1]
