"""knowledge/ and its roadmap tracks as one: validated together (bot.content.load_content, the
one check behind `careerbot kb validate`, start-up and /kb reload) and reloaded together
(Services.reload_content). The Discord side is in tests/test_discord_kb.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answers.serving import KnowledgeService
from bot.cli import run_cli
from bot.config import Settings
from bot.knowledge import DataFileError, KnowledgeBase
from bot.services import Services, open_services

USER = 77
MLOPS = "what does an mlops engineer do"


@pytest.fixture
async def copy_services(settings: Settings, knowledge_copy: Path) -> AsyncIterator[Services]:
    """Services started from the copy, as `careerbot run` starts them (no knowledge passed in)."""
    opened = await open_services(dataclasses.replace(settings, knowledge_dir=knowledge_copy))
    try:
        yield opened
    finally:
        await opened.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_a_broken_track_keeps_valid_new_knowledge_out_too(
    copy_services: Services, knowledge_copy: Path
) -> None:
    services = copy_services
    old_knowledge, old_tracks = services.knowledge.base, services.roadmaps.tracks
    mlops = old_knowledge.get("mlops-engineer")
    assert mlops is not None
    edit(knowledge_copy / "roles.yaml", f"title: {mlops.title}\n", "title: MLOps, reloaded\n")
    track = knowledge_copy / "roadmaps" / "skills" / "career.yaml"  # the portfolio's skills
    good_track = track.read_text(encoding="utf-8")
    edit(track, "learn: [", "learn: [no-such-entry, ")

    with pytest.raises(DataFileError, match=r"roadmaps/skills/career\.yaml.*'no-such-entry'"):
        await services.reload_content()
    assert services.knowledge.base is old_knowledge and services.roadmaps.tracks is old_tracks
    assert (await services.ask.ask(MLOPS, None)).entry.title == mlops.title  # type: ignore[union-attr]

    track.write_text(good_track, encoding="utf-8")
    content = await services.reload_content()
    assert services.knowledge.base is content.knowledge
    assert services.roadmaps.tracks is content.tracks
    assert (await services.ask.ask(MLOPS, None)).entry.title == "MLOps, reloaded"  # type: ignore[union-attr]
    found = await services.roadmaps.next_item(USER, "portfolio")
    assert found is not None and found.entries
    assert all(content.knowledge.get(e.id) is e for e in found.entries)  # the new base's


async def test_start_up_and_kb_validate_refuse_the_same_problems(
    settings: Settings, knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(knowledge_copy / "roles.yaml", "title:", "titel:")
    edit(knowledge_copy / "roadmaps" / "networking.yaml", "    title: Meet", "    titel: Meet")
    with pytest.raises(DataFileError) as caught:
        await open_services(dataclasses.replace(settings, knowledge_dir=knowledge_copy))
    files = {issue.file for issue in caught.value.issues}
    assert {"knowledge/roles.yaml", "knowledge/roadmaps/networking.yaml"} <= files  # both
    assert run_cli(["kb", "validate", str(knowledge_copy)]) == 1
    assert str(caught.value) in capsys.readouterr().err


async def test_reload_needs_a_knowledge_directory(
    settings: Settings, bundled_knowledge: KnowledgeBase
) -> None:
    services = await open_services(settings, knowledge=KnowledgeService(bundled_knowledge))
    try:
        with pytest.raises(ValueError, match="not loaded from a directory"):
            await services.reload_content()
        assert services.knowledge.base is bundled_knowledge
    finally:
        await services.close()
