"""The knowledge entry schema: one definition used by YAML files, moderators' edits and the CLI."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.knowledge.yamlsource import ValidationIssue

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_ID = 64
MAX_TITLE = 100  # an autocomplete choice name holds at most 100 characters
MAX_QUESTION = 200
MAX_KEYWORD = 50
MAX_ANSWER = 4000  # fits an embed description (4,096) and a modal text input (4,000)
MAX_QUESTIONS = 60

CATEGORIES: tuple[str, ...] = (
    "roles",
    "salaries",
    "certifications",
    "education",
    "skills",
    "roadmap",
    "portfolio",
    "networking",
    "trends",
    "glossary",
    "community",
    "interviews",
    "job-search",
    "tools",
)

# Facts here date quickly: entries of these categories must say when to check them again.
TIME_SENSITIVE: frozenset[str] = frozenset({"salaries", "certifications", "trends", "tools"})
MAX_REVIEW_INTERVAL = dt.timedelta(days=184)  # review_by at most about six months on

EntryId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Entry(BaseModel):
    """One topic the bot can answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId
    title: Annotated[Text, StringConstraints(max_length=MAX_TITLE)]
    category: str
    questions: Annotated[
        list[Annotated[Text, StringConstraints(max_length=MAX_QUESTION)]],
        Field(min_length=1, max_length=MAX_QUESTIONS),
    ]
    keywords: list[Annotated[Text, StringConstraints(max_length=MAX_KEYWORD)]] = Field(
        default_factory=list
    )
    answer: Annotated[Text, StringConstraints(max_length=MAX_ANSWER)]
    related: list[EntryId] = Field(default_factory=list)
    sources: list[Text] = Field(default_factory=list)
    reviewed: dt.date | None = None
    review_by: dt.date | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; use one of: {', '.join(CATEGORIES)}")
        return value

    def to_data(self) -> dict[str, Any]:
        """Plain data in the YAML file layout (no empty optional fields)."""
        data = self.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in data.items() if value != [] or key == "sources"}


def provenance_problems(entry: Entry) -> list[tuple[str, str]]:
    """(field, problem) for an entry that does not say where its facts come from and when they
    were checked. Applied to the bundled files and to every new moderator edit; entries saved
    before the rule existed still load."""
    problems: list[tuple[str, str]] = []
    if not entry.sources:
        problems.append(("sources", "name at least one source (a seed file or a public URL)"))
    if entry.reviewed is None:
        problems.append(("reviewed", "required: the date the facts were last checked"))
    if entry.review_by is None:
        if entry.category in TIME_SENSITIVE:
            problems.append(
                ("review_by", f"required for {entry.category}: when to check the facts again")
            )
    elif entry.reviewed is not None and not (
        entry.reviewed < entry.review_by <= entry.reviewed + MAX_REVIEW_INTERVAL
    ):
        problems.append(("review_by", "must fall after `reviewed` and at most 6 months later"))
    return problems


def validate_entry(
    raw: Any, *, file: str, line_of: Any = None, path: tuple[int | str, ...] = ()
) -> tuple[Entry | None, list[ValidationIssue]]:
    """Validate one raw mapping; return the entry or issues naming file, line, id and field."""
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    entry_id = entry_id if isinstance(entry_id, str) else None
    find_line = line_of or (lambda _path: 0)
    if not isinstance(raw, dict):
        return None, [ValidationIssue(file, find_line(path), None, None, "entry must be a mapping")]
    try:
        return Entry.model_validate(raw), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or None
            issues.append(
                ValidationIssue(
                    file, find_line((*path, *loc)), entry_id, field, readable_error(error)
                )
            )
        return None, issues


_PLAIN: dict[str, str] = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date like 2026-11-23",
    "date_parsing": "must be a date like 2026-11-23",
    "date_from_datetime_parsing": "must be a date like 2026-11-23",
    "date_from_datetime_inexact": "must be a date like 2026-11-23, without a time",
    "model_type": "must be a mapping of fields (name: value)",
    "model_attributes_type": "must be a mapping of fields (name: value)",
    "dict_type": "must be a mapping of fields (name: value)",
}
_LISTS = frozenset({"list_type", "tuple_type", "set_type"})


def readable_error(error: Mapping[str, Any]) -> str:
    """A pydantic error as a moderator would say it (shared by entries and tracks)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind in _LISTS:
        given = error.get("input")
        if isinstance(given, str):
            return f"must be a list: write [{given}]"
        return "must be a list, like [first, second]"
    if kind == "string_too_short":
        limit = ctx.get("min_length", 1)
        return "must not be empty" if limit == 1 else f"too short: at least {limit} characters"
    if kind == "string_too_long":
        return f"too long: {len(error['input'])} characters, the limit is {ctx['max_length']}"
    if kind == "too_short":
        limit = ctx.get("min_length", 1)
        return f"needs at least {limit} item{'s' * (limit != 1)}"
    if kind == "too_long":
        return f"too many: {ctx.get('actual_length')} items, the limit is {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} is not a kebab-case id (like 'ml-engineer')"
    message = re.sub(r"^Value error, ", "", str(error["msg"]))
    return re.sub(r"^Input should be ", "must be ", message)
