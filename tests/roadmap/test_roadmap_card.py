"""Progress cards and the role-fit chart: valid PNGs of sane size whose bars show the numbers,
and texts that fit Discord's limits."""

from __future__ import annotations

import io

from PIL import Image

from bot.config import BUNDLED_KNOWLEDGE
from bot.discord.limits import DESCRIPTION_MAX
from bot.roadmap.card import (
    BACKGROUND,
    COMPLETE,
    FILL,
    TRACK_BG,
    render_png,
    step_bar_box,
    text_bar,
    text_card,
)
from bot.roadmap.fit import fit_report
from bot.roadmap.fitcard import chart_size, fit_text, render_fit_png, role_bar_box
from bot.roadmap.progress import MemberProgress, TrackView, build_view, read_progress
from bot.roadmap.tracks import Track, TrackSet, build_tracks, load_tracks

TRACKS = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps")
Marks = list[tuple[str, str]]  # (skill id, status)


def progress(marks: Marks, marked_in: str | None = "ml-engineer") -> MemberProgress:
    return read_progress(TRACKS.graph, [(i, status, None, marked_in) for i, status in marks])


def ml_view(marks: Marks, marked_in: str | None = "ml-engineer") -> TrackView:
    track = TRACKS.get("ml-engineer")
    assert track is not None
    return build_view(track, progress(marks, marked_in), TRACKS.titles())


def foundations_done() -> Marks:
    track = TRACKS.get("ml-engineer")
    assert track is not None
    return [(skill.id, "done") for skill in track.steps[0].skills]


def huge_tracks() -> TrackSet:
    title = "A very long item title that goes on and on to use up the whole budget " * 2
    skills = [
        {"id": f"item-{s}-{i}", "title": title[:100], "learn": ["sql"]}
        for s in range(20)
        for i in range(25)
    ]
    steps = [
        {
            "id": f"step-{s}",
            "title": f"Step {s} " + "with a long name " * 5,
            "skills": [f"item-{s}-{i}" for i in range(25)],
        }
        for s in range(20)
    ]
    roles = [
        {"id": f"r{n}", "title": "H" * 100, "role": "R" * 40, "description": "x", "steps": steps}
        for n in range(12)
    ]
    return build_tracks(skills, roles)


def huge_track() -> Track:
    return huge_tracks().tracks[0]


def test_png_is_valid_and_of_sane_size() -> None:
    data = render_png(ml_view(foundations_done()), subtitle="alice")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 2_000 < len(data) < 500_000
    Image.open(io.BytesIO(data)).verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size[0] == 800 and 300 < image.size[1] < 1200


def test_png_bars_show_the_progress() -> None:
    image = Image.open(io.BytesIO(render_png(ml_view(foundations_done()))))
    full, empty = step_bar_box(0), step_bar_box(1)
    middle = (full[1] + full[3]) // 2
    assert image.getpixel((full[2] - 8, middle)) == COMPLETE  # step 1 at 100%
    assert image.getpixel((empty[0] + 8, (empty[1] + empty[3]) // 2)) == TRACK_BG  # 0%
    assert image.getpixel((2, 2)) == BACKGROUND
    half = ml_view([("supervised-learning", "done"), ("model-evaluation", "done")])
    core = Image.open(io.BytesIO(render_png(half)))
    box = step_bar_box(1)  # 2 of 5 done: filled to 40%
    y = (box[1] + box[3]) // 2
    width = box[2] - box[0]
    assert core.getpixel((box[0] + width * 30 // 100, y)) == FILL
    assert core.getpixel((box[0] + width * 50 // 100, y)) == TRACK_BG


def test_png_of_the_largest_track_stays_reasonable() -> None:
    image = Image.open(io.BytesIO(render_png(build_view(huge_track(), MemberProgress()))))
    assert image.size[1] < 1500


def test_text_bar() -> None:
    assert text_bar(0) == "░" * 10
    assert text_bar(45) == "████░░░░░░"
    assert text_bar(100, 4) == "████"


def test_text_card_shows_steps_marks_and_percentages() -> None:
    marks: Marks = [
        *foundations_done(),
        ("supervised-learning", "doing"),
        ("education-decision", "skipped"),
    ]
    card = text_card(ml_view(marks), ids=True, limit=DESCRIPTION_MAX)
    assert card.startswith("Become an ML engineer — 12% (5 of 39 done, 1 skipped)")
    assert "1. Foundations: maths and programming\n██████████ 100% (5/5)" in card
    assert "  ✓ Finish a linear algebra course" in card
    assert "  ◐ Train a regression model" in card
    assert "  ⊘ Decide whether a degree" in card
    assert "[linear-algebra-course]" in card
    assert "5. Further education (optional)" in card
    assert " · done in" not in card  # all marked in this track
    assert len(card) <= DESCRIPTION_MAX


def test_text_card_says_where_a_skill_was_marked() -> None:
    card = text_card(ml_view([("deployed-project", "done")], marked_in="portfolio"))
    assert (
        "  ✓ Ship one end-to-end project with a deployed model · done in Build your ML portfolio"
    ) in card
    markdown = text_card(ml_view([("linkedin-profile", "doing")], "networking"), markdown=True)
    assert "◐ Set up a LinkedIn profile that shows your projects · in progress in Grow your ML" in (
        markdown
    )


def test_markdown_card_bolds_titles_and_escapes() -> None:
    card = text_card(ml_view([]), markdown=True)
    assert (
        "**Become an ML engineer**" in card and "**1. Foundations: maths and programming**" in card
    )
    assert "[linear-algebra-course]" not in card


def test_text_card_always_fits_the_limit() -> None:
    view = build_view(huge_track(), MemberProgress())
    card = text_card(view, markdown=True, ids=True, limit=DESCRIPTION_MAX)
    assert len(card) <= DESCRIPTION_MAX
    assert "Step 19" in card  # items dropped before steps are
    tiny = text_card(view, limit=300)
    assert len(tiny) <= 300 and tiny.endswith("…")


# ---- the role-fit chart ---------------------------------------------------------------------


def fit_of(marks: Marks, tracks: TrackSet = TRACKS):  # type: ignore[no-untyped-def]
    state = read_progress(tracks.graph, [(i, s, None, None) for i, s in marks])
    views = [build_view(track, state, tracks.titles()) for track in tracks.roles()]
    return fit_report(views, state, tracks.graph, None)


def test_fit_chart_has_one_bar_per_role_showing_its_share() -> None:
    ml = TRACKS.get("ml-engineer")
    assert ml is not None
    half = [(skill.id, "done") for _, skill in list(ml.skills())[:20]]  # 20 of 40
    report = fit_of(half)
    png = render_fit_png(report, subtitle="alice")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 2_000 < len(png) < 300_000
    image = Image.open(io.BytesIO(png))
    assert image.size == chart_size(report) == (800, 96 + 52 * 5 + 40)
    assert report.roles[0].role == "ML engineer" and report.roles[0].percent == 50
    box = role_bar_box(0)
    y, width = (box[1] + box[3]) // 2, box[2] - box[0]
    assert image.getpixel((box[0] + width * 40 // 100, y)) == FILL
    assert image.getpixel((box[0] + width * 60 // 100, y)) == TRACK_BG
    last = role_bar_box(len(report.roles) - 1)
    assert report.roles[-1].percent < 50
    assert image.getpixel((last[0] + width * 60 // 100, (last[1] + last[3]) // 2)) == TRACK_BG
    everything = fit_of([(skill.id, "done") for skill in TRACKS.graph])
    full = Image.open(io.BytesIO(render_fit_png(everything)))
    assert full.getpixel((box[2] - 6, y)) == COMPLETE


def test_fit_text_lists_roles_shares_and_next_skills_with_topics() -> None:
    report = fit_of([("python-fluency", "done"), ("statistics-probability", "doing")])
    plain = fit_text(report)
    assert plain.startswith("How far you are from each role (share of its skills done):")
    assert "Data scientist — 3% (1 of 31 done)" in plain
    assert "  ◐ Work through statistics and probability" in plain
    assert "[statistics-probability]" in plain
    markdown = fit_text(report, markdown=True, limit=DESCRIPTION_MAX)
    assert "**Data scientist** — 3% (1 of 31 done)\n`░░░░░░░░░░`" in markdown
    assert "• ○ Pull and prepare a dataset with SQL\n" in markdown
    assert "/topic" not in markdown  # no knowledge base given: no entries to name
    assert "[statistics-probability]" not in markdown and len(markdown) <= DESCRIPTION_MAX
    start = fit_text(fit_of([]))
    assert start.endswith(
        "Mark what you can already do with /roadmap done, and this shows how close you are."
    )


def test_fit_chart_and_text_of_the_largest_report_stay_reasonable() -> None:
    report = fit_of([], huge_tracks())
    image = Image.open(io.BytesIO(render_fit_png(report)))
    assert image.size[1] < 1000 and len(report.roles) == 12
    text = fit_text(report, markdown=True, limit=DESCRIPTION_MAX)
    assert len(text) <= DESCRIPTION_MAX and "R" * 40 in text
