"""/roadmap fit as a picture and as text: a PNG bar chart (one bar per role, Pillow, like the
progress card) and the text that goes beside it, which also stands alone in the terminal or
when images are off. Neither touches the database."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

from bot.roadmap.card import (
    BACKGROUND,
    MUTED,
    PAD,
    TEXT,
    WIDTH,
    draw_bar,
    fit_width,
    font,
    text_bar,
)
from bot.roadmap.fit import FitReport, MissingSkill, RoleFit
from bot.roadmap.progress import MARKS

FIT_FILENAME = "roadmap-fit.png"
HEADER = 96
ROW = 52
FOOTER = 40
LABEL_WIDTH = 230
BAR_HEIGHT = 18
NOT_STARTED = "Mark what you can already do with /roadmap done, and this shows how close you are."
_MARKDOWN = re.compile(r"([\\*_~`|>])")


def chart_size(report: FitReport) -> tuple[int, int]:
    return WIDTH, HEADER + ROW * max(1, len(report.roles)) + FOOTER


def role_bar_box(index: int) -> tuple[int, int, int, int]:
    """Where role `index`'s bar is drawn (left, top, right, bottom); tests look at it."""
    top = HEADER + ROW * index + (ROW - BAR_HEIGHT) // 2
    return PAD + LABEL_WIDTH, top, WIDTH - PAD - 70, top + BAR_HEIGHT


def render_fit_png(report: FitReport, subtitle: str | None = None) -> bytes:
    """One bar per role, best fit first: the role's name, its bar and the percentage."""
    image = Image.new("RGB", chart_size(report), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD - 6), "Role fit", font=font(30), fill=TEXT)
    caption = "Share of each role's skills you have done"
    if subtitle:
        caption = f"{subtitle} · {caption}"
    caption = fit_width(draw, caption, font(16), WIDTH - 2 * PAD)
    draw.text((PAD, PAD + 32), caption, font=font(16), fill=MUTED)
    for index, fit in enumerate(report.roles):
        left, top, right, bottom = role_bar_box(index)
        label = fit_width(draw, fit.role, font(18), LABEL_WIDTH - 16)
        draw.text((PAD, top - 1), label, font=font(18), fill=TEXT)
        draw_bar(draw, (left, top, right, bottom), fit.percent)
        draw.text((right + 14, top), f"{fit.percent}%", font=font(18), fill=TEXT)
    footer_top = HEADER + ROW * max(1, len(report.roles)) + 8
    draw.text((PAD, footer_top), "CareerBot roadmap · /roadmap fit", font=font(14), fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def fit_text(report: FitReport, *, markdown: bool = False, limit: int | None = None) -> str:
    """Per role: the bar, the share done and the next missing skills with the topic that
    teaches each. `markdown` bolds and escapes for Discord; `limit` drops the skill lines
    before cutting, like the progress card."""
    if not report.roles:
        return "No role tracks are installed."
    intro = "How far you are from each role (share of its skills done):"
    blocks = [_role(fit, markdown, skills=True) for fit in report.roles]
    outro = [] if report.started else [NOT_STARTED]
    full = "\n\n".join([intro, *blocks, *outro])
    if limit is None or len(full) <= limit:
        return full
    short = "\n\n".join([intro, *(_role(fit, markdown, skills=False) for fit in report.roles)])
    return short if len(short) <= limit else short[: limit - 1] + "…"


def _role(fit: RoleFit, markdown: bool, *, skills: bool) -> str:
    view = fit.view
    name = f"**{_escape(fit.role, markdown)}**" if markdown else fit.role
    bar = f"`{text_bar(fit.percent)}`" if markdown else text_bar(fit.percent)
    lines = [f"{name} — {fit.percent}% ({view.done} of {view.counted} done)", bar]
    if skills and fit.missing:
        lines.append("Next:" if markdown else f"Next (/roadmap view {view.track.id}):")
        lines += [_missing(missing, markdown) for missing in fit.missing]
    elif skills:
        lines.append("Nothing missing. Well done!")
    return "\n".join(lines)


def _missing(missing: MissingSkill, markdown: bool) -> str:
    mark, title, skill_id = MARKS[missing.status], missing.skill.title, missing.skill.id
    entry = missing.entry
    if markdown:
        topic = f" — `/topic {entry.id}`" if entry else ""
        return f"• {mark} {_escape(title, markdown)}{topic}"
    topic = f" → /topic {entry.id}" if entry else ""
    return f"  {mark} {title} [{skill_id}]{topic}"


def _escape(text: str, markdown: bool) -> str:
    return _MARKDOWN.sub(r"\\\1", text) if markdown else text
