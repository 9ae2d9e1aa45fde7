"""Discord's size limits for a message body (content, embeds, components).

FakeDiscord answers 400 "Invalid Form Body" (code 50035) to a message that breaks one, as
Discord does, so every test checks them; tests can also call `problems` on recorded bodies.
"""

from __future__ import annotations

from typing import Any

CONTENT, EMBEDS, EMBEDS_TOTAL = 2000, 10, 6000
TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, AUTHOR = (
    256,
    4096,
    25,
    256,
    1024,
    2048,
    256,
)
ROWS, PER_ROW, CUSTOM_ID, LABEL, OPTIONS = 5, 5, 100, 80, 25


def _embed_problems(index: int, embed: dict[str, Any]) -> tuple[list[str], int]:
    out: list[str] = []
    sizes = {
        "title": len(embed.get("title") or ""),
        "description": len(embed.get("description") or ""),
        "footer": len((embed.get("footer") or {}).get("text") or ""),
        "author": len((embed.get("author") or {}).get("name") or ""),
    }
    limits = {"title": TITLE, "description": DESCRIPTION, "footer": FOOTER, "author": AUTHOR}
    out += [
        f"embeds[{index}].{k} has {n} > {limits[k]} chars"
        for k, n in sizes.items()
        if n > limits[k]
    ]
    fields = embed.get("fields") or []
    if len(fields) > FIELDS:
        out.append(f"embeds[{index}] has {len(fields)} > {FIELDS} fields")
    total = sum(sizes.values())
    for j, f in enumerate(fields):
        name, value = f.get("name") or "", f.get("value") or ""
        total += len(name) + len(value)
        if not name or not value:
            out.append(f"embeds[{index}].fields[{j}] has an empty name or value")
        if len(name) > FIELD_NAME or len(value) > FIELD_VALUE:
            out.append(f"embeds[{index}].fields[{j}] too long ({len(name)}, {len(value)})")
    return out, total


def _component_problems(rows: list[dict[str, Any]]) -> list[str]:
    out = [f"{len(rows)} > {ROWS} action rows"] if len(rows) > ROWS else []
    ids: list[str] = []
    for i, row in enumerate(rows):
        items = row.get("components", [])
        if len(items) > PER_ROW:
            out.append(f"row {i} has {len(items)} > {PER_ROW} components")
        for c in items:
            if "custom_id" in c:
                ids.append(c["custom_id"])
                if not 1 <= len(c["custom_id"]) <= CUSTOM_ID:
                    out.append(f"custom_id {c['custom_id']!r} is not 1-{CUSTOM_ID} chars")
            if len(c.get("label") or "") > LABEL:
                out.append(f"label {c['label']!r} > {LABEL} chars")
            if len(c.get("options") or []) > OPTIONS:
                out.append(f"select {c.get('custom_id')!r} has > {OPTIONS} options")
    out += [f"custom_id {i!r} is used twice" for i in set(ids) if ids.count(i) > 1]
    return out


def problems(body: dict[str, Any] | None) -> list[str]:
    """Every limit a message create/edit body breaks (empty list: Discord accepts it)."""
    if not body:
        return []
    out: list[str] = []
    content = body.get("content") or ""
    if len(content) > CONTENT:
        out.append(f"content has {len(content)} > {CONTENT} chars")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        out.append(f"{len(embeds)} > {EMBEDS} embeds")
    total = 0
    for i, embed in enumerate(embeds):
        found, size = _embed_problems(i, embed)
        out += found
        total += size
    if total > EMBEDS_TOTAL:
        out.append(f"embeds total {total} > {EMBEDS_TOTAL} chars")
    return out + _component_problems(body.get("components") or [])
