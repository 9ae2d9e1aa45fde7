"""Ids that entries (`related`) and roadmap items (`learn`) point at, reported once per cause.

One broken or deleted file would otherwise show as dozens of "unknown id" lines elsewhere,
with the real cause lost among them. So: an id defined by an entry with errors of its own is
fine here (its errors are reported where it is); a reference into a file that could not be
read, or that git says was deleted, is counted on that file's one line; and many ids that no
file defines become one line too.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import replace
from pathlib import Path

from bot.knowledge.yamlsource import ValidationIssue

LISTED_UNKNOWN = 5  # more distinct unknown ids than this are summarised on one line
_ID_LINE = re.compile(
    r"^\s*(?:-\s+)?id:\s*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*)[\"']?\s*(?:#.*)?$", re.M
)
_GIT_SECONDS = 5


def ids_in_text(text: str) -> list[str]:
    """Entry ids in a file too broken to parse, from its `id:` lines (best effort)."""
    return _ID_LINE.findall(text)


class References:
    """Collects references while files are checked; `issues()` reports them at the end."""

    def __init__(self, defined: Container[str], directory: Path | None = None) -> None:
        self.defined = defined  # ids of entries that exist, valid or not
        self.directory = directory  # a knowledge directory, to ask git about deleted files
        self._broken: dict[str, ValidationIssue] = {}  # file -> the issue that broke it
        self._defined_in: dict[str, str] = {}  # id -> the broken or deleted file defining it
        self._unchecked: Counter[str] = Counter()  # file -> references into it
        self._unknown: list[tuple[str, ValidationIssue]] = []

    def broken_file(self, issue: ValidationIssue, ids: Iterable[str]) -> None:
        """A file that could not be used as a whole: `issue` says why, `ids` it defines."""
        self._broken[issue.file] = issue
        for entry_id in ids:
            self._defined_in.setdefault(entry_id, issue.file)

    @property
    def broken_files(self) -> list[str]:
        return list(self._broken)

    def check(self, target: str, issue: ValidationIssue) -> None:
        """Note a reference to `target`; `issue` is reported if nothing defines it."""
        if target in self.defined:
            return
        if target in self._defined_in:
            self._unchecked[self._defined_in[target]] += 1
        else:
            self._unknown.append((target, issue))

    def issues(self) -> list[ValidationIssue]:
        """Broken files (with the references into them), then what is unknown."""
        unknown = self._unknown
        missing: list[ValidationIssue] = []
        if unknown and self.directory is not None:
            missing, unknown = self._deleted_files(unknown)
        issues = [self._with_count(issue) for issue in self._broken.values()]
        return issues + missing + self._unknown_issues(unknown)

    def _with_count(self, issue: ValidationIssue) -> ValidationIssue:
        count = self._unchecked[issue.file]
        if not count:
            return issue
        return replace(issue, message=f"{issue.message} ({_references(count)} into it not checked)")

    def _deleted_files(
        self, unknown: list[tuple[str, ValidationIssue]]
    ) -> tuple[list[ValidationIssue], list[tuple[str, ValidationIssue]]]:
        """Files git still has but the directory lacks, and the unknown ids they account for."""
        assert self.directory is not None
        issues: list[ValidationIssue] = []
        for name, ids in deleted_knowledge_files(self.directory).items():
            counted = [pair for pair in unknown if pair[0] in ids]
            if not counted:
                continue
            unknown = [pair for pair in unknown if pair[0] not in ids]
            shown = f"{self.directory.name}/{name}"
            issues.append(
                ValidationIssue(
                    shown,
                    0,
                    None,
                    None,
                    f"file is missing (git has it: `git checkout HEAD -- {shown}` brings it back); "
                    f"{_references(len(counted))} into it not checked",
                )
            )
        return issues, unknown

    def _unknown_issues(self, unknown: list[tuple[str, ValidationIssue]]) -> list[ValidationIssue]:
        targets = Counter(target for target, _ in unknown)
        if len(targets) <= LISTED_UNKNOWN:
            return [issue for _, issue in unknown]
        shown = ", ".join(f"{target} ({count})" for target, count in targets.most_common(8))
        more = f" and {len(targets) - 8} more" if len(targets) > 8 else ""
        where = self.directory.name if self.directory is not None else unknown[0][1].file
        return [
            ValidationIssue(
                where,
                0,
                None,
                None,
                f"{_references(len(unknown))} to {len(targets)} ids that no file defines: "
                f"{shown}{more}; was a knowledge file deleted or renamed?",
            )
        ]


def deleted_knowledge_files(directory: Path) -> dict[str, set[str]]:
    """Entry files git knows in `directory` that are gone from it: name -> their ids.

    {} outside a git checkout, without git, or when git is slow: it is only a better message.
    """
    try:
        names = _git(directory, "diff", "--name-only", "--relative", "--diff-filter=D", "HEAD")
        deleted = {}
        for name in names.splitlines():
            if "/" not in name and name.endswith((".yaml", ".yml")) and name != "synonyms.yaml":
                deleted[name] = set(ids_in_text(_git(directory, "show", f"HEAD:./{name}")))
        return deleted
    except (OSError, subprocess.SubprocessError):
        return {}


def _git(directory: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=_GIT_SECONDS,
        check=True,
    )
    return done.stdout


def _references(count: int) -> str:
    return f"{count} reference{'' if count == 1 else 's'}"
