"""Embeds for answers, suggestions, topic lists and help, always inside Discord's limits.

Pure functions (no I/O), so every limit is unit-tested. Discord answers 400 to a message whose
embeds break a limit, so long text is split into pages here rather than cut off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.answers.text import NO_MATCH_REPLY
from bot.discord.limits import DESCRIPTION_MAX, FIELD_VALUE_MAX, FOOTER_MAX, TITLE_MAX, clip
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.knowledge.staleness import freshness_note

# Our own choices, within Discord's limits (bot.discord.limits)
PAGE_CHARS = 2000  # one screen of answer; leaves room for title, Related and footer in 6,000
TOPICS_PER_PAGE = 15
COLOUR = discord.Colour(0x2B8A3E)
_SEPARATORS = ("\n\n", "\n", ". ", " ")


def split_text(text: str, limit: int = PAGE_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraphs, else lines, sentences, words.

    Only a single word longer than `limit` is cut inside. Joining the pieces gives the text
    back up to whitespace at the cuts.
    """
    return _split(text, limit, _SEPARATORS)


def _split(text: str, limit: int, separators: Sequence[str]) -> list[str]:
    if len(text.strip()) <= limit:
        return [text.strip()] if text.strip() else []
    if not separators:
        text = text.strip()
        return [text[start : start + limit] for start in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    parts = text.split(separator)
    units = [part + separator for part in parts[:-1]] + parts[-1:]  # "".join(units) == text
    pieces: list[str] = []
    current = ""
    for unit in units:
        if len((current + unit).strip()) <= limit:
            current += unit
            continue
        if current.strip():
            pieces.append(current.strip())
        current = ""
        if len(unit.strip()) <= limit:
            current = unit
        else:
            pieces.extend(_split(unit, limit, finer))
    if current.strip():
        pieces.append(current.strip())
    return pieces


def answer_pages(entry: Entry) -> list[str]:
    return split_text(entry.answer) or [entry.title]


def related_titles(entry: Entry, knowledge: KnowledgeBase) -> list[str]:
    return [item.title for rid in entry.related if (item := knowledge.get(rid)) is not None]


def _bullets(lines: Iterable[str], limit: int) -> str:
    """As many "• line" rows as fit in `limit` characters."""
    out: list[str] = []
    size = 0
    for line in lines:
        row = f"• {clip(line, 200)}"
        if size + len(row) + 1 > limit:
            break
        out.append(row)
        size += len(row) + 1
    return "\n".join(out)


def answer_embed(entry: Entry, knowledge: KnowledgeBase, page: int = 0) -> discord.Embed:
    """One page of an answer: title, text, related topics, "topic: <id>" (and the page)."""
    pages = answer_pages(entry)
    page = min(max(page, 0), len(pages) - 1)
    embed = discord.Embed(
        title=clip(entry.title, TITLE_MAX), description=pages[page], colour=COLOUR
    )
    related = _bullets(related_titles(entry, knowledge), FIELD_VALUE_MAX)
    if related:
        embed.add_field(name="Related", value=related, inline=False)
    footer = f"topic: {entry.id}"
    if (freshness := freshness_note(entry)) is not None:
        footer += f" · {freshness}"
    if len(pages) > 1:
        footer += f" · page {page + 1}/{len(pages)}"
    return embed.set_footer(text=clip(footer, FOOTER_MAX))


def suggest_embed(entries: Sequence[Entry]) -> discord.Embed:
    """ "Did you mean": the closest topics, also offered as buttons."""
    listing = "\n".join(
        f"{number}. {clip(entry.title, 200)}" for number, entry in enumerate(entries, 1)
    )
    description = f"I'm not sure which topic you mean. Pick one:\n\n{listing}"
    return discord.Embed(title="Did you mean…", description=description, colour=COLOUR)


def no_match_embed(popular: Sequence[Entry]) -> discord.Embed:
    """A kind "I don't know" that says the question was noted and offers popular topics."""
    description = (
        f"{NO_MATCH_REPLY}\n\nI've noted the question (not who asked) so moderators can add "
        "an answer. Try rephrasing it, or browse with `/topics`."
    )
    embed = discord.Embed(title="No answer yet", description=description, colour=COLOUR)
    if popular:
        embed.add_field(
            name="Popular topics",
            value=_bullets((entry.title for entry in popular), FIELD_VALUE_MAX),
            inline=False,
        )
    return embed


def not_found_embed(closest: Sequence[Entry]) -> discord.Embed:
    """For an id typed by hand that does not exist: the closest topics instead."""
    description = "I don't have a topic by that name."
    if closest:
        description += " Did you mean one of these?\n\n" + _bullets(
            (f"{entry.title} (`{entry.id}`)" for entry in closest), 1500
        )
    else:
        description += " Browse them all with `/topics`."
    return discord.Embed(title="No such topic", description=description, colour=COLOUR)


def topic_listing(knowledge: KnowledgeBase, category: str | None) -> list[Entry]:
    return list(knowledge) if category is None else knowledge.in_category(category)


def topics_page_count(knowledge: KnowledgeBase, category: str | None) -> int:
    count = len(topic_listing(knowledge, category))
    return max(1, -(-count // TOPICS_PER_PAGE))


def topics_embed(knowledge: KnowledgeBase, category: str | None, page: int = 0) -> discord.Embed:
    """One page of the topic list (one category, or all grouped by category)."""
    entries = topic_listing(knowledge, category)
    pages = topics_page_count(knowledge, category)
    page = min(max(page, 0), pages - 1)
    shown = entries[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    lines: list[str] = []
    heading = None
    for entry in shown:
        if category is None and entry.category != heading:
            heading = entry.category
            lines.append(f"**{heading}**")
        lines.append(f"• {clip(entry.title, 120)} — `{entry.id}`")
    title = "Topics" if category is None else f"Topics: {category}"
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or "No topics here yet.",
        colour=COLOUR,
    )
    footer = "Open one with /topic" + (f" · page {page + 1}/{pages}" if pages > 1 else "")
    return embed.set_footer(text=footer)


def help_embed(
    commands: Sequence[tuple[str, str]], *, message_content: bool, rate: int, per_seconds: int
) -> discord.Embed:
    """Everything in one embed: commands (from the command tree), free text, feedback, limits."""
    listing = "\n".join(f"`/{name}` — {clip(about, 100)}" for name, about in commands)
    description = clip(
        "I answer questions about machine-learning careers: roles, salaries, certifications, "
        "education, skills, portfolios and networking.\n\n" + listing,
        DESCRIPTION_MAX,
    )
    embed = discord.Embed(title="CareerBot help", description=description, colour=COLOUR)
    free_text = (
        "Mention me with a question (`@CareerBot how do I become an MLOps engineer?`) and I "
        "reply to your message."
    )
    if message_content:
        free_text += (
            " In the server's ask channel (`/config ask-channel`) I answer every question, and "
            "in its help forum (`/config help-forum`) each new post, once."
        )
    else:
        free_text += " (This bot runs without the Message Content intent, so only mentions work.)"
    embed.add_field(name="Free text", value=free_text, inline=False)
    embed.add_field(
        name="Answers",
        value=(
            "When I'm unsure I offer the closest topics as buttons. Long answers have "
            "Previous/Next buttons. Press Helpful or Not helpful under an answer: one vote per "
            "person per answer, and pressing the other button changes it."
        ),
        inline=False,
    )
    embed.add_field(
        name="Limits",
        value=f"Up to {rate} questions per {per_seconds} seconds each. I never ping anyone.",
        inline=False,
    )
    return embed
