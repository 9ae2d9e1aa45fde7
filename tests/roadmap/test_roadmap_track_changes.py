"""A knowledge update never loses user progress.

Items removed from a track keep their rows (hidden, not counted, still exported); an item
with `replaces: old-id` shows the old item's progress. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.db.models import RoadmapProgress
from bot.privacy.service import PrivacyService
from bot.roadmap.progress import TrackView, build_view
from bot.roadmap.service import RoadmapService
from bot.roadmap.tracks import Track, TrackSet, load_tracks
from bot.services import Services

USER = 42

V1 = """\
id: demo
title: Demo
description: Tracks change over time.
steps:
  - id: basics
    title: Basics
    items:
      - {id: read-book, title: Read a book, learn: [books]}
      - {id: old-course, title: Take the old course, learn: [online-courses]}
      - {id: write-sql, title: Write SQL, learn: [sql]}
"""

# read-book removed; old-course renamed to new-course (replaces); write-sql unchanged
V2 = """\
id: demo
title: Demo
description: Tracks change over time.
steps:
  - id: basics
    title: Basics
    items:
      - {id: new-course, title: Take the new course, learn: [online-courses], replaces: old-course}
      - {id: write-sql, title: Write SQL, learn: [sql]}
"""

# renamed once more: the chain is written out flat
V3 = V2.replace("id: new-course", "id: newest-course").replace(
    "replaces: old-course", "replaces: [new-course, old-course]"
)


def service_on(services: Services, tmp_path: Path, text: str) -> RoadmapService:
    roadmaps = RoadmapService(TrackSet(), services.sessions, services.knowledge)
    update_yaml(roadmaps, tmp_path, text)
    return roadmaps


def update_yaml(roadmaps: RoadmapService, tmp_path: Path, text: str | None) -> None:
    """Write (None: delete) the track file and serve what is there now, as a reload does."""
    directory = tmp_path / "roadmaps"
    directory.mkdir(exist_ok=True)
    if text is None:
        (directory / "demo.yaml").unlink()
    else:
        (directory / "demo.yaml").write_text(text)
    assert roadmaps.knowledge is not None
    roadmaps.install(load_tracks(directory, roadmaps.knowledge.base))


async def stored(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(RoadmapProgress.item_id, RoadmapProgress.status).where(
                RoadmapProgress.user_id == USER
            )
        )
        return dict(rows.all())


async def test_removed_items_keep_progress_hidden_not_deleted(
    services: Services, tmp_path: Path
) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "read-book", "done")
    await roadmaps.set_status(USER, "demo", "write-sql", "doing")
    before = await roadmaps.view(USER, "demo")
    assert (before.done, before.total, before.percent, before.hidden) == (1, 3, 33, 0)

    update_yaml(roadmaps, tmp_path, V2)
    after = await roadmaps.view(USER, "demo")
    assert after.item("read-book") is None
    assert (after.done, after.total, after.percent, after.hidden) == (0, 2, 0, 1)
    assert await stored(services) == {"read-book": "done", "write-sql": "doing"}
    exported = await PrivacyService(services.sessions).export_user(USER)
    assert {row["item_id"] for row in exported["roadmap_progress"]} == {"read-book", "write-sql"}

    update_yaml(roadmaps, tmp_path, V1)  # the item comes back: so does its progress
    restored = await roadmaps.view(USER, "demo")
    assert restored.item("read-book").status == "done"  # type: ignore[union-attr]
    assert (restored.done, restored.hidden) == (1, 0)


async def test_replaces_carries_progress_over(services: Services, tmp_path: Path) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "old-course", "done")

    update_yaml(roadmaps, tmp_path, V2)
    view = await roadmaps.view(USER, "demo")
    new_course = view.item("new-course")
    assert new_course is not None and new_course.status == "done"
    assert new_course.changed_at is not None
    assert (view.done, view.percent, view.hidden) == (1, 50, 0)
    assert await stored(services) == {"old-course": "done"}  # carried over at read time

    update_yaml(roadmaps, tmp_path, V3)
    newest = (await roadmaps.view(USER, "demo")).item("newest-course")
    assert newest is not None and newest.status == "done"


async def test_changes_after_a_rename_win_and_undo_is_not_shadowed(
    services: Services, tmp_path: Path
) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "old-course", "done")
    update_yaml(roadmaps, tmp_path, V2)

    await roadmaps.undo(USER, "demo", "new-course")
    item = (await roadmaps.view(USER, "demo")).item("new-course")
    assert item is not None and item.status == "todo"  # the old "done" no longer shows
    assert await stored(services) == {"old-course": "done", "new-course": "todo"}

    await roadmaps.set_status(USER, "demo", "new-course", "doing")
    update_yaml(roadmaps, tmp_path, V3)
    newest = (await roadmaps.view(USER, "demo")).item("newest-course")
    assert newest is not None and newest.status == "doing"  # the latest change of the chain

    update_yaml(roadmaps, tmp_path, V1)  # rolled back: the old item's own row is still there
    old = (await roadmaps.view(USER, "demo")).item("old-course")
    assert old is not None and old.status == "done"


async def test_reset_clears_hidden_rows_too(services: Services, tmp_path: Path) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "read-book", "done")
    await roadmaps.set_status(USER, "demo", "write-sql", "done")
    update_yaml(roadmaps, tmp_path, V2)
    assert await roadmaps.reset(USER, "demo") == 2
    update_yaml(roadmaps, tmp_path, V1)
    assert (await roadmaps.view(USER, "demo")).done == 0


async def test_progress_of_a_removed_track_stays_stored(services: Services, tmp_path: Path) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "write-sql", "done")
    update_yaml(roadmaps, tmp_path, None)
    assert roadmaps.tracks.ids() == []
    assert await roadmaps.overview(USER) == []
    assert await stored(services) == {"write-sql": "done"}


def status_of(view: TrackView, item_id: str) -> str:
    item = view.item(item_id)
    assert item is not None
    return item.status


def test_latest_change_in_a_lineage_wins_and_ties_prefer_the_own_id() -> None:
    item = {"id": "c", "title": "C", "learn": ["sql"], "replaces": ["b", "a"]}
    track = Track.model_validate(
        {
            "id": "demo",
            "title": "Demo",
            "description": "x",
            "steps": [{"id": "s", "title": "S", "items": [item]}],
        }
    )
    early = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    late = early + dt.timedelta(seconds=1)
    naive_late = late.replace(tzinfo=None)  # SQLite returns naive UTC datetimes
    assert status_of(build_view(track, [("a", "done", late), ("b", "doing", early)]), "c") == "done"
    own_later = build_view(track, [("a", "done", early), ("c", "skipped", naive_late)])
    assert status_of(own_later, "c") == "skipped"
    tie = build_view(track, [("b", "done", early), ("c", "doing", early), ("a", "skipped", early)])
    assert status_of(tie, "c") == "doing"
    bogus = build_view(track, [("c", "finished", late), ("zzz", "done", late)])
    assert status_of(bogus, "c") == "todo" and bogus.hidden == 1
