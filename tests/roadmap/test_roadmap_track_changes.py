"""A knowledge update never loses member progress.

Skills removed from the YAML keep their rows (hidden, not counted, still exported); a skill
with `replaces: old-id` shows the old skill's progress. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.db.models import SkillProgress
from bot.privacy.service import PrivacyService
from bot.roadmap.progress import MemberProgress, TrackView, build_view, read_progress
from bot.roadmap.service import RoadmapService
from bot.roadmap.skills import SkillGraph
from bot.roadmap.tracks import TrackSet, build_tracks, load_tracks
from bot.services import Services

USER = 42

TRACK = """\
id: demo
title: Demo
description: Tracks change over time.
steps:
  - id: basics
    title: Basics
    skills: [{skills}]
"""

V1 = """\
- {id: read-book, title: Read a book, learn: [books]}
- {id: old-course, title: Take the old course, learn: [online-courses]}
- {id: write-sql, title: Write SQL, learn: [sql]}
"""

# read-book removed; old-course renamed to new-course (replaces); write-sql unchanged
V2 = """\
- {id: new-course, title: Take the new course, learn: [online-courses], replaces: old-course}
- {id: write-sql, title: Write SQL, learn: [sql]}
"""

# renamed once more: the chain is written out flat
V3 = V2.replace("id: new-course", "id: newest-course").replace(
    "replaces: old-course", "replaces: [new-course, old-course]"
)


def service_on(services: Services, tmp_path: Path, skills: str) -> RoadmapService:
    roadmaps = RoadmapService(TrackSet(), services.sessions, services.knowledge)
    update_yaml(roadmaps, tmp_path, skills)
    return roadmaps


def update_yaml(roadmaps: RoadmapService, tmp_path: Path, skills: str | None) -> None:
    """Write the skills and the track listing them all (None: no track, no skills) and serve
    what is there now, as a reload does."""
    directory = tmp_path / "roadmaps"
    (directory / "skills").mkdir(parents=True, exist_ok=True)
    track, skill_file = directory / "demo.yaml", directory / "skills" / "demo.yaml"
    if skills is None:
        track.unlink()
        skill_file.unlink()
    else:
        skill_file.write_text(skills)
        ids = [line.split("id: ")[1].split(",")[0] for line in skills.splitlines()]
        track.write_text(TRACK.format(skills=", ".join(ids)))
    assert roadmaps.knowledge is not None
    roadmaps.install(load_tracks(directory, roadmaps.knowledge.base))


async def stored(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(SkillProgress.skill_id, SkillProgress.status).where(
                SkillProgress.user_id == USER
            )
        )
        return dict(rows.all())


async def test_removed_skills_keep_progress_hidden_not_deleted(
    services: Services, tmp_path: Path
) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "read-book", "done")
    await roadmaps.set_status(USER, "demo", "write-sql", "doing")
    before = await roadmaps.view(USER, "demo")
    assert (before.done, before.total, before.percent, before.hidden) == (1, 3, 33, 0)

    update_yaml(roadmaps, tmp_path, V2)
    after = await roadmaps.view(USER, "demo")
    assert after.skill("read-book") is None
    assert (after.done, after.total, after.percent, after.hidden) == (0, 2, 0, 1)
    assert await stored(services) == {"read-book": "done", "write-sql": "doing"}
    exported = await PrivacyService(services.sessions).export_user(USER)
    assert {row["skill_id"] for row in exported["skill_progress"]} == {"read-book", "write-sql"}

    update_yaml(roadmaps, tmp_path, V1)  # the skill comes back: so does its progress
    restored = await roadmaps.view(USER, "demo")
    assert restored.skill("read-book").status == "done"  # type: ignore[union-attr]
    assert (restored.done, restored.hidden) == (1, 0)


async def test_replaces_carries_progress_over(services: Services, tmp_path: Path) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "old-course", "done")

    update_yaml(roadmaps, tmp_path, V2)
    view = await roadmaps.view(USER, "demo")
    new_course = view.skill("new-course")
    assert new_course is not None and new_course.status == "done"
    assert new_course.changed_at is not None and new_course.elsewhere is None
    assert (view.done, view.percent, view.hidden) == (1, 50, 0)
    assert await stored(services) == {"old-course": "done"}  # carried over at read time

    update_yaml(roadmaps, tmp_path, V3)
    newest = (await roadmaps.view(USER, "demo")).skill("newest-course")
    assert newest is not None and newest.status == "done"
    # the old id still finds the skill, e.g. from a button on a message from before
    found = await roadmaps.resolve(USER, "old-course", exact=True)
    assert found.choice is not None and found.choice.skill.id == "newest-course"


async def test_changes_after_a_rename_win_and_undo_is_not_shadowed(
    services: Services, tmp_path: Path
) -> None:
    roadmaps = service_on(services, tmp_path, V1)
    await roadmaps.set_status(USER, "demo", "old-course", "done")
    update_yaml(roadmaps, tmp_path, V2)

    await roadmaps.undo(USER, "demo", "new-course")
    skill = (await roadmaps.view(USER, "demo")).skill("new-course")
    assert skill is not None and skill.status == "todo"  # the old "done" no longer shows
    assert await stored(services) == {"old-course": "done", "new-course": "todo"}

    await roadmaps.set_status(USER, "demo", "new-course", "doing")
    update_yaml(roadmaps, tmp_path, V3)
    newest = (await roadmaps.view(USER, "demo")).skill("newest-course")
    assert newest is not None and newest.status == "doing"  # the latest change of the chain

    update_yaml(roadmaps, tmp_path, V1)  # rolled back: the old skill's own row is still there
    old = (await roadmaps.view(USER, "demo")).skill("old-course")
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


def status_of(view: TrackView, skill_id: str) -> str:
    skill = view.skill(skill_id)
    assert skill is not None
    return skill.status


def test_latest_change_in_a_lineage_wins_and_ties_prefer_the_own_id() -> None:
    tracks = build_tracks(
        [{"id": "c", "title": "C", "learn": ["sql"], "replaces": ["b", "a"]}],
        [
            {
                "id": "demo",
                "title": "Demo",
                "description": "x",
                "steps": [{"id": "s", "title": "S", "skills": ["c"]}],
            }
        ],
    )
    track, graph = tracks.tracks[0], tracks.graph
    early = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    late = early + dt.timedelta(seconds=1)
    naive_late = late.replace(tzinfo=None)  # SQLite returns naive UTC datetimes

    def view(*rows: tuple[str, str, dt.datetime | None]) -> TrackView:
        progress = read_progress(graph, [(i, s, at, "demo") for i, s, at in rows])
        return build_view(track, progress)

    assert status_of(view(("a", "done", late), ("b", "doing", early)), "c") == "done"
    assert status_of(view(("a", "done", early), ("c", "skipped", naive_late)), "c") == "skipped"
    tie = view(("b", "done", early), ("c", "doing", early), ("a", "skipped", early))
    assert status_of(tie, "c") == "doing"
    bogus = view(("c", "finished", late), ("zzz", "done", late))
    assert status_of(bogus, "c") == "todo" and bogus.hidden == 1


def test_elsewhere_names_the_other_track_only_when_it_is_known() -> None:
    skills = [{"id": "s", "title": "S", "learn": ["sql"]}]
    step = [{"id": "x", "title": "X", "skills": ["s"]}]
    tracks = build_tracks(
        skills,
        [
            {"id": "one", "title": "One", "description": "x", "steps": step},
            {"id": "two", "title": "Two", "description": "x", "steps": step},
        ],
    )
    one, two = tracks.tracks
    titles = tracks.titles()

    def shown(marked_in: str | None, status: str = "done") -> str | None:
        progress = read_progress(tracks.graph, [("s", status, None, marked_in)])
        skill = build_view(two, progress, titles).skill("s")
        assert skill is not None
        return skill.elsewhere

    assert shown("one") == "One"
    assert shown("two") is None and shown(None) is None and shown("gone") is None
    assert shown("one", "todo") is None  # an undo elsewhere is just "to do"
    assert build_view(one, MemberProgress()).skill("s").elsewhere is None  # type: ignore[union-attr]
    assert SkillGraph().owner("s") is None
