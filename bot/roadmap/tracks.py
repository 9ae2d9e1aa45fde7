"""Roadmap tracks as data: ordered steps of skill ids, loaded and checked with the skill graph.

A track file is `knowledge/roadmaps/<track-id>.yaml`; its steps list ids of skills defined in
`knowledge/roadmaps/skills/*.yaml` (see bot.roadmap.skills). Loading checks the whole: no
unknown ids, no prerequisite cycles, prerequisites before the skills that need them within a
track, and no skill that no track uses. Every problem names file, line and field.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.knowledge.models import ID_PATTERN, readable_error
from bot.knowledge.yamlsource import (
    DataFileError,
    PathKey,
    ValidationIssue,
    YamlDocument,
    load_documents,
)
from bot.roadmap.skills import (
    Skill,
    SkillCatalog,
    SkillGraph,
    SkillId,
    Title,
    read_skills,
    skill_files,
    unknown_skill_message,
)

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


@dataclass(frozen=True)
class Step:
    """A stage of a track; its skills are shown and counted together."""

    id: str
    title: str
    optional: bool
    skills: tuple[Skill, ...]


@dataclass(frozen=True)
class Track:
    """A whole roadmap: ordered steps of skills from the shared graph."""

    id: str
    title: str
    description: str
    steps: tuple[Step, ...]
    order: int = 100
    role: str | None = None  # the role's name when this is a role track
    sources: tuple[str, ...] = ()
    _index: dict[str, tuple[Step, Skill]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {skill.id: (step, skill) for step in self.steps for skill in step.skills}
        object.__setattr__(self, "_index", index)

    @classmethod
    def resolve(cls, written: TrackFile, graph: SkillGraph) -> Track:
        """The track with its skill ids looked up; KeyError for an id not in the graph."""
        steps = tuple(
            Step(step.id, step.title, step.optional, tuple(_need(graph, i) for i in step.skills))
            for step in written.steps
        )
        return cls(
            id=written.id,
            title=written.title,
            description=written.description,
            steps=steps,
            order=written.order,
            role=written.role,
            sources=written.sources,
        )

    def skills(self) -> Iterator[tuple[Step, Skill]]:
        """(step, skill) pairs in roadmap order."""
        return iter(self._index.values())

    def skill(self, skill_id: str) -> Skill | None:
        found = self._index.get(skill_id)
        return found[1] if found else None

    def step_of(self, skill_id: str) -> Step | None:
        found = self._index.get(skill_id)
        return found[0] if found else None

    def __len__(self) -> int:
        return len(self._index)


def _need(graph: SkillGraph, skill_id: str) -> Skill:
    skill = graph.get(skill_id)
    if skill is None:
        raise KeyError(f"unknown skill {skill_id!r}")
    return skill


@dataclass(frozen=True)
class TrackSet:
    """All loaded tracks, in display order, and the skill graph they share."""

    tracks: tuple[Track, ...] = ()
    graph: SkillGraph = field(default_factory=SkillGraph)
    _by_id: dict[str, Track] = field(init=False, repr=False, compare=False)
    _using: dict[str, tuple[Track, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.tracks, key=lambda track: (track.order, track.id)))
        object.__setattr__(self, "tracks", ordered)
        object.__setattr__(self, "_by_id", {track.id: track for track in ordered})
        using: dict[str, list[Track]] = {}
        for track in ordered:
            for _, skill in track.skills():
                using.setdefault(skill.id, []).append(track)
        object.__setattr__(self, "_using", {k: tuple(v) for k, v in using.items()})

    def get(self, track_id: str) -> Track | None:
        return self._by_id.get(track_id)

    def using(self, skill_id: str) -> tuple[Track, ...]:
        """The tracks that list this skill, in display order."""
        return self._using.get(skill_id, ())

    def roles(self) -> tuple[Track, ...]:
        """Role tracks (with a `role` name), the ones /roadmap fit compares a member with."""
        return tuple(track for track in self.tracks if track.role is not None)

    def titles(self) -> dict[str, str]:
        return {track.id: track.title for track in self.tracks}

    def __iter__(self) -> Iterator[Track]:
        return iter(self.tracks)

    def __len__(self) -> int:
        return len(self.tracks)

    def ids(self) -> list[str]:
        return [track.id for track in self.tracks]


def build_tracks(
    skills: Iterable[Mapping[str, Any]], tracks: Iterable[Mapping[str, Any]]
) -> TrackSet:
    """Tracks from plain data (scripts, tests): schema-validated, ids resolved; no file checks."""
    graph = SkillGraph(tuple(Skill.model_validate(data) for data in skills))
    return TrackSet(
        tuple(Track.resolve(TrackFile.model_validate(data), graph) for data in tracks), graph
    )


def track_files(directory: Path) -> list[Path]:
    return sorted(path for pattern in ("*.yaml", "*.yml") for path in directory.glob(pattern))


def load_tracks(directory: Path, knowledge: Container[str] | None = None) -> TrackSet:
    """Load the skills and every track file; raise DataFileError listing every issue.

    `knowledge` is the set of valid `learn` ids (a KnowledgeBase works); None skips that check,
    e.g. when the knowledge base itself failed to load. A missing directory means no tracks.
    """
    if not directory.is_dir():
        return TrackSet()
    shown_from = directory.parent.parent
    catalog = read_skills(skill_files(directory), shown_from, knowledge)
    issues = list(catalog.issues)
    documents, file_issues = load_documents(track_files(directory), shown_from)
    issues += file_issues
    written, track_issues = _checked_tracks(documents, catalog)
    issues += track_issues
    if len(written) == len(documents) and not file_issues:  # else "unused" may be wrong
        issues += _unused_skills(catalog, written)
    if issues:
        raise DataFileError(issues)
    graph = catalog.graph
    return TrackSet(tuple(Track.resolve(track, graph) for track in written), graph)


def _checked_tracks(
    documents: list[YamlDocument], catalog: SkillCatalog
) -> tuple[list[TrackFile], list[ValidationIssue]]:
    """Each file on its own, then that no two files claim one track id."""
    issues: list[ValidationIssue] = []
    written: list[TrackFile] = []
    seen: dict[str, str] = {}
    for document in documents:
        expected_id = Path(document.file).stem
        track, track_issues = validate_track(document, catalog, expected_id=expected_id)
        issues += track_issues
        if track is None:
            continue
        if track.id in seen:
            message = f"duplicate track id (also in {seen[track.id]})"
            line = document.line_of(("id",))
            issues.append(ValidationIssue(document.file, line, track.id, "id", message))
            continue
        seen[track.id] = document.file
        written.append(track)
    return written, issues


def _unused_skills(catalog: SkillCatalog, written: list[TrackFile]) -> list[ValidationIssue]:
    used = {skill_id for track in written for step in track.steps for skill_id in step.skills}
    message = "no track uses this skill; add it to a track's steps or remove it"
    return [
        source.issue(skill_id, None, message, "id")
        for skill_id, source in catalog.sources.items()
        if skill_id not in used
    ]


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
