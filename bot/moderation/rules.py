"""What each moderator action does to one layer row, and the checks it must pass.

Pure functions: given the entry's current row, its bundled text and the ids the server knows,
each `plan_*` returns the row's new state or raises KnowledgeEditError naming what to fix.
Validation reuses the YAML files' rules (validate_entry, cross_check), so a server can never
hold an entry that `careerbot kb validate` would reject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.layers import (
    DEFAULT_CATEGORY,
    LayerRow,
    normalize_id,
    normalize_phrase,
    text_data,
    with_aliases,
)
from bot.knowledge.loader import cross_check
from bot.knowledge.models import MAX_QUESTION, MAX_QUESTIONS, Entry, validate_entry
from bot.knowledge.yamlsource import DataFileError, ValidationIssue
from bot.moderation.diff import text_diff
from bot.moderation.layerfile import LayerFile

MAX_GAP_DAYS = 365  # how far back /kb gaps and `kb gaps --days` may look

if TYPE_CHECKING:  # the kb CLI imports these rules without any database code
    from bot.knowledge.layerstore import Revision

LIST_FIELDS = ("keywords", "related", "sources")
RowT = TypeVar("RowT", bound=LayerRow | None)  # a plan's new row, or None for no row


class KnowledgeEditError(DataFileError):
    """A change was rejected and nothing was saved; `issues` lists exactly what to fix."""


def guild_file(guild_id: int) -> str:
    """How issues name a server's layer (in place of a YAML file name)."""
    return f"<guild {guild_id}>"


@dataclass(frozen=True)
class EditContext:
    """Everything a plan needs to know about one entry id in one server."""

    guild_id: int
    entry_id: str
    row: LayerRow | None  # the server's current row, None when it never touched this id
    bundled: Entry | None  # the shipped text, None for ids the server added
    known_ids: frozenset[str]  # bundled ids plus ids whose text lives in the server's layer
    latest: Revision | None = None  # the entry's newest revision in this server

    @property
    def revision(self) -> int:
        """The entry's revision in this server: its newest revision id, 0 if it has none."""
        return self.latest.id if self.latest is not None else 0

    @property
    def file(self) -> str:
        return guild_file(self.guild_id)

    @property
    def current(self) -> LayerRow:
        return self.row or LayerRow(self.entry_id)

    @property
    def text(self) -> dict[str, Any] | None:
        """The entry text (without aliases) the server has now; None when there is none."""
        return text_data(self.row, self.bundled)

    def fail(self, message: str, field: str | None = None) -> KnowledgeEditError:
        return KnowledgeEditError([ValidationIssue(self.file, 0, self.entry_id, field, message)])

    def require_text(self) -> dict[str, Any]:
        text = self.text
        if text is None:
            raise self.fail("no such entry in this server")
        return text


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Form and command-line input as entry data: None means 'not given', questions one per
    line, keywords/related/sources comma-separated, related ids normalised."""
    cleaned: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "questions" and isinstance(value, str):
            value = [line for line in map(normalize_phrase, value.splitlines()) if line]
        elif key in LIST_FIELDS and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if key == "related" and isinstance(value, list):
            value = [normalize_id(item) if isinstance(item, str) else item for item in value]
        if key == "id" and isinstance(value, str):
            value = normalize_id(value)
        cleaned[key] = value
    return cleaned


def check_row(ctx: EditContext, row: LayerRow | None, line: int = 0) -> list[ValidationIssue]:
    """The files' rules applied to what the server would see for this id."""
    if row is None or (row.data is None and not row.aliases):
        return []
    data = text_data(row, ctx.bundled)
    if data is None:
        return []  # leftover aliases of a bundled entry that no longer exists: inert
    if row.data is not None:
        entry, issues = validate_entry(row.data, file=ctx.file, line_of=lambda _: line)
        if issues:
            return issues
    entry, issues = validate_entry(
        with_aliases(data, row.aliases), file=ctx.file, line_of=lambda _: line
    )
    if entry is None:
        return issues
    return cross_check([(entry, ctx.file, line)], known_ids=ctx.known_ids | {entry.id})


def _validated(ctx: EditContext, data: Mapping[str, Any]) -> Entry:
    entry, issues = validate_entry(dict(data), file=ctx.file)
    if entry is None:
        raise KnowledgeEditError(issues)
    return entry


def _checked(ctx: EditContext, row: RowT) -> RowT:
    issues = check_row(ctx, row)
    if issues:
        raise KnowledgeEditError(issues)
    if (ctx.row is None) if row is None else (row == ctx.current):
        raise ctx.fail("nothing to change: the entry is already like that")
    return row


def plan_add(ctx: EditContext, fields: Mapping[str, Any]) -> LayerRow:
    """A new server entry (category `community` unless given)."""
    if ctx.bundled is not None:
        raise ctx.fail("a bundled entry already has this id; edit it instead", "id")
    if ctx.row is not None and ctx.row.data is not None:
        raise ctx.fail("this server already has an entry with this id", "id")
    data = {"category": DEFAULT_CATEGORY, **clean_fields(fields), "id": ctx.entry_id}
    entry = _validated(ctx, data)
    row = LayerRow(ctx.entry_id, entry.to_data())
    return _checked(ctx, row)


class EditConflict(KnowledgeEditError):
    """An edit based on an older revision of the entry than the newest: saving it would undo
    someone else's change without anyone noticing, so it is refused (optimistic concurrency).
    `diff` shows the text saved now (`-`) against the text of the refused edit (`+`)."""

    def __init__(self, ctx: EditContext, based_on: int, fields: Mapping[str, Any]) -> None:
        self.entry_id, self.based_on, self.revision = ctx.entry_id, based_on, ctx.revision
        self.action = ctx.latest.action if ctx.latest is not None else None
        saved = ctx.text or {}
        self.diff = text_diff(saved, {**saved, **clean_fields(fields)})
        message = (
            f"changed by someone else since revision {based_on} (now revision {ctx.revision}"
            f"{f', {self.action}' if self.action else ''}); nothing saved: "
            "start again from the current text"
        )
        super().__init__([ValidationIssue(ctx.file, 0, ctx.entry_id, None, message)])


def plan_edit(
    ctx: EditContext, fields: Mapping[str, Any], based_on: int | None = None
) -> LayerRow | None:
    """New text for any entry; text equal to the bundled one drops the server's override.
    With `based_on` (the revision the editor started from) a newer revision refuses it."""
    if based_on is not None and based_on != ctx.revision:
        raise EditConflict(ctx, based_on, fields)
    current = ctx.require_text()
    changes = clean_fields(fields)
    if changes.pop("id", ctx.entry_id) != ctx.entry_id:
        raise ctx.fail("an entry's id cannot change; add a new entry instead", "id")
    entry = _validated(ctx, {**current, **changes})
    data: dict[str, Any] | None = entry.to_data()
    if ctx.bundled is not None and data == ctx.bundled.to_data():
        data = None
    row = ctx.current
    return _checked(ctx, LayerRow(ctx.entry_id, data, row.aliases, row.hidden))


def plan_alias(ctx: EditContext, phrase: str) -> LayerRow:
    """One more way people ask for this entry."""
    text = ctx.require_text()
    phrase = normalize_phrase(phrase)
    if not phrase:
        raise ctx.fail("the question is empty", "alias")
    if len(phrase) > MAX_QUESTION:
        raise ctx.fail(f"too long: {len(phrase)} characters, the limit is {MAX_QUESTION}", "alias")
    row = ctx.current
    questions = with_aliases(text, row.aliases)["questions"]
    if phrase.casefold() in {question.casefold() for question in questions}:
        raise ctx.fail(f"{phrase!r} is already one of its questions", "alias")
    if len(questions) >= MAX_QUESTIONS:
        raise ctx.fail(f"it already has {MAX_QUESTIONS} questions, the limit", "alias")
    new = LayerRow(ctx.entry_id, row.data, (*row.aliases, phrase), row.hidden)
    return _checked(ctx, new)


def plan_unalias(ctx: EditContext, phrase: str) -> LayerRow | None:
    """Take back a question added with alias."""
    row = ctx.current
    wanted = normalize_phrase(phrase).casefold()
    kept = tuple(alias for alias in row.aliases if alias.casefold() != wanted)
    if len(kept) == len(row.aliases):
        raise ctx.fail(f"{phrase!r} is not one of this server's added questions", "alias")
    return _checked(ctx, LayerRow(ctx.entry_id, row.data, kept, row.hidden))


def plan_hide(ctx: EditContext) -> LayerRow:
    ctx.require_text()
    row = ctx.current
    if row.hidden:
        raise ctx.fail("already hidden")
    return _checked(ctx, LayerRow(ctx.entry_id, row.data, row.aliases, True))


def plan_unhide(ctx: EditContext) -> LayerRow | None:
    row = ctx.current
    if not row.hidden:
        raise ctx.fail("not hidden")
    return _checked(ctx, LayerRow(ctx.entry_id, row.data, row.aliases, False))


def plan_remove(ctx: EditContext) -> None:
    """Delete an entry the server added (bundled entries can only be hidden)."""
    if ctx.bundled is not None:
        raise ctx.fail("bundled entries cannot be removed: hide it, or revert this server's edits")
    if ctx.row is None or ctx.row.data is None:
        raise ctx.fail("no such entry in this server")
    return None


def plan_restore(ctx: EditContext, target: LayerRow | None) -> LayerRow | None:
    """Put back a row state recorded in a revision (revert)."""
    if target is not None and target.is_empty:
        target = None
    return _checked(ctx, target)


def imported_row(entry: Entry, bundled: Entry | None, hidden: bool) -> LayerRow:
    """The row that makes a server see exactly `entry`: for a bundled entry that only gained
    questions, aliases (so later changes to the bundled text still reach it); else the text."""
    data = entry.to_data()
    if bundled is not None:
        original = bundled.to_data()
        questions, base_questions = data["questions"], original["questions"]
        rest = {key: value for key, value in data.items() if key != "questions"}
        if rest == {key: value for key, value in original.items() if key != "questions"} and (
            questions[: len(base_questions)] == base_questions
        ):
            return LayerRow(entry.id, None, tuple(questions[len(base_questions) :]), hidden)
    return LayerRow(entry.id, data, (), hidden)


def plan_import(
    parsed: LayerFile,
    current: Mapping[str, LayerRow],
    bundled: KnowledgeBase,
    known: frozenset[str],
) -> tuple[dict[str, LayerRow], list[ValidationIssue]]:
    """New rows for every id an import names, and the problems that block it. The entries
    were schema-checked when parsed; what is left are the rules across entries."""
    file = parsed.file
    issues = cross_check([(entry, file, line) for entry, line in parsed.entries], known_ids=known)
    rows: dict[str, LayerRow] = {}
    for entry, _ in parsed.entries:
        if entry.id not in rows:  # a duplicate is reported by cross_check
            hidden = entry.id in current and current[entry.id].hidden
            rows[entry.id] = imported_row(entry, bundled.get(entry.id), hidden)
    for entry_id, line in parsed.hidden:
        if entry_id not in known:
            issues.append(ValidationIssue(file, line, entry_id, "hidden", "unknown id"))
            continue
        row = rows.get(entry_id) or current.get(entry_id) or LayerRow(entry_id)
        rows[entry_id] = LayerRow(entry_id, row.data, row.aliases, True)
    return rows, issues
