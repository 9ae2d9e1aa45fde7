"""Progress cards: a valid PNG of sane size, and a text card that fits Discord's limits."""

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
from bot.roadmap.progress import Row, TrackView, build_view
from bot.roadmap.tracks import Track, load_tracks

TRACKS = load_tracks(BUNDLED_KNOWLEDGE / "roadmaps")


def ml_view(rows: list[Row]) -> TrackView:
    track = TRACKS.get("ml-engineer")
    assert track is not None
    return build_view(track, rows)


def foundations_done() -> list[Row]:
    track = TRACKS.get("ml-engineer")
    assert track is not None
    return [(item.id, "done", None) for item in track.steps[0].items]


def huge_track() -> Track:
    title = "A very long item title that goes on and on to use up the whole budget " * 2
    steps = [
        {
            "id": f"step-{s}",
            "title": f"Step {s} " + "with a long name " * 5,
            "items": [
                {"id": f"item-{s}-{i}", "title": title[:100], "learn": ["sql"]} for i in range(25)
            ],
        }
        for s in range(20)
    ]
    return Track.model_validate(
        {"id": "huge", "title": "H" * 100, "description": "x", "steps": steps}
    )


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
    half = ml_view([("supervised-learning", "done", None), ("model-evaluation", "done", None)])
    core = Image.open(io.BytesIO(render_png(half)))
    box = step_bar_box(1)  # 2 of 5 done: filled to 40%
    y = (box[1] + box[3]) // 2
    width = box[2] - box[0]
    assert core.getpixel((box[0] + width * 30 // 100, y)) == FILL
    assert core.getpixel((box[0] + width * 50 // 100, y)) == TRACK_BG


def test_png_of_the_largest_track_stays_reasonable() -> None:
    image = Image.open(io.BytesIO(render_png(build_view(huge_track(), []))))
    assert image.size[1] < 1500


def test_text_bar() -> None:
    assert text_bar(0) == "░" * 10
    assert text_bar(45) == "████░░░░░░"
    assert text_bar(100, 4) == "████"


def test_text_card_shows_steps_marks_and_percentages() -> None:
    rows: list[Row] = [
        *foundations_done(),
        ("supervised-learning", "doing", None),
        ("education-decision", "skipped", None),
    ]
    card = text_card(ml_view(rows), ids=True, limit=DESCRIPTION_MAX)
    assert card.startswith("Become an ML engineer — 13% (5 of 38 done, 1 skipped)")
    assert "1. Foundations: maths and programming\n██████████ 100% (5/5)" in card
    assert "  ✓ Finish a linear algebra course" in card
    assert "  ◐ Train a regression model" in card
    assert "  ⊘ Decide whether a degree" in card
    assert "[linear-algebra-course]" in card
    assert "5. Further education (optional)" in card
    assert len(card) <= DESCRIPTION_MAX


def test_markdown_card_bolds_titles_and_escapes() -> None:
    card = text_card(ml_view([]), markdown=True)
    assert (
        "**Become an ML engineer**" in card and "**1. Foundations: maths and programming**" in card
    )
    assert "[linear-algebra-course]" not in card


def test_text_card_always_fits_the_limit() -> None:
    view = build_view(huge_track(), [])
    card = text_card(view, markdown=True, ids=True, limit=DESCRIPTION_MAX)
    assert len(card) <= DESCRIPTION_MAX
    assert "Step 19" in card  # items dropped before steps are
    tiny = text_card(view, limit=300)
    assert len(tiny) <= 300 and tiny.endswith("…")
