"""The bundled content: `knowledge/` and its roadmap tracks, loaded and validated together.

`load_content` is the one definition of "valid content": `careerbot kb validate` prints its
problems, the bot refuses to start on them, and `/kb reload` refuses to swap on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import read_knowledge
from bot.knowledge.yamlsource import DataFileError, ValidationIssue
from bot.roadmap.tracks import TrackSet, load_tracks

ROADMAPS = "roadmaps"  # the track files' folder inside the knowledge directory


@dataclass(frozen=True)
class Content:
    """A knowledge base and the tracks whose `learn` ids were checked against it."""

    knowledge: KnowledgeBase
    tracks: TrackSet


def roadmaps_dir(knowledge_dir: Path) -> Path:
    return knowledge_dir / ROADMAPS


def load_content(directory: Path) -> Content:
    """Read the knowledge files and the track files under `directory`.

    Raises DataFileError listing every problem in both, so one run shows them all. Tracks'
    `learn` ids are checked with the entries' `related` ids, so a broken or missing knowledge
    file is reported once, not as an "unknown id" at every reference into it.
    """
    files = read_knowledge(directory)
    issues: list[ValidationIssue] = []
    tracks = TrackSet()
    try:
        tracks = load_tracks(roadmaps_dir(directory), files.references)
    except DataFileError as exc:
        issues += exc.issues
    issues = files.problems() + issues
    if issues:
        raise DataFileError(issues)
    return Content(files.base(), tracks)
