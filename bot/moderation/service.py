"""Moderators' changes to their server's knowledge layer: validated, atomic, recorded.

Every write runs in one transaction that first bumps the server's kb_versions row (which also
serialises writers of one server, see layerstore), validates with the YAML files' rules, saves
the row and a kb_revisions row. Any problem raises KnowledgeEditError before anything is
committed. No Discord types here: the /kb cog and `careerbot kb ... --guild` both call this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answers.serving import KnowledgeService
from bot.db.unit import Sessions, reader, writer
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.layers import (
    LayerComposer,
    LayerRow,
    Origin,
    effective_entry,
    normalize_id,
    origin_of,
    text_data,
)
from bot.knowledge.layerstore import (
    Revision,
    add_revision,
    add_revisions,
    bump_version,
    insert_row,
    read_revision,
    read_revisions,
    read_row,
    read_rows,
    related_to,
    save_row,
    save_rows,
    text_ids,
)
from bot.knowledge.models import Entry
from bot.knowledge.yamlsource import DataFileError, ValidationIssue
from bot.moderation.layerfile import LayerFile, export_layer, parse_layer_file
from bot.moderation.rules import (
    EditContext,
    KnowledgeEditError,
    guild_file,
    plan_add,
    plan_alias,
    plan_edit,
    plan_hide,
    plan_import,
    plan_remove,
    plan_restore,
    plan_unalias,
    plan_unhide,
)

Plan = Callable[[EditContext], LayerRow | None]
PARALLEL_IMPORTS = 2


@dataclass(frozen=True)
class EntryState:
    """An entry as one server has it: for /kb show and to pre-fill the edit form."""

    entry_id: str
    origin: Origin
    text: Entry  # the text without this server's extra questions (what edit changes)
    entry: Entry  # what the matcher and members see: text plus aliases
    aliases: tuple[str, ...]
    hidden: bool
    revision: int = 0  # the entry's newest revision in this server (0: never changed here)


@dataclass(frozen=True)
class Change:
    """One committed change."""

    revision_id: int
    action: str
    entry_id: str
    before: LayerRow | None
    after: LayerRow | None
    entry: Entry | None  # the entry as members now see it (None: removed or no text)


@dataclass
class ImportResult:
    """What an import changed; entries that already matched the file are `unchanged`."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.added) + len(self.changed) + len(self.hidden)


class _Unchanged(Exception):
    """An import that would change nothing: roll back rather than bump the version."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__()
        self.result = result


class ModerationService:
    """add / edit / alias / hide / unhide / remove / show / history / revert / export / import."""

    def __init__(
        self,
        knowledge: KnowledgeService,
        sessions: Sessions,
        max_server_entries: int = 20_000,  # MAX_SERVER_ENTRIES: bounds a server's memory
    ) -> None:
        self.knowledge = knowledge
        self.sessions = sessions
        self.max_server_entries = max_server_entries
        # Imports parse in worker threads (~30 MB per MB of YAML): two at a time bounds memory.
        self._parsing = asyncio.Semaphore(PARALLEL_IMPORTS)

    # --- writes -----------------------------------------------------------------------------

    async def add(
        self, guild_id: int, fields: Mapping[str, Any], author_id: int | None = None
    ) -> Change:
        """A new server entry from fields id, title, questions, answer (+ optional ones)."""
        raw_id = fields.get("id")
        if not isinstance(raw_id, str) or not raw_id.strip():
            issue = ValidationIssue(
                guild_file(guild_id), 0, None, "id", "required field is missing"
            )
            raise KnowledgeEditError([issue])
        return await self._write(
            guild_id, raw_id, author_id, "add", lambda ctx: plan_add(ctx, fields)
        )

    async def edit(
        self,
        guild_id: int,
        entry_id: str,
        fields: Mapping[str, Any],
        author_id: int | None = None,
        *,
        if_revision: int | None = None,
    ) -> Change:
        """Replace some fields of any entry's text (bundled entries get a server override).

        `if_revision`: the entry's revision the new text was based on (EntryState.revision
        when the form was opened); when someone saved a newer one, raise EditConflict.
        """
        return await self._write(
            guild_id, entry_id, author_id, "edit", lambda ctx: plan_edit(ctx, fields, if_revision)
        )

    async def alias(
        self, guild_id: int, entry_id: str, phrase: str, author_id: int | None = None
    ) -> Change:
        """Teach the matcher one more way people ask for an entry."""
        return await self._write(
            guild_id, entry_id, author_id, "alias", lambda ctx: plan_alias(ctx, phrase)
        )

    async def unalias(
        self, guild_id: int, entry_id: str, phrase: str, author_id: int | None = None
    ) -> Change:
        return await self._write(
            guild_id, entry_id, author_id, "unalias", lambda ctx: plan_unalias(ctx, phrase)
        )

    async def hide(self, guild_id: int, entry_id: str, author_id: int | None = None) -> Change:
        return await self._write(guild_id, entry_id, author_id, "hide", plan_hide)

    async def unhide(self, guild_id: int, entry_id: str, author_id: int | None = None) -> Change:
        return await self._write(guild_id, entry_id, author_id, "unhide", plan_unhide)

    async def remove(self, guild_id: int, entry_id: str, author_id: int | None = None) -> Change:
        """Delete an entry this server added."""
        return await self._write(guild_id, entry_id, author_id, "remove", plan_remove)

    async def revert(
        self, guild_id: int, entry_id: str, revision_id: int, author_id: int | None = None
    ) -> Change:
        """Return the entry to how it was just before `revision_id` (undoing it and any later
        change to that entry). The revert is itself a new revision."""
        entry_id = normalize_id(entry_id)
        async with reader(self.sessions) as session:
            revision = await read_revision(session, guild_id, revision_id)
        if revision is None or revision.entry_id != entry_id:
            issue = ValidationIssue(
                guild_file(guild_id), 0, entry_id, "revision", f"no revision {revision_id} of it"
            )
            raise KnowledgeEditError([issue])
        return await self._write(
            guild_id, entry_id, author_id, "revert", lambda ctx: plan_restore(ctx, revision.before)
        )

    async def import_yaml(
        self, guild_id: int, text: str, author_id: int | None = None
    ) -> ImportResult:
        """Merge a layer file (the export format): every entry and hidden id checked first,
        then all applied in one transaction, or none. Parsing and checking run in a worker
        thread, so a large (or hostile) file never stalls the event loop."""
        file = f"<guild {guild_id} import>"
        try:
            async with self._parsing:
                parsed = await asyncio.to_thread(parse_layer_file, text, file)
        except DataFileError as exc:
            raise KnowledgeEditError(exc.issues) from None
        base = self.knowledge.base
        try:
            return await self._import(guild_id, parsed, base, author_id)
        except _Unchanged as unchanged:  # rolled back: not even the version moved
            return unchanged.result

    async def _import(
        self, guild_id: int, parsed: LayerFile, base: KnowledgeBase, author_id: int | None
    ) -> ImportResult:
        async with writer(self.sessions) as session:
            await bump_version(session, guild_id)
            wanted = {entry.id for entry, _ in parsed.entries} | {i for i, _ in parsed.hidden}
            current = await read_rows(session, guild_id, wanted)
            own = await text_ids(session, guild_id)
            known = frozenset(base.ids()) | own
            known |= {entry.id for entry, _ in parsed.entries}
            rows, issues = await asyncio.to_thread(plan_import, parsed, current, base, known)
            imported = {entry.id for entry, _ in parsed.entries}
            self._check_room(guild_id, own - set(base.ids()), imported - set(base.ids()))
            if issues:
                raise KnowledgeEditError(issues)
            result = ImportResult()
            changes = []
            for entry_id, row in sorted(rows.items()):
                before = current.get(entry_id)
                if row == (before or LayerRow(entry_id)):
                    result.unchanged += 1
                    continue
                changes.append((entry_id, before, row))
                if entry_id in imported:
                    new = entry_id not in base and (before is None or before.data is None)
                    (result.added if new else result.changed).append(entry_id)
                else:
                    result.hidden.append(entry_id)
            if not changes:
                raise _Unchanged(result)
            await save_rows(session, guild_id, [(entry_id, row) for entry_id, _, row in changes])
            await add_revisions(session, guild_id, author_id, "import", changes)
        self.knowledge.invalidate(guild_id)
        return result

    async def _write(
        self, guild_id: int, entry_id: str, author_id: int | None, action: str, plan: Plan
    ) -> Change:
        entry_id = normalize_id(entry_id)
        base = self.knowledge.base
        bundled = base.get(entry_id)
        try:
            async with writer(self.sessions) as session:
                await bump_version(session, guild_id)  # first: the server's write lock
                row = await read_row(session, guild_id, entry_id)
                own = await text_ids(session, guild_id)
                known = frozenset(base.ids()) | own
                latest = await read_revisions(session, guild_id, entry_id, 1)
                ctx = EditContext(guild_id, entry_id, row, bundled, known, next(iter(latest), None))
                after = plan(ctx)
                if bundled is None and after is not None and after.data is not None:
                    self._check_room(guild_id, own - set(base.ids()), {entry_id})
                if text_data(row, bundled) is not None and text_data(after, bundled) is None:
                    await _refuse_if_referenced(session, ctx)
                if row is None and after is not None:
                    await insert_row(session, guild_id, after)  # the primary key decides races
                else:
                    await save_row(session, guild_id, entry_id, after)
                revision_id = await add_revision(
                    session, guild_id, entry_id, author_id, action, row, after
                )
        except IntegrityError:
            raise EditContext(guild_id, entry_id, None, bundled, frozenset()).fail(
                "someone else changed this entry at the same moment; try again"
            ) from None
        self.knowledge.invalidate(guild_id)
        entry = None if after is not None and after.hidden else effective_entry(after, bundled)
        return Change(revision_id, action, entry_id, row, after, entry)

    def _check_room(self, guild_id: int, own: set[str], adding: set[str]) -> None:
        """Refuse new server entries past MAX_SERVER_ENTRIES (edits of existing ones pass)."""
        count, cap = len(own | adding), self.max_server_entries
        if count > cap and count > len(own):
            message = f"a server may add up to {cap:,} entries; this would make {count:,}"
            issue = ValidationIssue(guild_file(guild_id), 0, None, "id", message)
            raise KnowledgeEditError([issue])

    # --- reads ------------------------------------------------------------------------------

    async def show(self, guild_id: int, entry_id: str) -> EntryState:
        """The raw fields of one entry in this server (hidden ones too)."""
        entry_id = normalize_id(entry_id)
        async with reader(self.sessions) as session:
            row = await read_row(session, guild_id, entry_id)
            latest = await read_revisions(session, guild_id, entry_id, 1)
        bundled = self.knowledge.base.get(entry_id)
        data = text_data(row, bundled)
        entry = effective_entry(row, bundled)
        if data is None or entry is None:
            raise EditContext(guild_id, entry_id, row, bundled, frozenset()).fail(
                "no such entry in this server"
            )
        return EntryState(
            entry_id=entry_id,
            origin=origin_of(row, bundled),
            text=Entry.model_validate(data),
            entry=entry,
            aliases=row.aliases if row else (),
            hidden=bool(row and row.hidden),
            revision=latest[0].id if latest else 0,
        )

    async def history(
        self, guild_id: int, entry_id: str | None = None, limit: int = 20
    ) -> list[Revision]:
        """Revisions, newest first: of one entry, or of the whole server."""
        async with reader(self.sessions) as session:
            return await read_revisions(
                session, guild_id, normalize_id(entry_id) if entry_id else None, limit
            )

    async def layer(self, guild_id: int) -> LayerComposer:
        """The server's whole layer, read now (not from the answer cache)."""
        async with reader(self.sessions) as session:
            rows = await read_rows(session, guild_id)
        return LayerComposer(self.knowledge.base, rows.values())

    async def export(self, guild_id: int) -> str:
        """The layer as YAML in the knowledge/*.yaml format (import takes it back)."""
        return export_layer(guild_id, await self.layer(guild_id))


async def _refuse_if_referenced(session: AsyncSession, ctx: EditContext) -> None:
    """An entry other server entries point at (`related`) cannot disappear."""
    users = await related_to(session, ctx.guild_id, ctx.entry_id)
    if users:
        raise ctx.fail(
            f"still listed in `related` of {', '.join(users)}; edit those first", "related"
        )
