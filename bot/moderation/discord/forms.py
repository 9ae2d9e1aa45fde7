"""The /kb add and /kb edit form (a modal), and "Fix and resubmit" under a rejected one.

Modals cannot be `DynamicItem`s in discord.py, so an open form lives in memory for an hour.
What a moderator typed into a rejected form is kept for as long (per server, member and form),
so the button's custom id only needs the entry id; after a restart the form opens fresh.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

import discord

from bot.discord.common import Reply, bot_of, guild_of, in_time, respond, say, services_of
from bot.discord.components import GuardedForm, persistent_view
from bot.discord.limits import MODAL_TITLE_MAX, TEXT_INPUT_MAX, Button, Select, TextInput, clip
from bot.knowledge.layers import DEFAULT_CATEGORY, normalize_id
from bot.knowledge.models import CATEGORIES, MAX_ANSWER, MAX_ID, MAX_TITLE, Entry
from bot.knowledge.staleness import REVIEW_INTERVAL
from bot.moderation.discord.access import ModeratorItem, begin, not_found, reject, saved
from bot.moderation.discord.text import conflict_embed
from bot.moderation.rules import EditConflict, KnowledgeEditError

FormKey = tuple[int, int, str]  # server, member, the entry id edited (NEW: a new entry)
COG_NAME = "KnowledgeModeration"  # the /kb cog, which owns the drafts
NEW = "+"  # the form key of a new entry (ids never contain "+")
FORM_SECONDS = 3600.0  # how long an open form, or a rejected form's text, is kept


class Draft(NamedTuple):
    """What a moderator typed into a rejected form, and the revision the form was opened on."""

    values: dict[str, str]
    revision: int | None  # None: a new entry


class Drafts:
    """Rejected forms' text by (server, member, form), at most `size`, each for `ttl` s."""

    def __init__(self, ttl: float = FORM_SECONDS, size: int = 256) -> None:
        self.ttl, self.size = ttl, size
        self._items: OrderedDict[FormKey, tuple[float, Draft]] = OrderedDict()

    def keep(self, key: FormKey, values: Mapping[str, str], revision: int | None = None) -> None:
        self._items[key] = (time.monotonic(), Draft(dict(values), revision))
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: FormKey) -> Draft | None:
        found = self._items.get(key)
        if found is None or time.monotonic() - found[0] > self.ttl:
            self._items.pop(key, None)
            return None
        return Draft(dict(found[1].values), found[1].revision)

    def drop(self, key: FormKey) -> None:
        self._items.pop(key, None)


def drafts_of(interaction: discord.Interaction) -> Drafts:
    cog = bot_of(interaction).get_cog(COG_NAME)
    drafts = getattr(cog, "drafts", None)
    return drafts if isinstance(drafts, Drafts) else Drafts(size=0)


def form_key(interaction: discord.Interaction, entry_id: str | None) -> FormKey:
    return (guild_of(interaction), interaction.user.id, entry_id or NEW)


def entry_values(entry: Entry) -> dict[str, str]:
    """An entry's text as the form shows it (questions one per line)."""
    return {
        "title": entry.title,
        "questions": "\n".join(entry.questions),
        "answer": entry.answer,
        "category": entry.category,
    }


class EntryForm(GuardedForm):
    """Id (new entries only), title, questions one per line, answer and category. An edit form
    remembers the entry's revision it shows, so a submit after someone else's save is refused
    instead of silently putting the older text back."""

    def __init__(
        self, entry_id: str | None, values: Mapping[str, str], revision: int | None = None
    ) -> None:
        title = "Add a knowledge entry" if entry_id is None else f"Edit {entry_id}"
        super().__init__(title=clip(title, MODAL_TITLE_MAX), timeout=FORM_SECONDS)
        self.entry_id, self.revision = entry_id, revision
        self.inputs: dict[str, TextInput] = {}
        if entry_id is None:
            self._text("id", "Id", "lower-case words joined by -, e.g. study-group", MAX_ID, values)
        self._text("title", "Title", "shown above the answer", MAX_TITLE, values)
        if len(values.get("questions", "")) <= TEXT_INPUT_MAX:  # 60 long ones may not fit
            self._text(
                "questions", "Questions", "one per line, as members would ask", TEXT_INPUT_MAX,
                values, paragraph=True,
            )  # fmt: skip
        self._text("answer", "Answer", "Discord markdown", MAX_ANSWER, values, paragraph=True)
        current = values.get("category") or DEFAULT_CATEGORY
        self.category: Select = discord.ui.Select(
            custom_id="category",
            options=[discord.SelectOption(label=c, default=c == current) for c in CATEGORIES],
        )
        self.add_item(discord.ui.Label(text="Category", component=self.category))

    def _text(
        self,
        name: str,
        label: str,
        hint: str,
        limit: int,
        values: Mapping[str, str],
        *,
        paragraph: bool = False,
    ) -> None:
        field: TextInput = discord.ui.TextInput(
            custom_id=name,
            style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
            default=(values.get(name) or "")[:limit] or None,  # Discord refuses longer
            max_length=limit,
        )
        self.inputs[name] = field
        self.add_item(discord.ui.Label(text=label, description=hint, component=field))

    def values(self) -> dict[str, str]:
        typed = {name: field.value for name, field in self.inputs.items()}
        return {**typed, "category": next(iter(self.category.values), DEFAULT_CATEGORY)}

    async def submitted(self, interaction: discord.Interaction) -> None:
        # checks the member after deferring
        await submit_entry(interaction, self.entry_id, self.values(), self.revision)


async def open_entry_form(
    interaction: discord.Interaction,
    entry_id: str | None,
    question: str | None = None,
    *,
    resume: bool = False,
) -> None:
    """Send the form: with `resume`, the member's rejected draft if it is still kept; else the
    entry's current text (edit) or an empty form with `question` as its question (add)."""
    entry_id = normalize_id(entry_id) if entry_id is not None else None
    draft = drafts_of(interaction).get(form_key(interaction, entry_id)) if resume else None
    if draft is None and entry_id is not None:
        guild_id = guild_of(interaction)
        try:
            state = await in_time(  # the form must be the first response: no defer
                interaction, services_of(interaction).moderation.show(guild_id, entry_id)
            )
        except KnowledgeEditError:
            await say(interaction, not_found(entry_id))
            return
        draft = Draft(entry_values(state.text), state.revision)
        entry_id = state.entry_id
    if draft is None:
        draft = Draft({"questions": question or ""}, None)
    await interaction.response.send_modal(EntryForm(entry_id, draft.values, draft.revision))


def reviewed_today(current: Entry | None) -> dict[str, str]:
    """A moderator who saves the form has just read the entry: its facts count as checked
    today, and a dated entry's next check moves on by the usual interval."""
    today = dt.datetime.now(dt.UTC).date()
    dates = {"reviewed": today.isoformat()}
    if current is not None and current.review_by is not None:
        dates["review_by"] = (today + REVIEW_INTERVAL).isoformat()
    return dates


async def submit_entry(
    interaction: discord.Interaction,
    entry_id: str | None,
    values: dict[str, str],
    revision: int | None = None,
) -> None:
    """Save a submitted form; on problems keep the text and offer to fix it. An edit of an
    entry that changed since the form was opened is refused with the difference."""
    if not await begin(interaction):
        return
    moderation = services_of(interaction).moderation
    guild_id, author = guild_of(interaction), interaction.user.id
    key = form_key(interaction, entry_id)
    current = None if entry_id is None else await moderation.knowledge.entry(guild_id, entry_id)
    values = {**values, **reviewed_today(current)}
    try:
        if entry_id is None:
            change = await moderation.add(guild_id, values, author)
        else:
            change = await moderation.edit(guild_id, entry_id, values, author, if_revision=revision)
    except EditConflict as conflict:
        drafts_of(interaction).drop(key)
        view = persistent_view(ReopenButton(conflict.entry_id))
        await respond(
            interaction, Reply(embeds=[conflict_embed(conflict)], view=view, ephemeral=True)
        )
        return
    except KnowledgeEditError as error:
        drafts_of(interaction).keep(key, values, revision)
        await reject(interaction, error, persistent_view(FormButton(entry_id)))
        return
    drafts_of(interaction).drop(key)
    await saved(interaction, change)


class FormButton(
    ModeratorItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:kbform:(?P<entry>[a-z0-9-]{1,64}|\+)",
):
    """Under a rejected form: opens it again with what the moderator typed."""

    def __init__(self, entry_id: str | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Fix and resubmit",
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:kbform:{entry_id or NEW}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FormButton:
        return cls(None if match["entry"] == NEW else match["entry"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        await open_entry_form(interaction, self.entry_id, resume=True)


class ReopenButton(
    ModeratorItem,
    discord.ui.DynamicItem[Button],
    template=r"careerbot:kbform-current:(?P<entry>[a-z0-9-]{1,64})",
):
    """Under a refused edit: opens the form again on the entry's current text and revision."""

    def __init__(self, entry_id: str, label: str = "Edit the current text") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="✏️",
                style=discord.ButtonStyle.primary,
                custom_id=f"careerbot:kbform-current:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReopenButton:
        return cls(match["entry"])

    async def clicked(self, interaction: discord.Interaction) -> None:
        await open_entry_form(interaction, self.entry_id)
