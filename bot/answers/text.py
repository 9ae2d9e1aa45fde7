"""Plain-text rendering for the terminal and the CLI (Discord uses embeds instead)."""

from __future__ import annotations

import re
import textwrap

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.knowledge.staleness import freshness_note
from bot.matching.engine import MatchResult, Outcome

_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1")
_BULLET = re.compile(r"^(\s*)([-*•]|\d+[.)])\s+")

USAGE_HINT = 'Ask me anything about machine-learning careers, e.g. "how much do ML engineers make?"'
NO_MATCH_REPLY = (
    "I don't have a good answer for that one. I know about ML roles, salaries, certifications, "
    "education, skills, portfolios and networking."
)
SMALLTALK_REPLIES = {
    "greeting": "Hi! I'm CareerBot. Ask me about getting into machine learning.",
    "thanks": "You're welcome! Good luck on your ML journey.",
    "farewell": "Bye! Come back with more questions any time.",
}


def plain(markdown: str) -> str:
    """Discord markdown without the markup characters."""
    return _EMPHASIS.sub(r"\2", markdown)


def wrap(text: str, width: int) -> str:
    """Wrap paragraphs to `width`, keeping bullets' hanging indent."""
    lines: list[str] = []
    for line in text.splitlines():
        bullet = _BULLET.match(line)
        indent = " " * len(bullet.group(0)) if bullet else ""
        lines.append(
            textwrap.fill(
                line, width=max(width, 20), subsequent_indent=indent, break_on_hyphens=False
            )
            if line.strip()
            else ""
        )
    return "\n".join(lines)


def entry_text(entry: Entry, knowledge: KnowledgeBase) -> str:
    related = [knowledge.get(rid) for rid in entry.related]
    titles = [f"{item.title} ({item.id})" for item in related if item]
    parts = [entry.title.upper(), "", plain(entry.answer).strip()]
    if titles:
        parts += ["", "Related: " + "; ".join(titles)]
    if (freshness := freshness_note(entry)) is not None:
        parts += ["", freshness[0].upper() + freshness[1:] + "."]
    parts += ["", f"[topic: {entry.id}]"]
    return "\n".join(parts)


def smalltalk_reply(kind: str | None) -> str:
    return SMALLTALK_REPLIES.get(kind or "", NO_MATCH_REPLY)


def result_text(result: MatchResult, knowledge: KnowledgeBase) -> str:
    """The whole reply to a question, as the terminal and `careerbot ask` print it."""
    if result.outcome is Outcome.EMPTY:
        return USAGE_HINT
    if result.entry is not None:
        return entry_text(result.entry, knowledge)
    if result.outcome is Outcome.SUGGEST:
        options = "\n".join(
            f"  {number}. {candidate.title} ({candidate.id})"
            for number, candidate in enumerate(result.candidates, start=1)
        )
        return f"I'm not sure what you mean. Did you mean:\n{options}"
    return smalltalk_reply(result.smalltalk)
