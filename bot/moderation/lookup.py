"""Entry ids for moderators' autocomplete, ranked like every other choice (bot.ranking).

Stricter than topic search: every typed word must start a word of the id or title, so a
moderator picking an id to change never gets a look-alike.
"""

from __future__ import annotations

from typing import Literal

from bot.answers.serving import KnowledgeService
from bot.knowledge.layers import LayerComposer
from bot.ranking import Named, Rules, rank

Scope = Literal["visible", "hidden", "server", "any"]
ID_RULES = Rules(min_score=100.0, typo_length=None)


async def suggest_ids(
    knowledge: KnowledgeService,
    guild_id: int | None,
    typed: str,
    scope: Scope = "visible",
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """(id, title) choices, ids that start with what was typed first, then by id. Read from the
    answer cache (at most one cheap version check per kb_sync_seconds, like a question).

    scope: "visible" entries members see, "hidden" ones, "server" ones this server added,
    "any" (visible and hidden).
    """
    view = await knowledge.view_for(guild_id)
    layer = view.layer if view is not None else LayerComposer(knowledge.base)
    visible = view.knowledge if view is not None else knowledge.base
    if scope == "hidden":
        ids = layer.hidden_ids()
    elif scope == "server":
        ids = layer.server_ids()
    elif scope == "any":
        ids = [*visible.ids(), *layer.hidden_ids()]
    else:
        ids = visible.ids()
    titled = []
    for entry_id in sorted(set(ids)):
        entry = layer.entry(entry_id)
        titled.append((entry_id, entry.title if entry is not None else entry_id))
    prefix = typed.strip().casefold()
    found = rank(
        titled,
        typed,
        lambda choice: Named(choice[0], (choice[1], choice[0])),
        ID_RULES,
        limit=limit,
        penalty=lambda choice: 0.0 if choice[0].startswith(prefix) else 1.0,
    )
    return [choice.item for choice in found]
