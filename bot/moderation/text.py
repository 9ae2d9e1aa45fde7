"""What moderation says in `careerbot kb` and in /kb alike (Discord adds its formatting)."""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.layers import LayerRow, text_data
from bot.knowledge.layerstore import Revision
from bot.moderation.service import ImportResult


def describe_revision(revision: Revision, bundled: KnowledgeBase) -> str:
    """What a revision changed, in a few words: 'answer, title changed; + question "x"'.

    `bundled` is the base the server's layer lies over: a row without text stands for its entry.
    """
    entry = bundled.get(revision.entry_id)
    before = text_data(revision.before, entry)
    after = text_data(revision.after, entry)
    parts: list[str] = []
    if before is None and after is not None:
        parts.append("created")
    elif after is None and before is not None:
        parts.append("deleted")
    elif before is not None and after is not None:
        fields = sorted(
            key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        if fields:
            parts.append(f"{', '.join(fields)} changed")
    old = revision.before or LayerRow(revision.entry_id)
    new = revision.after or LayerRow(revision.entry_id)
    parts += [f'+ question "{alias}"' for alias in new.aliases if alias not in old.aliases]
    parts += [f'- question "{alias}"' for alias in old.aliases if alias not in new.aliases]
    if old.hidden != new.hidden:
        parts.append("hidden" if new.hidden else "shown again")
    return "; ".join(parts) or "no visible change"


def import_counts(result: ImportResult) -> str:
    """'2 added, 1 changed, 0 hidden, 5 unchanged'."""
    return (
        f"{len(result.added)} added, {len(result.changed)} changed, "
        f"{len(result.hidden)} hidden, {result.unchanged} unchanged"
    )
