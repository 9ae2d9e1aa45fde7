"""Track files as written: their schema and the rules that need the skills.

`validate_track` checks one parsed file: the schema (naming file, line, `track/step` and field),
then, given the skill catalog, that every listed skill exists, none is listed twice, a
prerequisite the track lists comes first, and a role track lists every prerequisite.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.knowledge.models import ID_PATTERN, readable_error
from bot.knowledge.yamlsource import PathKey, ValidationIssue, YamlDocument
from bot.roadmap.skills import SkillCatalog, SkillGraph, SkillId, Title, unknown_skill_message

MAX_TRACK_ID = 32  # "track:skill" must fit a 100-character autocomplete choice value
MAX_STEPS = 20
MAX_SKILLS_PER_STEP = 25
MAX_DESCRIPTION = 1000
MAX_ROLE = 40  # a role name labels a bar of the /roadmap fit chart

TrackId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_TRACK_ID)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class StepFile(BaseModel):
    """A step as written: a title and the ids of its skills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SkillId
    title: Title
    optional: bool = False
    skills: Annotated[tuple[SkillId, ...], Field(min_length=1, max_length=MAX_SKILLS_PER_STEP)]


class TrackFile(BaseModel):
    """A track file as written. A `role` name (e.g. "Data scientist") makes it a role track,
    one that /roadmap fit compares the member with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: TrackId
    title: Title
    description: Annotated[Text, StringConstraints(max_length=MAX_DESCRIPTION)]
    order: int = 100
    role: Annotated[Title | None, StringConstraints(max_length=MAX_ROLE)] = None
    sources: tuple[Text, ...] = ()
    steps: Annotated[tuple[StepFile, ...], Field(min_length=1, max_length=MAX_STEPS)]


def validate_track(
    document: YamlDocument,
    catalog: SkillCatalog | None = None,
    *,
    expected_id: str | None = None,
) -> tuple[TrackFile | None, list[ValidationIssue]]:
    """Schema, then the rules that need the skills (None: schema and ids only)."""
    file, raw = document.file, document.data
    if not isinstance(raw, dict):
        return None, [ValidationIssue(file, 1, None, None, "a track file must be a mapping")]
    try:
        track = TrackFile.model_validate(raw)
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            subject, rest = _subject(raw, loc)
            name = ".".join(str(part) for part in rest) or None
            message = readable_error(dict(error))
            issues.append(ValidationIssue(file, document.line_of(loc), subject, name, message))
        return None, issues
    issues = _cross_check(track, document, catalog, expected_id)
    return (None if issues else track), issues


def _cross_check(
    track: TrackFile,
    document: YamlDocument,
    catalog: SkillCatalog | None,
    expected_id: str | None,
) -> list[ValidationIssue]:
    file, line_of = document.file, document.line_of
    issues: list[ValidationIssue] = []

    def issue(path: PathKey, step_id: str | None, name: str, message: str) -> None:
        subject = f"{track.id}/{step_id}" if step_id else track.id
        issues.append(ValidationIssue(file, line_of(path), subject, name, message))

    if expected_id is not None and track.id != expected_id:
        issue(("id",), None, "id", f"must match the file name ({expected_id}.yaml)")
    step_lines: dict[str, int] = {}
    skill_lines: dict[str, int] = {}
    for s, step in enumerate(track.steps):
        if step.id in step_lines:
            message = f"duplicate step id (first at line {step_lines[step.id]})"
            issue(("steps", s, "id"), step.id, "id", message)
        step_lines.setdefault(step.id, line_of(("steps", s, "id")))
        for k, skill_id in enumerate(step.skills):
            path: PathKey = ("steps", s, "skills", k)
            if skill_id in skill_lines:
                message = f"{skill_id!r} is already in this track (line {skill_lines[skill_id]})"
                issue(path, step.id, "skills", message)
            elif catalog is not None and not catalog.known(skill_id):
                issue(path, step.id, "skills", unknown_skill_message(skill_id, catalog.graph))
            skill_lines.setdefault(skill_id, line_of(path))
    if catalog is not None and catalog.acyclic:  # a cycle has no order to check
        issues += _check_order(track, document, catalog.graph)
    return issues


def _check_order(
    track: TrackFile, document: YamlDocument, graph: SkillGraph
) -> list[ValidationIssue]:
    """Within a track, a prerequisite that the track lists comes before the skill needing it;
    a role track lists them all, so /roadmap fit measures the whole role."""
    position: dict[str, tuple[int, int]] = {}
    for s, step in enumerate(track.steps):
        for k, skill_id in enumerate(step.skills):
            position.setdefault(skill_id, (s, k))
    issues = []
    for skill_id, (s, k) in position.items():
        skill = graph.get(skill_id)
        for required in skill.requires if skill is not None else ():
            if required == skill_id:
                continue  # reported with the skill
            message = _order_problem(track, document, position, (s, k), skill_id, required)
            if message is not None:
                path = ("steps", s, "skills", k)
                subject = f"{track.id}/{track.steps[s].id}"
                line = document.line_of(path)
                issues.append(ValidationIssue(document.file, line, subject, "skills", message))
    return issues


def _order_problem(
    track: TrackFile,
    document: YamlDocument,
    position: dict[str, tuple[int, int]],
    here: tuple[int, int],
    skill_id: str,
    required: str,
) -> str | None:
    found = position.get(required)
    if found is None:
        if track.role is None:
            return None
        return (
            f"{skill_id!r} requires {required!r}, which this role track does not list; "
            "a role track lists every prerequisite"
        )
    if found < here:
        return None
    line = document.line_of(("steps", found[0], "skills", found[1]))
    return (
        f"{skill_id!r} requires {required!r}, which comes later in this track (line {line}); "
        "list prerequisites first"
    )


def _subject(raw: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str | None, tuple[Any, ...]]:
    """'track/step' (or 'track') for an error location, and the field path left.

    Falls back to the full path when an id along the way is itself missing or invalid.
    """
    track_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    if len(loc) <= 2 or loc[0] != "steps" or not isinstance(loc[1], int):
        return track_id, loc
    steps = raw.get("steps")
    step = steps[loc[1]] if isinstance(steps, list) and 0 <= loc[1] < len(steps) else None
    step_id = step.get("id") if isinstance(step, dict) else None
    if not isinstance(step_id, str) or not step_id or loc[2] == "id":
        return track_id, loc
    return f"{track_id}/{step_id}", loc[2:]
