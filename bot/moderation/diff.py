"""Two versions of an entry's text as a line diff, field by field: what a refused edit shows
the moderator whose form was opened on an older revision."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from bot.moderation.layerfile import FIELD_ORDER


def field_lines(value: Any) -> list[str]:
    """A field as lines: list items one per line, text split at its line breaks."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value).splitlines() or [""]


def text_diff(saved: Mapping[str, Any], yours: Mapping[str, Any]) -> list[str]:
    """`field:` then unified-diff lines (`-` saved now, `+` yours, one line of context) for
    every field that differs; empty when the two texts are equal."""
    keys = [key for key in FIELD_ORDER if key in saved or key in yours]
    keys += sorted((saved.keys() | yours.keys()) - set(keys))
    out: list[str] = []
    for key in keys:
        old, new = field_lines(saved.get(key)), field_lines(yours.get(key))
        if old == new:
            continue
        out.append(f"{key}:")
        changed = list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]  # no file header
        out += ["  ..." if line.startswith("@@") else line for line in changed[1:]]
    return out
