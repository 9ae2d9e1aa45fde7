"""Pure parts of the Discord front end: page splitting and embed limits, topic lookup, cooldown,
custom ids. No network, no database."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.answers.discord as answers_discord
import bot.moderation.discord as moderation_discord
import bot.privacy.discord as privacy_discord
import bot.roadmap.discord as roadmap_discord
import bot.settings.discord as settings_discord
from bot.answers.discord.components import PageButton, PickButton, TopicsButton, VoteButton
from bot.answers.discord.embeds import (
    PAGE_CHARS,
    answer_embed,
    answer_pages,
    help_embed,
    split_text,
    topics_embed,
    topics_page_count,
)
from bot.answers.lookup import resolve, search
from bot.answers.ratelimit import RateLimiter, wait_text
from bot.discord.confirm import CancelButton
from bot.discord.limits import CHOICES_MAX
from bot.knowledge import KnowledgeBase
from bot.knowledge.models import Entry
from tests.discord.entries import long_entry
from tests.harness import limits


def squash(text: str) -> str:
    return "".join(text.split())


def test_every_persistent_button_is_registered_by_its_feature() -> None:
    """Fails when a DynamicItem is not in its feature's DYNAMIC_ITEMS: its clicks would die
    with the next restart."""

    def subclasses(cls: type) -> set[type]:
        return {sub for child in cls.__subclasses__() for sub in (child, *subclasses(child))}

    features = (answers_discord, moderation_discord, privacy_discord, roadmap_discord)
    registered = {item for feature in features for item in feature.DYNAMIC_ITEMS}
    defined = {c for c in subclasses(discord.ui.DynamicItem) if c.__module__.startswith("bot.")}
    assert defined == registered | {CancelButton}  # Cancel: shared, registered by the bot
    assert settings_discord.DYNAMIC_ITEMS == ()


@given(
    st.text(alphabet=st.sampled_from("ab .\n-*"), max_size=3000),
    st.sampled_from([5, 40, 300, PAGE_CHARS]),
)
def test_split_text_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert squash("".join(pieces)) == squash(text)


def test_split_text_prefers_paragraphs_then_lines() -> None:
    first, second = "a" * 30, "b" * 30
    assert split_text(f"{first}\n\n{second}", 50) == [first, second]
    lines = "\n".join(f"- item {n}" for n in range(10))
    pieces = split_text(lines, 30)
    assert all(piece.startswith("- item") for piece in pieces)  # never cut inside a line
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # one huge word: cut


def test_long_answer_pages_fit_discord(bundled_knowledge: KnowledgeBase) -> None:
    entry = long_entry()
    knowledge = bundled_knowledge.replace_entries([*bundled_knowledge, entry])
    pages = answer_pages(entry)
    assert len(pages) == 2 and squash("".join(pages)) == squash(entry.answer)
    for page in range(len(pages)):
        embed = answer_embed(entry, knowledge, page).to_dict()
        assert limits.problems({"embeds": [embed]}) == []
        assert embed["footer"]["text"] == f"topic: long-answer · page {page + 1}/2"
        assert embed["fields"][0]["name"] == "Related"


def test_oversized_answer_from_an_old_layer_still_fits(bundled_knowledge: KnowledgeBase) -> None:
    """An entry built without validation (as a stored layer from before a schema change could
    be) with 20,000 characters and 40 related topics: paged, every page within limits."""
    base = long_entry()
    entry = Entry.model_construct(
        **{**dict(base), "answer": (base.answer + "\n\n") * 5, "related": bundled_knowledge.ids()}
    )
    pages = answer_pages(entry)
    assert len(pages) >= 10
    for page in range(len(pages)):
        embed = answer_embed(entry, bundled_knowledge, page).to_dict()
        assert limits.problems({"embeds": [embed]}) == [], page
    assert squash("".join(pages)) == squash(entry.answer)


def test_topics_pages_list_every_entry_once(bundled_knowledge: KnowledgeBase) -> None:
    seen: list[str] = []
    pages = topics_page_count(bundled_knowledge, None)
    assert pages > 1
    for page in range(pages):
        embed = topics_embed(bundled_knowledge, None, page).to_dict()
        assert limits.problems({"embeds": [embed]}) == []
        seen += [
            line.rsplit("`", 2)[1] for line in embed["description"].splitlines() if "`" in line
        ]
    assert seen == bundled_knowledge.ids()


def test_help_embed_fits_with_many_commands() -> None:
    commands = [(f"command-{n}", "d" * 100) for n in range(60)]
    embed = help_embed(commands, message_content=False, rate=5, per_seconds=30).to_dict()
    assert limits.problems({"embeds": [embed]}) == []
    assert "only mentions work" in embed["fields"][0]["value"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mlops enginer", "mlops-engineer"),
        ("linkdin", "linkedin"),
        ("computer vison", "computer-vision-engineer"),
        ("cert-aws", "cert-aws"),
        ("KAGGLE", "kaggle"),
    ],
)
def test_search_is_fuzzy_on_titles_and_ids(
    bundled_knowledge: KnowledgeBase, typed: str, expected: str
) -> None:
    assert search(bundled_knowledge, typed, CHOICES_MAX)[0].id == expected


def test_search_limits_and_empty_queries(bundled_knowledge: KnowledgeBase) -> None:
    assert len(search(bundled_knowledge, "", CHOICES_MAX)) == CHOICES_MAX
    assert len(search(bundled_knowledge, "e", CHOICES_MAX)) <= CHOICES_MAX
    assert search(bundled_knowledge, "zzqxv", CHOICES_MAX) == []
    salaries = bundled_knowledge.in_category("salaries")
    assert {e.category for e in search(salaries, "salry", CHOICES_MAX)} == {"salaries"}


def test_resolve_takes_ids_and_exact_titles_only(bundled_knowledge: KnowledgeBase) -> None:
    python = bundled_knowledge.get("python")
    assert python is not None
    assert resolve(bundled_knowledge, " Python ") is python
    assert resolve(bundled_knowledge, python.title.upper()) is python
    assert resolve(bundled_knowledge, "pyth") is None  # no guessing: closest matches instead


def test_rate_limiter_sliding_window() -> None:
    now = [100.0]
    limiter = RateLimiter(5, 30, clock=lambda: now[0])
    for _ in range(5):
        assert limiter.check("alice") is None
        now[0] += 1
    assert limiter.check("alice") == pytest.approx(25.0)  # first question at 100, now 105
    assert limiter.check("bob") is None  # per user
    assert limiter.first_refusal("alice", 25.0) and not limiter.first_refusal("alice", 24.0)
    now[0] = 130.5  # the first question left the window; the refused one was not counted
    assert limiter.check("alice") is None
    assert limiter.check("alice") is not None


def test_wait_text_rounds_up() -> None:
    assert wait_text(0.2) == "You're asking fast — try again in 1 s."
    assert wait_text(24.1) == "You're asking fast — try again in 25 s."


def test_custom_ids_fit_for_the_longest_ids() -> None:
    entry_id = "-".join(["abcdefg"] * 8)[:64].rstrip("-")
    items = [
        VoteButton(entry_id, True),
        PageButton(entry_id, 999, "Next"),
        PickButton(99999999999999999999, entry_id, label="t" * 200),
        TopicsButton("certifications", 999, "Next"),
    ]
    for item in items:
        custom_id = item.item.custom_id
        assert custom_id is not None and len(custom_id) <= 100
        assert type(item).__discord_ui_compiled_template__.fullmatch(custom_id)
    assert len(items[2].item.label or "") == 80
