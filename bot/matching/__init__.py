"""Fuzzy question answering over the knowledge base."""

from bot.matching.engine import Candidate, Matcher, MatchResult, Outcome, Thresholds
from bot.matching.normalize import MAX_QUESTION_CHARS, Normalizer

__all__ = [
    "MAX_QUESTION_CHARS",
    "Candidate",
    "MatchResult",
    "Matcher",
    "Normalizer",
    "Outcome",
    "Thresholds",
]
