"""Line-aware YAML loading, so every validation error can name file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[int | str, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~3x faster, same marks
ANCHORS_REFUSED = (
    "YAML anchors and aliases (&name, *name) are not allowed here; write the value out in full"
)


@dataclass(frozen=True, order=True)
class ValidationIssue:
    """One problem in a data file, phrased for the person who has to fix it."""

    file: str
    line: int
    entry_id: str | None
    field: str | None
    message: str

    @property
    def file_wide(self) -> bool:
        """About a file (or folder) as a whole: listed first, as other problems may follow."""
        return self.entry_id is None and self.field is None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = ".".join(part for part in (self.entry_id, self.field) if part)
        return f"{where}: {subject + ': ' if subject else ''}{self.message}"


class DataFileError(Exception):
    """Raised when data files are invalid; carries every issue found, not just the first."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = sorted(issues, key=lambda issue: (not issue.file_wide, issue))
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of every mapping key and sequence item."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[PathKey, int]] = field(default_factory=list)

    def line_of(self, path: PathKey) -> int:
        """Line of the closest known ancestor of `path` (1 when nothing matches)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def duplicate_key_issues(self) -> list[ValidationIssue]:
        """YAML silently keeps the last of two equal keys; we report it instead."""
        return [
            ValidationIssue(self.file, line, None, str(path[-1]), "duplicate key")
            for path, line in self.duplicate_keys
        ]


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse `text`; raise DataFileError naming the line when the YAML itself is broken.

    Anchors and aliases are refused before anything is built: a few hundred bytes of nested
    aliases expand to billions of nodes (an "alias bomb"), and merge keys (`<<: *a`) expand
    while the document is constructed. Without them, time and memory grow with the text.
    """
    _refuse_anchors(text, file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataFileError(
            [ValidationIssue(file, line, None, None, f"invalid YAML: {problem}")]
        ) from None
    finally:
        loader.dispose()
    document = YamlDocument(file=file, data=data)
    if node is not None:
        _collect_lines(node, (), document)
    return document


def _refuse_anchors(text: str, file: str) -> None:
    """DataFileError at the first anchor or alias. Only texts with "&" are scanned (about a
    tenth of a parse): without an anchor, an alias is a syntax error the parse reports."""
    if "&" not in text:
        return
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1
                raise DataFileError([ValidationIssue(file, line, None, None, ANCHORS_REFUSED)])
    except yaml.YAMLError:
        return  # broken YAML: the parse itself reports it, with its line
    finally:
        loader.dispose()


def load_yaml_file(path: Path, display_name: str | None = None) -> YamlDocument:
    """Read and parse one file; unreadable files become a DataFileError too."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(
            [ValidationIssue(name, 0, None, None, f"cannot read file: {exc}")]
        ) from None
    return parse_yaml(text, name)


def load_documents(
    paths: Iterable[Path], shown_from: Path
) -> tuple[list[YamlDocument], list[ValidationIssue]]:
    """Parse files named relative to `shown_from`; broken files and duplicate keys are issues."""
    documents: list[YamlDocument] = []
    issues: list[ValidationIssue] = []
    for path in paths:
        try:
            name = str(path.relative_to(shown_from))
        except ValueError:
            name = str(path)
        try:
            document = load_yaml_file(path, name)
        except DataFileError as exc:
            issues.extend(exc.issues)
            continue
        issues.extend(document.duplicate_key_issues())
        documents.append(document)
    return documents, issues


def _collect_lines(node: yaml.Node, path: PathKey, document: YamlDocument) -> None:
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                document.duplicate_keys.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            document.lines[child] = key_node.start_mark.line + 1
            _collect_lines(value_node, child, document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            document.lines[child] = item.start_mark.line + 1
            _collect_lines(item, child, document)
