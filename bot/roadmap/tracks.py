"""Roadmap tracks as data: the schema, line-aware loading, and the rules that span items.

A track file is `knowledge/roadmaps/<track-id>.yaml`. Item ids are stable keys of stored
progress, so the loader is strict about them: unique within a track, and `replaces` may only
name ids that are no longer items (progress of the old id then shows on the new item).
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.knowledge.models import ID_PATTERN, MAX_TITLE, EntryId, readable_error
from bot.knowledge.references import References
from bot.knowledge.yamlsource import (
    DataFileError,
    PathKey,
    ValidationIssue,
    YamlDocument,
    load_documents,
)

MAX_TRACK_ID = 32  # "track:item" must fit a 100-character autocomplete choice value
MAX_ITEM_ID = 64
MAX_STEPS = 20
MAX_ITEMS_PER_STEP = 25
MAX_DESCRIPTION = 1000

TrackId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_TRACK_ID)]
ItemId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ITEM_ID)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Item(BaseModel):
    """One checkable thing to do; `learn` names the knowledge entries that teach it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    title: Title
    learn: Annotated[tuple[EntryId, ...], Field(min_length=1)]
    replaces: tuple[ItemId, ...] = ()

    @field_validator("replaces", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """`replaces: old-id` or, after several renames, `replaces: [newer-old, oldest]`."""
        return [value] if isinstance(value, str) else value

    @property
    def lineage(self) -> tuple[str, ...]:
        """Every id this item's progress may be stored under, its own first."""
        return (self.id, *self.replaces)


class Step(BaseModel):
    """A stage of a track; its items are shown and counted together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    title: Title
    optional: bool = False
    items: Annotated[tuple[Item, ...], Field(min_length=1, max_length=MAX_ITEMS_PER_STEP)]


class Track(BaseModel):
    """A whole roadmap: ordered steps of items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: TrackId
    title: Title
    description: Annotated[Text, StringConstraints(max_length=MAX_DESCRIPTION)]
    order: int = 100
    sources: tuple[Text, ...] = ()
    steps: Annotated[tuple[Step, ...], Field(min_length=1, max_length=MAX_STEPS)]

    _items: dict[str, tuple[Step, Item]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._items = {item.id: (step, item) for step in self.steps for item in step.items}

    def items(self) -> Iterator[tuple[Step, Item]]:
        """(step, item) pairs in roadmap order."""
        return iter(self._items.values())

    def item(self, item_id: str) -> Item | None:
        found = self._items.get(item_id)
        return found[1] if found else None

    def step_of(self, item_id: str) -> Step | None:
        found = self._items.get(item_id)
        return found[0] if found else None

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class TrackSet:
    """All loaded tracks, in display order."""

    tracks: tuple[Track, ...] = ()
    _by_id: dict[str, Track] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.tracks, key=lambda track: (track.order, track.id)))
        object.__setattr__(self, "tracks", ordered)
        object.__setattr__(self, "_by_id", {track.id: track for track in ordered})

    def get(self, track_id: str) -> Track | None:
        return self._by_id.get(track_id)

    def __iter__(self) -> Iterator[Track]:
        return iter(self.tracks)

    def __len__(self) -> int:
        return len(self.tracks)

    def ids(self) -> list[str]:
        return [track.id for track in self.tracks]


def track_files(directory: Path) -> list[Path]:
    return sorted(path for pattern in ("*.yaml", "*.yml") for path in directory.glob(pattern))


def load_tracks(
    directory: Path, knowledge: Container[str] | References | None = None
) -> TrackSet:
    """Load every track file; raise DataFileError listing every issue (file, line, id, field).

    `knowledge` is the set of valid `learn` ids (a KnowledgeBase works); None skips that check.
    bot.content passes the knowledge files' References instead, which then reports unknown
    `learn` ids together with the entries' own. A missing directory means no tracks.
    """
    if not directory.is_dir():
        return TrackSet()
    references: References | None
    if knowledge is None or isinstance(knowledge, References):
        references, own = knowledge, False
    else:
        references, own = References(knowledge), True  # report unknown ids here
    issues: list[ValidationIssue] = []
    tracks: list[Track] = []
    seen: dict[str, str] = {}
    documents, file_issues = load_documents(track_files(directory), directory.parent.parent)
    issues.extend(file_issues)
    for document in documents:
        name = document.file
        track, track_issues = validate_track(document, references, expected_id=Path(name).stem)
        issues.extend(track_issues)
        if track is None:
            continue
        if track.id in seen:
            issues.append(
                ValidationIssue(
                    name,
                    document.line_of(("id",)),
                    track.id,
                    "id",
                    f"duplicate track id (also in {seen[track.id]})",
                )
            )
            continue
        seen[track.id] = name
        tracks.append(track)
    if own and references is not None:
        issues.extend(references.issues())
    if issues:
        raise DataFileError(issues)
    return TrackSet(tuple(tracks))


def validate_track(
    document: YamlDocument,
    references: References | None = None,
    *,
    expected_id: str | None = None,
) -> tuple[Track | None, list[ValidationIssue]]:
    """Schema plus cross-item rules for one parsed file."""
    file, raw = document.file, document.data
    issues: list[ValidationIssue] = []
    if not isinstance(raw, dict):
        issues.append(ValidationIssue(file, 1, None, None, "a track file must be a mapping"))
        return None, issues
    try:
        track = Track.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            subject, rest = _subject(raw, loc)
            issues.append(
                ValidationIssue(
                    file,
                    document.line_of(loc),
                    subject,
                    ".".join(str(part) for part in rest) or None,
                    readable_error(dict(error)),
                )
            )
        return None, issues
    issues.extend(_cross_check(track, document, references, expected_id))
    return (None if issues else track), issues


def _cross_check(
    track: Track,
    document: YamlDocument,
    references: References | None,
    expected_id: str | None,
) -> list[ValidationIssue]:
    file, line_of = document.file, document.line_of
    issues: list[ValidationIssue] = []

    def issue(path: PathKey, item_id: str | None, name: str, message: str) -> None:
        subject = f"{track.id}/{item_id}" if item_id else track.id
        issues.append(ValidationIssue(file, line_of(path), subject, name, message))

    if expected_id is not None and track.id != expected_id:
        issue(("id",), None, "id", f"must match the file name ({expected_id}.yaml)")
    step_lines: dict[str, int] = {}
    item_lines: dict[str, int] = {}
    for s, step in enumerate(track.steps):
        path: PathKey = ("steps", s)
        if step.id in step_lines:
            first = step_lines[step.id]
            issue((*path, "id"), step.id, "id", f"duplicate step id (first at line {first})")
        step_lines.setdefault(step.id, line_of((*path, "id")))
        for i, item in enumerate(step.items):
            item_path: PathKey = (*path, "items", i)
            if item.id in item_lines:
                first = item_lines[item.id]
                issue(
                    (*item_path, "id"), item.id, "id", f"duplicate item id (first at line {first})"
                )
            item_lines.setdefault(item.id, line_of((*item_path, "id")))
            if references is not None:
                for k, entry_id in enumerate(item.learn):
                    references.check(
                        entry_id,
                        ValidationIssue(
                            file,
                            line_of((*item_path, "learn", k)),
                            f"{track.id}/{item.id}",
                            "learn",
                            f"unknown knowledge entry {entry_id!r}",
                        ),
                    )
    issues.extend(_check_replaces(track, document))
    return issues


def _check_replaces(track: Track, document: YamlDocument) -> list[ValidationIssue]:
    """An old id may carry over to one live item only, and never be a live item itself.

    Because a live id can't be replaced, two items replacing each other (a cycle) are caught
    here too; a chain of renames is written out flat (`replaces: [b, a]`).
    """
    issues: list[ValidationIssue] = []
    claimed: dict[str, tuple[str, int]] = {}
    for s, step in enumerate(track.steps):
        for i, item in enumerate(step.items):
            for r, old_id in enumerate(item.replaces):
                path: PathKey = ("steps", s, "items", i, "replaces", r)
                line = document.line_of(path)
                subject = f"{track.id}/{item.id}"
                message = None
                if old_id == item.id:
                    message = "an item cannot replace itself"
                elif track.item(old_id) is not None:
                    message = (
                        f"{old_id!r} is still an item of this track; only a removed item "
                        "can be replaced"
                    )
                elif old_id in claimed:
                    other, other_line = claimed[old_id]
                    message = (
                        f"{old_id!r} is already replaced by {other!r} (line {other_line}); "
                        "its progress can carry over to one item only"
                    )
                else:
                    claimed[old_id] = (item.id, line)
                if message:
                    issues.append(
                        ValidationIssue(document.file, line, subject, "replaces", message)
                    )
    return issues


def _subject(raw: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str | None, tuple[Any, ...]]:
    """'track/item' (or 'track/step', or 'track') for an error location, and the field path left.

    Falls back to the full path when an id along the way is itself missing or invalid.
    """
    track_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    node: Any = raw
    subject, rest = track_id, loc
    for depth in (2, 4):  # ("steps", n) then ("steps", n, "items", m)
        if len(loc) <= depth or not isinstance(loc[depth - 1], int):
            break
        node = _child(node, loc[depth - 2], loc[depth - 1])
        node_id = node.get("id") if isinstance(node, dict) else None
        if not isinstance(node_id, str) or not node_id or loc[depth] == "id":
            break
        subject, rest = f"{track_id}/{node_id}", loc[depth:]
    return subject, rest


def _child(node: Any, key: Any, index: int) -> Any:
    container = node.get(key) if isinstance(node, dict) else None
    if isinstance(container, list) and 0 <= index < len(container):
        return container[index]
    return None
