"""Buttons under the bot's messages, and the replies that carry them.

Every button is a `DynamicItem`: its custom id holds all it needs (entry id, page, category,
asker), matched by a regex template. A click is handled the same way whether the message was
sent a second ago or before a restart; no view state lives in memory. Custom ids are at most
100 characters (prefix + 64-character entry id + numbers).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from functools import partial
from typing import Any

import discord

from bot.answers.discord.embeds import (
    answer_embed,
    answer_pages,
    no_match_embed,
    suggest_embed,
    topics_embed,
    topics_page_count,
)
from bot.answers.feedback import UnknownTopic, VoteChange, VoteResult
from bot.answers.text import USAGE_HINT, smalltalk_reply
from bot.discord.common import NO_PINGS, Reply, knowledge_now, respond, say, services_of
from bot.discord.components import GuardedItem, persistent_view
from bot.discord.limits import BUTTON_LABEL_MAX, BUTTONS_MAX, ROW_MAX, Button, clip
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Entry
from bot.matching.engine import MatchResult, Outcome

ALL = "*"  # the topics list of every category
GONE = "That topic is no longer available. Browse the current ones with `/topics`."
VOTE_ID = r"careerbot:vote:(?P<helpful>[01]):(?P<entry>[a-z0-9-]+)"
PAGE_ID = r"careerbot:page:(?P<entry>[a-z0-9-]+):(?P<page>\d{1,3})"
DAY_SECONDS = 24 * 60 * 60.0


class FirstClicks:
    """Which keys (say, a message and a member) were clicked in the last `ttl` seconds, at
    most `size` of them, so a button can act only on the first click of each.

    In memory: after a restart a key may count once more, which is fine for what this guards
    (public posts and statistics, not permissions).
    """

    def __init__(self, ttl: float = DAY_SECONDS, size: int = 50_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[Hashable, float] = OrderedDict()  # oldest first

    def first(self, key: Hashable) -> bool:
        """True the first time `key` is seen (and remembers it); False after that."""
        now = time.monotonic()
        while self._seen and now - next(iter(self._seen.values())) > self.ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: Hashable) -> None:
        """Let `key` count again (its action failed)."""
        self._seen.pop(key, None)


COUNTED_PICKS = FirstClicks()  # messages whose "did you mean" pick was counted in topic stats


class VoteButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=VOTE_ID,
):
    """Helpful / Not helpful under an answer; the vote is keyed by the clicked message."""

    def __init__(self, entry_id: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"careerbot:vote:{int(helpful)}:{entry_id}",
            )
        )
        self.entry_id, self.helpful = entry_id, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(match["entry"], match["helpful"] == "1")

    async def clicked(self, interaction: discord.Interaction) -> None:
        assert interaction.message is not None  # components always come with their message
        await interaction.response.defer(ephemeral=True, thinking=True)  # a database write
        try:
            result = await services_of(interaction).feedback.vote(
                interaction.message.id,
                interaction.user.id,
                interaction.guild_id,
                self.entry_id,
                self.helpful,
            )
        except UnknownTopic:
            await say(interaction, GONE)
            return
        await interaction.followup.send(
            vote_text(result), ephemeral=True, allowed_mentions=NO_PINGS
        )


def vote_text(result: VoteResult) -> str:
    word = "helpful" if result.helpful else "not helpful"
    if result.change is VoteChange.CHANGED:
        return f"Changed your vote to **{word}**; it replaces your earlier vote on this answer."
    if result.change is VoteChange.SAME:
        return f"You already marked this answer as **{word}**; nothing changed."
    return f"Thanks! Noted as **{word}**. Moderators use these votes to improve answers."


class PageButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=PAGE_ID,
):
    """Previous / Next on a long answer: shows page `page` of the entry in place."""

    def __init__(self, entry_id: str, page: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:page:{entry_id}:{page}",
                disabled=disabled,
            )
        )
        self.entry_id, self.page = entry_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["entry"], int(match["page"]), "page")

    async def clicked(self, interaction: discord.Interaction) -> None:
        knowledge = await knowledge_now(services_of(interaction), interaction.guild_id)
        entry = knowledge.get(self.entry_id)
        if entry is None:
            await say(interaction, GONE)
            return
        if interaction.message is None:  # components always come with their message
            reply = answer_reply(entry, knowledge, self.page)
        else:
            reply = turned_page(interaction.message, entry, knowledge, self.page)
        await interaction.response.edit_message(**reply.edit_kwargs())


class PickButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:pick:(?P<asker>\d{1,20}):(?P<entry>[a-z0-9-]+)",
):
    """One "did you mean" topic. The asker's click turns the message into that answer; anyone
    else gets the answer just for themselves, so nobody rewrites another member's message.
    The first pick on a message counts in the topic statistics, later ones do not."""

    def __init__(self, asker_id: int, entry: Entry | str, *, label: str | None = None) -> None:
        entry_id = entry if isinstance(entry, str) else entry.id
        title = label or (entry if isinstance(entry, str) else entry.title)
        super().__init__(
            discord.ui.Button(
                label=clip(title, BUTTON_LABEL_MAX),
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:pick:{asker_id}:{entry_id}",
            )
        )
        self.asker_id, self.entry_id = asker_id, entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PickButton:
        return cls(int(match["asker"]), match["entry"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        knowledge = await knowledge_now(services, interaction.guild_id)
        entry = knowledge.get(self.entry_id)
        if entry is None:
            await say(interaction, GONE)
            return
        reply = answer_reply(entry, knowledge)
        if self.is_asker(interaction):
            await interaction.response.edit_message(**reply.edit_kwargs())
        else:
            reply.ephemeral = True
            await respond(interaction, reply)
        message = interaction.message
        if message is None or COUNTED_PICKS.first(message.id):
            await services.ask.record_answer(interaction.guild_id, entry.id)  # after answering

    def is_asker(self, interaction: discord.Interaction) -> bool:
        """The clicker asked the question: the asker in the custom id and, when the message
        answered a slash command, also the member Discord says ran it."""
        if interaction.user.id != self.asker_id:
            return False
        metadata = interaction.message.interaction_metadata if interaction.message else None
        return metadata is None or metadata.user.id == interaction.user.id


class TopicsButton(
    GuardedItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:topics:(?P<category>[a-z0-9-]+|\*):(?P<page>\d{1,3})",
):
    """Previous / Next on the /topics list."""

    def __init__(
        self, category: str | None, page: int, label: str, *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:topics:{category or ALL}:{page}",
                disabled=disabled,
            )
        )
        self.category = category
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TopicsButton:
        category = None if match["category"] == ALL else match["category"]
        return cls(category, int(match["page"]), "page")

    async def clicked(self, interaction: discord.Interaction) -> None:
        knowledge = await knowledge_now(services_of(interaction), interaction.guild_id)
        reply = topics_reply(knowledge, self.category, self.page)
        await interaction.response.edit_message(**reply.edit_kwargs())


def _pager(page: int, pages: int, make: Any) -> list[discord.ui.Item[Any]]:
    """Previous / Next items; their custom ids differ because their target pages differ."""
    return [
        make(max(page - 1, 0), "◀ Previous", disabled=page <= 0),
        make(min(page + 1, pages - 1), "Next ▶", disabled=page >= pages - 1),
    ]


def answer_items(
    entry_id: str, page: int = 0, pages: int = 1, *, votes: bool = True
) -> list[discord.ui.Item[Any]]:
    """The buttons of an answer: Previous / Next when it has pages, then Helpful / Not helpful
    (at most four, so they fit one row next to a message's other buttons)."""
    items: list[discord.ui.Item[Any]] = []
    if pages > 1:
        items += _pager(page, pages, partial(PageButton, entry_id))
    if votes:
        items += [VoteButton(entry_id, True), VoteButton(entry_id, False)]
    return items


def answer_parts(
    entry: Entry, knowledge: KnowledgeBase, page: int = 0, *, votes: bool = True
) -> tuple[discord.Embed, list[discord.ui.Item[Any]]]:
    """One page of an answer and its buttons, for a message that may carry more (e.g.
    /roadmap next puts them under the item, next to Mark done)."""
    pages = len(answer_pages(entry))
    page = min(max(page, 0), pages - 1)
    return answer_embed(entry, knowledge, page), answer_items(entry.id, page, pages, votes=votes)


def answer_reply(
    entry: Entry,
    knowledge: KnowledgeBase,
    page: int = 0,
    *,
    ephemeral: bool = False,
    votes: bool = True,
) -> Reply:
    """An answer (one page of it) with paging and, unless `votes` is False, feedback buttons."""
    embed, items = answer_parts(entry, knowledge, page, votes=votes)
    view = persistent_view(*items) if items else None
    return Reply(embeds=[embed], view=view, ephemeral=ephemeral)


def pick_view(asker_id: int, entries: Sequence[Entry]) -> discord.ui.View | None:
    if not entries:
        return None
    return persistent_view(*(PickButton(asker_id, entry) for entry in entries[:BUTTONS_MAX]))


def turned_page(
    message: discord.Message, entry: Entry, knowledge: KnowledgeBase, page: int
) -> Reply:
    """The clicked message with `page` of `entry`'s answer: that answer's embed and buttons
    are replaced, everything else on the message (its text, other embeds, other buttons such
    as Mark done under /roadmap next) stays as it is."""
    rows = [
        list(getattr(component, "children", ()))
        for component in message.components  # action rows: answers carry buttons only
    ]
    kinds = {
        child.custom_id: _answer_button(child.custom_id, entry.id)
        for row in rows
        for child in row
        if getattr(child, "custom_id", None)
    }
    embed, items = answer_parts(entry, knowledge, page, votes="vote" in kinds.values())
    embeds = [embed if _shows_answer(old, entry.id) else old for old in message.embeds]
    if not any(_shows_answer(old, entry.id) for old in message.embeds):
        embeds.append(embed)
    view = discord.ui.View(timeout=None)
    answer_row: int | None = None
    for number, row in enumerate(rows):
        for child in row:
            if kinds.get(getattr(child, "custom_id", None)):
                answer_row = number if answer_row is None else answer_row
            elif isinstance(child, discord.components.Button):
                view.add_item(_KeptButton(child, number))
    kept_there = sum(1 for item in view.children if item.row == answer_row)
    for item in items:
        if answer_row is not None and kept_there + len(items) <= ROW_MAX:  # else: a free row
            item.row = answer_row
        view.add_item(item)
    return Reply(content=message.content or None, embeds=embeds, view=view)


def _answer_button(custom_id: str | None, entry_id: str) -> str | None:
    """The kind ("page" or "vote") of a button of `entry_id`'s answer, else None."""
    for kind, template in (("page", PAGE_ID), ("vote", VOTE_ID)):
        match = re.fullmatch(template, custom_id or "")
        if match is not None and match["entry"] == entry_id:
            return kind
    return None


def _shows_answer(embed: discord.Embed, entry_id: str) -> bool:
    """An answer embed of `entry_id` (its footer: "topic: <id>", then maybe " · page n/m")."""
    return (embed.footer.text or "").split(" · ")[0] == f"topic: {entry_id}"


class _KeptButton(discord.ui.Button[discord.ui.View]):
    """A button of the clicked message sent again as it was. Clicks on it still reach the
    DynamicItem its custom id matches, so this copy never takes them (not dispatchable)."""

    def __init__(self, button: discord.components.Button, row: int) -> None:
        super().__init__(
            style=button.style,
            label=button.label,
            disabled=button.disabled,
            custom_id=button.custom_id,
            url=button.url,
            emoji=button.emoji,
            row=row,
            sku_id=button.sku_id,
        )

    def is_dispatchable(self) -> bool:
        return False


def topics_reply(
    knowledge: KnowledgeBase, category: str | None, page: int = 0, *, ephemeral: bool = False
) -> Reply:
    pages = topics_page_count(knowledge, category)
    page = min(max(page, 0), pages - 1)
    pager = _pager(page, pages, partial(TopicsButton, category)) if pages > 1 else []
    view = persistent_view(*pager) if pager else None
    return Reply(embeds=[topics_embed(knowledge, category, page)], view=view, ephemeral=ephemeral)


def result_reply(
    result: MatchResult, knowledge: KnowledgeBase, popular: Sequence[Entry], asker_id: int
) -> Reply:
    """The reply to a question: the answer, "did you mean" buttons, or a kind "no answer"."""
    if result.outcome is Outcome.EMPTY:
        return Reply(content=USAGE_HINT)
    if result.entry is not None:
        return answer_reply(result.entry, knowledge)
    if result.outcome is Outcome.SUGGEST:
        entries = [candidate.entry for candidate in result.suggestions]
        return Reply(embeds=[suggest_embed(entries)], view=pick_view(asker_id, entries))
    if result.smalltalk:
        return Reply(content=smalltalk_reply(result.smalltalk))
    return Reply(embeds=[no_match_embed(popular)], view=pick_view(asker_id, popular))
