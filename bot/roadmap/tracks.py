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
from typing import Any

from bot.knowledge.references import References
from bot.knowledge.yamlsource import (
    DataFileError,
    ValidationIssue,
    YamlDocument,
    load_documents,
)
from bot.roadmap.skills import Skill, SkillCatalog, SkillGraph, read_skills, skill_files
from bot.roadmap.trackfiles import TrackFile, validate_track


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


def load_tracks(
    directory: Path, knowledge: Container[str] | References | None = None
) -> TrackSet:
    """Load the skills and every track file; raise DataFileError listing every issue.

    `knowledge` is the set of valid `learn` ids (a KnowledgeBase works); None skips that check.
    bot.content passes the knowledge files' References instead, which then reports unknown
    `learn` ids together with the entries' own. A missing directory means no tracks.
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
