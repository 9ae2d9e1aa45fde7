"""Read `knowledge/` into a KnowledgeBase, collecting every problem before giving up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.language import Language, language_from_document
from bot.knowledge.models import Entry, provenance_problems, validate_entry
from bot.knowledge.references import References, ids_in_text
from bot.knowledge.yamlsource import (
    DataFileError,
    ValidationIssue,
    YamlDocument,
    load_documents,
)

LANGUAGE_FILE = "synonyms.yaml"
Located = tuple[Entry, str, int]  # an entry, its file and line


def entry_files(directory: Path) -> list[Path]:
    """Entry files are the top-level YAML files except the language file."""
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.glob(pattern)
        if path.name != LANGUAGE_FILE
    )


@dataclass
class KnowledgeFiles:
    """A knowledge directory as read, valid or not.

    `issues` are the problems found in each file; `references` holds the ids entries point at,
    reported by `problems()` once tracks (bot.content) have added theirs.
    """

    directory: Path
    located: list[Located] = field(default_factory=list)
    language: Language = field(default_factory=Language)
    issues: list[ValidationIssue] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)  # every entry id, valid or not
    references: References = field(init=False)

    def __post_init__(self) -> None:
        self.references = References(self.defined, self.directory)

    def problems(self) -> list[ValidationIssue]:
        return self.issues + self.references.issues()

    def base(self) -> KnowledgeBase:
        return KnowledgeBase(tuple(entry for entry, _, _ in self.located), self.language)


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate; raise DataFileError listing every issue (file, line, id, field)."""
    files = read_knowledge(directory)
    problems = files.problems()
    if problems:
        raise DataFileError(problems)
    return files.base()


def read_knowledge(directory: Path) -> KnowledgeFiles:
    """Every entry file and the language file; problems are collected, never raised."""
    files = KnowledgeFiles(directory)
    if not directory.is_dir():
        files.issues.append(
            ValidationIssue(str(directory), 0, None, None, "knowledge directory not found")
        )
        return files
    language_path = directory / LANGUAGE_FILE
    if language_path.exists():
        documents, file_issues = load_documents([language_path], directory.parent)
        files.issues.extend(file_issues)
        for document in documents:
            files.language, language_issues = language_from_document(document)
            files.issues.extend(language_issues)
    paths = entry_files(directory)
    for path in paths:
        _read_entry_file(path, files)
    files.issues.extend(cross_check(files.located, references=files.references))
    if not files.located and not files.issues and not files.references.broken_files:
        files.issues.append(ValidationIssue(directory.name, 0, None, None, _no_entries(paths)))
    return files


def _read_entry_file(path: Path, files: KnowledgeFiles) -> None:
    documents, file_issues = load_documents([path], files.directory.parent)
    if not documents:  # unreadable, or not YAML at all: its entries can't be checked
        for issue in file_issues:
            files.references.broken_file(issue, _ids_in_file(path))
        return
    files.issues.extend(file_issues)  # duplicate keys
    for document in documents:
        _read_entries(document, files)


def _read_entries(document: YamlDocument, files: KnowledgeFiles) -> None:
    name = document.file
    if document.data is None:
        return
    if not isinstance(document.data, list):
        issue = ValidationIssue(name, 1, None, None, "file must be a list of entries")
        single = _raw_id(document.data)  # one entry written as a mapping
        files.references.broken_file(issue, [single] if single else [])
        return
    for index, raw in enumerate(document.data):
        if raw_id := _raw_id(raw):
            files.defined.add(raw_id)
        entry, entry_issues = validate_entry(
            raw, file=name, line_of=document.line_of, path=(index,)
        )
        files.issues.extend(entry_issues)
        if entry is not None:
            line = document.line_of((index,))
            for field_name, problem in provenance_problems(entry):
                field_line = document.line_of((index, field_name)) or line
                files.issues.append(
                    ValidationIssue(name, field_line, entry.id, field_name, problem)
                )
            files.located.append((entry, name, line))


def cross_check(
    located: Iterable[Located],
    known_ids: Iterable[str] = (),
    *,
    references: References | None = None,
) -> list[ValidationIssue]:
    """Rules that span entries: unique ids and `related` pointing at entries that exist.

    With `references`, unknown `related` ids are left to it to report (see References).
    """
    located = list(located)
    issues: list[ValidationIssue] = []
    first_seen: dict[str, tuple[str, int]] = {}
    for entry, file, line in located:
        if entry.id in first_seen:
            other_file, other_line = first_seen[entry.id]
            issues.append(
                ValidationIssue(
                    file,
                    line,
                    entry.id,
                    "id",
                    f"duplicate id (first defined at {other_file}:{other_line})",
                )
            )
        else:
            first_seen[entry.id] = (file, line)
    all_ids = set(first_seen) | set(known_ids)
    for entry, file, line in located:
        for related_id in entry.related:
            if related_id == entry.id:
                issues.append(ValidationIssue(file, line, entry.id, "related", "refers to itself"))
            elif related_id not in all_ids:
                issue = ValidationIssue(
                    file, line, entry.id, "related", f"unknown id {related_id!r}"
                )
                if references is None:
                    issues.append(issue)
                else:
                    references.check(related_id, issue)
    return issues


def _no_entries(paths: list[Path]) -> str:
    if not paths:
        return "no knowledge files here: expected *.yaml files holding lists of entries"
    return "no entries in any file: a knowledge base needs at least one"


def _raw_id(raw: Any) -> str | None:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    return entry_id if isinstance(entry_id, str) and entry_id else None


def _ids_in_file(path: Path) -> list[str]:
    try:
        return ids_in_text(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
