"""Roadmap skills: defined once in `knowledge/roadmaps/skills/*.yaml` and shared by every track.

A skill's id is the key its members' progress is stored under, so a skill ticked in one track
shows as ticked in every track that lists it. `requires` names prerequisite skills (the graph
must have no cycles); `replaces` names removed skill ids whose stored progress shows on this
skill, so a rename never loses what members ticked.
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
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot import ranking
from bot.knowledge.models import ID_PATTERN, MAX_TITLE, EntryId, readable_error
from bot.knowledge.references import References
from bot.knowledge.yamlsource import ValidationIssue, YamlDocument, load_documents

MAX_SKILL_ID = 64  # also the width of the stored skill_id column
SKILLS_DIR = "skills"  # the skill files' folder inside knowledge/roadmaps

SkillId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_SKILL_ID)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]


class Skill(BaseModel):
    """One checkable thing to learn or do; `learn` names the knowledge entries that teach it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SkillId
    title: Title
    learn: Annotated[tuple[EntryId, ...], Field(min_length=1)]
    requires: tuple[SkillId, ...] = ()
    replaces: tuple[SkillId, ...] = ()

    @field_validator("requires", "replaces", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """`requires: other-id` or `requires: [one, two]`; the same for `replaces`."""
        return [value] if isinstance(value, str) else value

    @property
    def lineage(self) -> tuple[str, ...]:
        """Every id this skill's progress may be stored under, its own first."""
        return (self.id, *self.replaces)


@dataclass(frozen=True)
class SkillGraph:
    """Every skill by id, and which live skill an old (replaced) id now belongs to."""

    skills: tuple[Skill, ...] = ()
    _by_id: dict[str, Skill] = field(init=False, repr=False, compare=False)
    _by_stored_id: dict[str, Skill] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {skill.id: skill for skill in self.skills})
        owners = {old: skill for skill in self.skills for old in skill.replaces}
        owners.update(self._by_id)  # a live id always means its own skill
        object.__setattr__(self, "_by_stored_id", owners)

    def get(self, skill_id: str) -> Skill | None:
        return self._by_id.get(skill_id)

    def owner(self, stored_id: str) -> Skill | None:
        """The live skill whose lineage holds `stored_id` (its own id or one it replaces)."""
        return self._by_stored_id.get(stored_id)

    def prerequisites(self, skill: Skill) -> tuple[Skill, ...]:
        return tuple(found for req in skill.requires if (found := self.get(req)) is not None)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._by_id

    def __iter__(self) -> Iterator[Skill]:
        return iter(self.skills)

    def __len__(self) -> int:
        return len(self.skills)


@dataclass(frozen=True)
class SkillSource:
    """Where a skill is defined, so a problem found later can name file and line."""

    document: YamlDocument
    index: int

    def line(self, *path: int | str) -> int:
        return self.document.line_of((self.index, *path))

    def issue(
        self, skill_id: str, name: str | None, message: str, *path: int | str
    ) -> ValidationIssue:
        return ValidationIssue(self.document.file, self.line(*path), skill_id, name, message)


Located = list[tuple[Skill, SkillSource]]


def skill_files(roadmaps: Path) -> list[Path]:
    folder = roadmaps / SKILLS_DIR
    return sorted(path for pattern in ("*.yaml", "*.yml") for path in folder.glob(pattern))


@dataclass
class SkillCatalog:
    """The skill files, read and checked: the graph of valid skills, every problem found, and
    what a track may still name without an "unknown skill" error (see `maybe_defined`)."""

    graph: SkillGraph = field(default_factory=SkillGraph)
    issues: list[ValidationIssue] = field(default_factory=list)
    broken_ids: set[str] | None = field(default_factory=set)  # None: a whole file failed
    acyclic: bool = True
    sources: dict[str, SkillSource] = field(default_factory=dict)

    def maybe_defined(self, skill_id: str) -> bool:
        """A skill that failed validation (already reported) may be meant: don't report every
        reference to it as unknown too. Any id may be meant when a whole file failed."""
        return self.broken_ids is None or skill_id in self.broken_ids

    def known(self, skill_id: str) -> bool:
        return skill_id in self.graph or self.maybe_defined(skill_id)


def read_skills(
    paths: list[Path], shown_from: Path, knowledge: Container[str] | References | None
) -> SkillCatalog:
    """Parse every skill file, validate each skill, then check the graph they form."""
    documents, issues = load_documents(paths, shown_from)
    catalog = SkillCatalog(issues=issues, broken_ids=set())
    if len(documents) < len(paths):
        catalog.broken_ids = None
    located: Located = []
    for document in documents:
        raw = document.data
        if not isinstance(raw, list):
            catalog.broken_ids = None
            message = "a skill file must be a list"
            catalog.issues.append(ValidationIssue(document.file, 1, None, None, message))
            continue
        for index, data in enumerate(raw):
            source = SkillSource(document, index)
            try:
                located.append((Skill.model_validate(data), source))
            except ValidationError as exc:
                catalog.issues += _schema_issues(exc, data, source)
                skill_id = data.get("id") if isinstance(data, dict) else None
                if isinstance(skill_id, str) and catalog.broken_ids is not None:
                    catalog.broken_ids.add(skill_id)
    _check_graph(catalog, located, knowledge)
    return catalog


def _schema_issues(exc: ValidationError, data: Any, source: SkillSource) -> list[ValidationIssue]:
    skill_id = data.get("id") if isinstance(data, dict) else None
    subject = skill_id if isinstance(skill_id, str) and skill_id else None
    issues = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        subject_here: str | None = subject
        name: str | None = ".".join(map(str, loc)) or None
        if subject is None or loc[:1] == ("id",):  # no usable id: name the list position
            subject_here, name = None, f"{source.index}." + ".".join(map(str, loc))
        line = source.document.line_of((source.index, *loc))
        message = readable_error(dict(error))
        issues.append(ValidationIssue(source.document.file, line, subject_here, name, message))
    return issues


def _check_graph(
    catalog: SkillCatalog, located: Located, knowledge: Container[str] | References | None
) -> None:
    """Unique ids, known `learn` entries and prerequisites, valid `replaces`, and no cycles.

    The graph holds the unique valid skills even when there are issues, so tracks can still
    be checked against it and one run reports every problem.
    """
    unique: dict[str, tuple[Skill, SkillSource]] = {}
    for skill, source in located:
        if skill.id in unique:
            first = unique[skill.id][1]
            where = f"{first.document.file}:{first.line('id')}"
            message = f"duplicate skill id (first at {where})"
            catalog.issues.append(source.issue(skill.id, "id", message, "id"))
            continue
        unique[skill.id] = (skill, source)
    catalog.graph = SkillGraph(tuple(skill for skill, _ in unique.values()))
    catalog.sources = {skill_id: source for skill_id, (_, source) in unique.items()}
    for skill, source in unique.values():
        catalog.issues += _check_learn(skill, source, knowledge)
        catalog.issues += _check_requires(skill, source, catalog)
    catalog.issues += _check_replaces(unique, catalog.graph)
    cycles = _check_cycles(unique, catalog.graph)
    catalog.issues += cycles
    catalog.acyclic = not cycles


def _check_learn(
    skill: Skill, source: SkillSource, knowledge: Container[str] | References | None
) -> list[ValidationIssue]:
    """Unknown `learn:` ids; with References they are reported with every other reference
    (one line for ids into a broken or deleted knowledge file)."""
    if knowledge is None:
        return []
    issues = []
    for k, entry_id in enumerate(skill.learn):
        issue = source.issue(skill.id, "learn", f"unknown knowledge entry {entry_id!r}", "learn", k)
        if isinstance(knowledge, References):
            knowledge.check(entry_id, issue)
        elif entry_id not in knowledge:
            issues.append(issue)
    return issues


def _check_requires(
    skill: Skill, source: SkillSource, catalog: SkillCatalog
) -> list[ValidationIssue]:
    issues = []
    for r, required in enumerate(skill.requires):
        message = None
        if required == skill.id:
            message = "a skill cannot require itself"
        elif not catalog.known(required):
            message = unknown_skill_message(required, catalog.graph)
        if message:
            issues.append(source.issue(skill.id, "requires", message, "requires", r))
    return issues


def unknown_skill_message(skill_id: str, graph: SkillGraph) -> str:
    """'unknown skill 'x'', with the skill that replaced it or the closest ids as a hint."""
    owner = graph.owner(skill_id)
    if owner is not None:
        return f"unknown skill {skill_id!r}: it was replaced by {owner.id!r}"
    close = ranking.rank(
        graph, skill_id, lambda s: ranking.Named(s.id, (s.id,)), SKILL_ID_RULES, limit=3
    )
    hint = f" (did you mean {', '.join(repr(c.item.id) for c in close)}?)" if close else ""
    return f"unknown skill {skill_id!r}{hint}"


SKILL_ID_RULES = ranking.Rules(min_score=75.0, typo_length=3)


def _check_replaces(
    unique: dict[str, tuple[Skill, SkillSource]], graph: SkillGraph
) -> list[ValidationIssue]:
    """An old id may carry over to one live skill only, and never be a live skill itself.

    Because a live id can't be replaced, two skills replacing each other are caught here too;
    a chain of renames is written out flat (`replaces: [b, a]`).
    """
    issues: list[ValidationIssue] = []
    claimed: dict[str, tuple[str, str]] = {}
    for skill, source in unique.values():
        for r, old_id in enumerate(skill.replaces):
            where = f"{source.document.file}:{source.line('replaces', r)}"
            message = None
            if old_id == skill.id:
                message = "a skill cannot replace itself"
            elif old_id in graph:
                message = f"{old_id!r} is still a skill; only a removed skill can be replaced"
            elif old_id in claimed:
                other, other_where = claimed[old_id]
                message = (
                    f"{old_id!r} is already replaced by {other!r} ({other_where}); "
                    "its progress can carry over to one skill only"
                )
            else:
                claimed[old_id] = (skill.id, where)
            if message:
                issues.append(source.issue(skill.id, "replaces", message, "replaces", r))
    return issues


def _check_cycles(
    unique: dict[str, tuple[Skill, SkillSource]], graph: SkillGraph
) -> list[ValidationIssue]:
    """Each cycle of `requires` once, at the prerequisite that closes it: 'a → b → a'."""
    issues: list[ValidationIssue] = []
    finished: set[str] = set()

    def visit(skill: Skill, path: list[str]) -> None:
        path.append(skill.id)
        for r, required in enumerate(skill.requires):
            if required == skill.id:
                continue  # reported as requiring itself
            if required in path:  # told from this skill, whose `requires` closes the cycle
                cycle = " → ".join([skill.id, *path[path.index(required) : -1], skill.id])
                source = unique[skill.id][1]
                message = f"prerequisite cycle: {cycle}"
                issues.append(source.issue(skill.id, "requires", message, "requires", r))
            elif required not in finished and (found := graph.get(required)) is not None:
                visit(found, path)
        path.pop()
        finished.add(skill.id)

    for skill in graph:
        if skill.id not in finished:
            visit(skill, [])
    return issues
