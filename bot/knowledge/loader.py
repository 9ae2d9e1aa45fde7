"""Read `knowledge/` into a KnowledgeBase, collecting every problem before giving up."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.language import Language, language_from_document
from bot.knowledge.models import Entry, provenance_problems, validate_entry
from bot.knowledge.yamlsource import (
    DataFileError,
    ValidationIssue,
    load_documents,
)

LANGUAGE_FILE = "synonyms.yaml"


def entry_files(directory: Path) -> list[Path]:
    """Entry files are the top-level YAML files except the language file."""
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.glob(pattern)
        if path.name != LANGUAGE_FILE
    )


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate; raise DataFileError listing every issue (file, line, id, field)."""
    if not directory.is_dir():
        raise DataFileError(
            [ValidationIssue(str(directory), 0, None, None, "knowledge directory not found")]
        )
    issues: list[ValidationIssue] = []
    language = Language()
    language_path = directory / LANGUAGE_FILE
    if language_path.exists():
        documents, file_issues = load_documents([language_path], directory.parent)
        issues.extend(file_issues)
        for document in documents:
            language, language_issues = language_from_document(document)
            issues.extend(language_issues)

    located: list[tuple[Entry, str, int]] = []
    documents, file_issues = load_documents(entry_files(directory), directory.parent)
    issues.extend(file_issues)
    for document in documents:
        name = document.file
        if document.data is None:
            continue
        if not isinstance(document.data, list):
            issues.append(ValidationIssue(name, 1, None, None, "file must be a list of entries"))
            continue
        for index, raw in enumerate(document.data):
            entry, entry_issues = validate_entry(
                raw, file=name, line_of=document.line_of, path=(index,)
            )
            issues.extend(entry_issues)
            if entry is not None:
                line = document.line_of((index,))
                for field, problem in provenance_problems(entry):
                    field_line = document.line_of((index, field)) or line
                    issues.append(ValidationIssue(name, field_line, entry.id, field, problem))
                located.append((entry, name, line))

    issues.extend(cross_check(located))
    if issues:
        raise DataFileError(issues)
    return KnowledgeBase(tuple(entry for entry, _, _ in located), language)


def cross_check(
    located: Iterable[tuple[Entry, str, int]], known_ids: Iterable[str] = ()
) -> list[ValidationIssue]:
    """Rules that span entries: unique ids and `related` pointing at entries that exist."""
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
                issues.append(
                    ValidationIssue(file, line, entry.id, "related", f"unknown id {related_id!r}")
                )
    return issues
