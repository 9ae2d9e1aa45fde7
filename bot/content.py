"""The bundled content: `knowledge/` and its roadmap tracks, loaded and validated together.

`load_content` is the one definition of "valid content": `careerbot kb validate` prints its
problems, the bot refuses to start on them, and `/kb reload` refuses to swap on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
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

    Raises DataFileError listing every problem in both, so one run shows them all; tracks'
    `learn` ids are checked against this knowledge (skipped when the knowledge itself failed).
    """
    issues: list[ValidationIssue] = []
    knowledge = None
    tracks = TrackSet()
    try:
        knowledge = load_knowledge(directory)
    except DataFileError as exc:
        issues += exc.issues
    try:
        tracks = load_tracks(roadmaps_dir(directory), knowledge)
    except DataFileError as exc:
        issues += exc.issues
    if issues or knowledge is None:
        raise DataFileError(issues)
    return Content(knowledge, tracks)
