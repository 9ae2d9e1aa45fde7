"""Progress cards: a PNG for Discord (Pillow) and a text card for the terminal or image-less posts.

Both render a TrackView; neither touches the database.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.roadmap.progress import MARKS, StepView, TrackView
from bot.roadmap.text import elsewhere_note

LEGEND = " · ".join(
    f"{MARKS[status]} {label}"
    for status, label in (
        ("done", "done"),
        ("doing", "doing"),
        ("todo", "to do"),
        ("skipped", "skipped"),
    )
)

# --- PNG ------------------------------------------------------------------------------------

WIDTH = 800
PAD = 32
HEADER = 150  # title, overall bar and summary line
STEP_ROW = 56
FOOTER = 44
BAR_HEIGHT = 12
BACKGROUND = (43, 45, 49)
TEXT = (242, 243, 245)
MUTED = (181, 186, 193)
TRACK_BG = (64, 66, 73)
FILL = (88, 101, 242)
COMPLETE = (59, 165, 93)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=8)
def font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def card_size(view: TrackView) -> tuple[int, int]:
    return WIDTH, HEADER + STEP_ROW * len(view.steps) + FOOTER


def step_bar_box(index: int) -> tuple[int, int, int, int]:
    """Where step `index`'s bar is drawn (left, top, right, bottom); tests look at it."""
    top = HEADER + STEP_ROW * index + 30
    return PAD, top, WIDTH - PAD, top + BAR_HEIGHT


def render_png(view: TrackView, subtitle: str | None = None) -> bytes:
    """The progress card as PNG bytes: track title, overall bar and one bar per step.

    `subtitle` is e.g. the member's name on a shared card.
    """
    image = Image.new("RGB", card_size(view), BACKGROUND)
    draw = ImageDraw.Draw(image)
    right = WIDTH - PAD
    percent_text = f"{view.percent}%"
    big = font(30)
    percent_width = int(draw.textlength(percent_text, font=big))
    title = fit_width(draw, view.track.title, big, right - PAD - percent_width - 24)
    draw.text((PAD, PAD - 4), title, font=big, fill=TEXT)
    draw.text((right - percent_width, PAD - 4), percent_text, font=big, fill=TEXT)
    draw_bar(draw, (PAD, 80, right, 98), view.percent)
    summary = f"{view.done} of {view.counted} done"
    skipped = view.total - view.counted
    if skipped:
        summary += f" · {skipped} skipped"
    if subtitle:
        summary = f"{subtitle} · {summary}"
    small = font(16)
    draw.text((PAD, 108), fit_width(draw, summary, small, right - PAD), font=small, fill=MUTED)

    for index, step in enumerate(view.steps):
        top = HEADER + STEP_ROW * index
        count = f"{step.done}/{step.counted}"
        count_width = int(draw.textlength(count, font=font(16)))
        optional = " (optional)" if step.step.optional else ""
        name = f"{index + 1}. {step.step.title}{optional}"
        name = fit_width(draw, name, font(18), right - PAD - count_width - 16)
        draw.text((PAD, top + 4), name, font=font(18), fill=TEXT)
        draw.text((right - count_width, top + 6), count, font=font(16), fill=MUTED)
        draw_bar(draw, step_bar_box(index), step.percent)

    footer_top = HEADER + STEP_ROW * len(view.steps) + 10
    draw.text((PAD, footer_top), "CareerBot roadmap", font=font(14), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def draw_bar(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], percent: int) -> None:
    left, top, right, bottom = box
    radius = (bottom - top) // 2
    draw.rounded_rectangle(box, radius=radius, fill=TRACK_BG)
    if percent > 0:
        end = left + max(2 * radius, (right - left) * min(percent, 100) // 100)
        colour = COMPLETE if percent >= 100 else FILL
        draw.rounded_rectangle((left, top, end, bottom), radius=radius, fill=colour)


def fit_width(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    """`text`, cut with an ellipsis so it fits `width` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --- text -----------------------------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\*_~`|>])")


def text_bar(percent: int, width: int = 10) -> str:
    """'███░░░░░░░' — plain Unicode, so it works in a terminal and in a Discord embed."""
    filled = min(width, max(0, percent * width // 100))
    return "█" * filled + "░" * (width - filled)


def text_card(
    view: TrackView,
    *,
    markdown: bool = False,
    ids: bool = False,
    limit: int | None = None,
) -> str:
    """The text progress card, at most `limit` characters (a Discord embed has 4,096).

    Drops the skill lines when the full card is too long, then cuts as a last resort.
    `markdown` bolds titles for Discord; `ids` adds skill ids so terminal users can type them.
    A skill marked in another track says so ("done in <track>").
    """
    header = _header(view, markdown)
    full = "\n".join(
        [header, *(_step(s, n, markdown, ids, True) for n, s in enumerate(view.steps, 1)), LEGEND]
    )
    if limit is None or len(full) <= limit:
        return full
    compact = "\n".join(
        [header, *(_step(s, n, markdown, ids, False) for n, s in enumerate(view.steps, 1))]
    )
    return compact if len(compact) <= limit else compact[: limit - 1] + "…"


def _header(view: TrackView, markdown: bool) -> str:
    title = _strong(view.track.title, markdown)
    skipped = view.total - view.counted
    extra = f", {skipped} skipped" if skipped else ""
    return (
        f"{title} — {view.percent}% ({view.done} of {view.counted} done{extra})\n"
        f"{text_bar(view.percent, 20)}"
    )


def _step(step: StepView, number: int, markdown: bool, ids: bool, skills: bool) -> str:
    optional = " (optional)" if step.step.optional else ""
    title = _strong(f"{number}. {step.step.title}{optional}", markdown)
    lines = ["", title, f"{text_bar(step.percent)} {step.percent}% ({step.done}/{step.counted})"]
    if skills:
        for view in step.skills:
            suffix = f" [{view.skill.id}]" if ids else ""
            note = f" · {_escape(elsewhere_note(view), markdown)}" if view.elsewhere else ""
            lines.append(f"  {view.mark} {_escape(view.skill.title, markdown)}{suffix}{note}")
    return "\n".join(lines)


def _strong(text: str, markdown: bool) -> str:
    return f"**{_escape(text, markdown)}**" if markdown else text


def _escape(text: str, markdown: bool) -> str:
    return _MARKDOWN.sub(r"\\\1", text) if markdown else text
