"""/kb: moderators keep this server's knowledge current (add, edit, alias, hide, history,
export/import, gaps, stats), and the bot owner reloads the bundled knowledge/ files and tracks.

Every command checks the member in code (bot.moderation.discord.access.ensure_moderator), defers
privately before touching the database and answers ephemerally. The work itself is
ModerationService / InsightsService, shared with `careerbot kb ... --guild`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.discord.common import NO_PINGS, Reply, guild_of, respond, say, services_of
from bot.discord.limits import CHOICE_MAX, CHOICES_MAX, Completer, clip
from bot.knowledge.models import MAX_ID, MAX_QUESTION
from bot.knowledge.staleness import DEFAULT_WITHIN_DAYS, due_for_review
from bot.knowledge.yamlsource import DataFileError
from bot.moderation.discord import DYNAMIC_ITEMS
from bot.moderation.discord.access import (
    begin,
    ensure_moderator,
    is_moderator,
    not_found,
    reject,
    saved,
)
from bot.moderation.discord.forms import COG_NAME, Drafts, ReopenButton, open_entry_form
from bot.moderation.discord.gaps import GAPS_MAX, gaps_view
from bot.moderation.discord.text import (
    gap_key,
    gaps_embed,
    history_embed,
    import_text,
    reload_failed_embed,
    show_embed,
    stale_embed,
    stats_embed,
)
from bot.moderation.insights import MAX_DAYS
from bot.moderation.layerfile import IMPORT_MAX_BYTES
from bot.moderation.lookup import ID_RULES, Scope, suggest_ids
from bot.moderation.rules import KnowledgeEditError
from bot.moderation.service import Change
from bot.moderation.text import describe_revision
from bot.ranking import Named, rank

if TYPE_CHECKING:
    from bot.discord.app import CareerBot

log = logging.getLogger(__name__)
STALE_WINDOW_MAX = 365  # /kb stale looks at most a year ahead
STALE_BUTTONS = 20  # Edit #n buttons under the list (Discord allows 25 per message)

OWNER_ONLY = "Only the bot's owner can reload the bundled knowledge files."
OTHER_PROCESSES = (
    "This reloaded only the bot process that runs this server's shard: restart the other "
    "processes (`SHARD_IDS`) to give them the new files too."
)
EntryId = app_commands.Range[str, 1, MAX_ID]
Phrase = app_commands.Range[str, 1, MAX_QUESTION]


def id_completer(scope: Scope) -> Completer:
    """Entry ids for moderators (scope as in moderation.lookup.suggest_ids); nothing for others,
    so hidden entries' names do not leak."""

    async def complete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        if not await is_moderator(interaction):
            return []
        found = await suggest_ids(
            services_of(interaction).knowledge, interaction.guild_id, current, scope, CHOICES_MAX
        )
        return [
            Choice(name=clip(f"{title} · {entry_id}", CHOICE_MAX), value=entry_id)
            for entry_id, title in found
        ]

    return complete


async def complete_revision(interaction: discord.Interaction, current: str) -> list[Choice[int]]:
    """The chosen entry's revisions, newest first, described in a few words."""
    entry_id = getattr(interaction.namespace, "id", None)
    if not entry_id or not await is_moderator(interaction):
        return []
    services = services_of(interaction)
    revisions = await services.moderation.history(guild_of(interaction), entry_id, CHOICES_MAX)
    found = rank(revisions, current, lambda rev: Named(str(rev.id), (str(rev.id),)), ID_RULES)
    base = services.knowledge.base
    return [
        Choice(
            name=clip(
                f"#{rev.id} {rev.created_at:%Y-%m-%d} {rev.action}: {describe_revision(rev, base)}",
                CHOICE_MAX,
            ),
            value=rev.id,
        )
        for rev in (choice.item for choice in found)
    ]


class KnowledgeModeration(commands.Cog, name=COG_NAME):
    kb = app_commands.Group(
        name="kb",
        description="Moderators: this server's knowledge base",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.drafts = Drafts()  # rejected forms' text, for "Fix and resubmit"

    async def _save(self, interaction: discord.Interaction, write: Awaitable[Change]) -> None:
        """Await a write; show the result, or every problem when it was rejected."""
        try:
            change = await write
        except KnowledgeEditError as error:
            await reject(interaction, error)
            return
        await saved(interaction, change)

    # ---- changes -------------------------------------------------------------------------

    @kb.command(name="add", description="Add an entry to this server (opens a form)")
    async def add(self, interaction: discord.Interaction) -> None:
        if await ensure_moderator(interaction):
            await open_entry_form(interaction, None)

    @kb.command(name="edit", description="Change an entry's text (opens a form)")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry to change")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    async def edit(self, interaction: discord.Interaction, entry_id: EntryId) -> None:
        if await ensure_moderator(interaction):
            await open_entry_form(interaction, entry_id)

    @kb.command(name="alias", description="Teach an entry another way people ask for it")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry", phrase="A question that should find it")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    async def alias(
        self, interaction: discord.Interaction, entry_id: EntryId, phrase: Phrase
    ) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.alias(
                    guild_of(interaction), entry_id, phrase, interaction.user.id
                ),
            )

    @kb.command(name="unalias", description="Take back a question added with /kb alias")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry", phrase="The added question to take back")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    async def unalias(
        self, interaction: discord.Interaction, entry_id: EntryId, phrase: Phrase
    ) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.unalias(
                    guild_of(interaction), entry_id, phrase, interaction.user.id
                ),
            )

    @kb.command(name="hide", description="Hide an entry in this server")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry to hide")
    @app_commands.autocomplete(entry_id=id_completer("visible"))
    async def hide(self, interaction: discord.Interaction, entry_id: EntryId) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.hide(
                    guild_of(interaction), entry_id, interaction.user.id
                ),
            )

    @kb.command(name="unhide", description="Show a hidden entry again")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The hidden entry")
    @app_commands.autocomplete(entry_id=id_completer("hidden"))
    async def unhide(self, interaction: discord.Interaction, entry_id: EntryId) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.unhide(
                    guild_of(interaction), entry_id, interaction.user.id
                ),
            )

    @kb.command(name="remove", description="Delete an entry this server added")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="An entry added in this server")
    @app_commands.autocomplete(entry_id=id_completer("server"))
    async def remove(self, interaction: discord.Interaction, entry_id: EntryId) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.remove(
                    guild_of(interaction), entry_id, interaction.user.id
                ),
            )

    @kb.command(name="revert", description="Undo a revision of an entry (and later ones)")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry", revision="Its revision to undo (see /kb history)")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    @app_commands.autocomplete(revision=complete_revision)
    async def revert(
        self,
        interaction: discord.Interaction,
        entry_id: EntryId,
        revision: app_commands.Range[int, 1],
    ) -> None:
        if await begin(interaction):
            await self._save(
                interaction,
                self.bot.services.moderation.revert(
                    guild_of(interaction), entry_id, revision, interaction.user.id
                ),
            )

    # ---- reading -------------------------------------------------------------------------

    @kb.command(name="show", description="An entry's raw fields in this server")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="The entry")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    async def show(self, interaction: discord.Interaction, entry_id: EntryId) -> None:
        if not await begin(interaction):
            return
        try:
            state = await self.bot.services.moderation.show(guild_of(interaction), entry_id)
        except KnowledgeEditError:
            await say(interaction, not_found(entry_id))
            return
        embed, attachment = show_embed(state)
        if attachment is None:
            await respond(interaction, Reply(embeds=[embed], ephemeral=True))
            return
        file = discord.File(io.BytesIO(attachment.encode()), f"{state.entry_id}.yaml")
        await interaction.followup.send(
            embed=embed, file=file, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @kb.command(name="history", description="Who changed what and when")
    @app_commands.rename(entry_id="id")
    @app_commands.describe(entry_id="One entry; leave empty for the whole server")
    @app_commands.autocomplete(entry_id=id_completer("any"))
    async def history(
        self, interaction: discord.Interaction, entry_id: EntryId | None = None
    ) -> None:
        if not await begin(interaction):
            return
        moderation = self.bot.services.moderation
        revisions = await moderation.history(guild_of(interaction), entry_id)
        base = self.bot.services.knowledge.base
        described = [describe_revision(revision, base) for revision in revisions]
        name = entry_id.strip().lower() if entry_id else None
        await respond(
            interaction, Reply(embeds=[history_embed(name, revisions, described)], ephemeral=True)
        )

    @kb.command(name="gaps", description="Questions that got no good answer lately")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def gaps(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, MAX_DAYS] = 30
    ) -> None:
        if not await begin(interaction):
            return
        found = await self.bot.services.insights.gaps(interaction.guild_id, days, GAPS_MAX)
        view = gaps_view(days, [gap_key(gap.text) for gap in found])
        await respond(
            interaction, Reply(embeds=[gaps_embed(found, days)], view=view, ephemeral=True)
        )

    @kb.command(name="stale", description="Entries whose facts are due for a check")
    @app_commands.describe(within="Also list entries due within this many days (default 30)")
    async def stale(
        self,
        interaction: discord.Interaction,
        within: app_commands.Range[int, 0, STALE_WINDOW_MAX] = DEFAULT_WITHIN_DAYS,
    ) -> None:
        if not await begin(interaction):
            return
        knowledge = await self.bot.services.knowledge.knowledge_for(interaction.guild_id)
        due = due_for_review(knowledge, dt.datetime.now(dt.UTC).date(), within)
        view = discord.ui.View(timeout=None)
        for number, item in enumerate(due[:STALE_BUTTONS], 1):
            view.add_item(ReopenButton(item.entry.id, label=f"Edit #{number}"))
        reply = Reply(embeds=[stale_embed(due, within)], view=view if due else None, ephemeral=True)
        await respond(interaction, reply)

    @kb.command(name="stats", description="Most asked topics and helpful votes")
    async def stats(self, interaction: discord.Interaction) -> None:
        if not await begin(interaction):
            return
        stats = await self.bot.services.insights.stats(interaction.guild_id)
        await respond(interaction, Reply(embeds=[stats_embed(stats)], ephemeral=True))

    # ---- files ---------------------------------------------------------------------------

    @kb.command(name="export", description="This server's changes as a YAML file")
    async def export(self, interaction: discord.Interaction) -> None:
        if not await begin(interaction):
            return
        guild_id = guild_of(interaction)
        data = (await self.bot.services.moderation.export(guild_id)).encode()
        if len(data) > interaction.filesize_limit:
            await say(
                interaction,
                f"The export is {len(data):,} bytes, more than Discord lets me upload here. "
                f"The bot operator can run `careerbot kb export --guild {guild_id}`.",
            )
            return
        await interaction.followup.send(
            "This server's knowledge changes, in the `knowledge/*.yaml` format: import it with "
            "`/kb import`, or merge it into `knowledge/` by pull request.",
            file=discord.File(io.BytesIO(data), f"careerbot-kb-{guild_id}.yaml"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @kb.command(name="import", description="Apply a YAML file from /kb export (all or nothing)")
    @app_commands.describe(file="A .yaml file in the /kb export format, up to 1 MB")
    async def import_file(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if not await begin(interaction):
            return
        if file.size > IMPORT_MAX_BYTES:
            await say(
                interaction,
                f"That file has {file.size:,} bytes; I import at most {IMPORT_MAX_BYTES:,}. "
                "Split it, or ask the bot operator to run `careerbot kb import`.",
            )
            return
        try:
            text = (await file.read())[:IMPORT_MAX_BYTES].decode("utf-8")
        except UnicodeDecodeError:
            await say(interaction, "That file is not UTF-8 text; export it again and retry.")
            return
        try:
            result = await self.bot.services.moderation.import_yaml(
                guild_of(interaction), text, interaction.user.id
            )
        except KnowledgeEditError as error:
            await reject(interaction, error)
            return
        await say(interaction, import_text(result))

    # ---- the bot owner -------------------------------------------------------------------

    @kb.command(
        name="reload", description="Bot owner: re-read the bundled knowledge files and tracks"
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # reading files
        if not await self.bot.is_owner(interaction.user):
            await say(interaction, OWNER_ONLY)
            return
        services = self.bot.services
        if services.knowledge.directory is None:  # tests and scripts may pass knowledge in
            await say(interaction, "This bot was not started from a knowledge directory.")
            return
        try:
            content = await services.reload_content()  # knowledge and tracks, or neither
        except DataFileError as error:
            log.warning("knowledge reload refused: %d problem(s)", len(error.issues))
            embed = reload_failed_embed(
                error.issues, len(services.knowledge.base), len(services.roadmaps.tracks)
            )
            await respond(interaction, Reply(embeds=[embed], ephemeral=True))
            return
        knowledge, tracks = content.knowledge, content.tracks
        text = (
            f"Reloaded the knowledge files: {len(knowledge)} entries (version "
            f"`{knowledge.version}`) and {len(tracks)} roadmap track"
            f"{'s' if len(tracks) != 1 else ''}. Every server gets them from its next question."
        )
        if self.bot.settings.shard_ids and not services.reloads_everywhere:  # not notified
            text += f" {OTHER_PROCESSES}"
        await say(interaction, text)


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)  # buttons work on messages from before a restart
    await bot.add_cog(KnowledgeModeration(bot))
