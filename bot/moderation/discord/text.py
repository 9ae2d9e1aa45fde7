"""What the /kb commands show: problem lists, an entry's raw fields, history, gaps and stats.

Pure functions (no I/O), so every Discord limit is checked by unit tests. Lists that could
outgrow a message end with "...and N more" instead of being cut mid-line, and nothing here
ever names a member: authors are user ids in code spans, which never ping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import discord

from bot.discord.limits import (
    DESCRIPTION_MAX,
    EMBEDS_TOTAL_MAX,
    FIELD_VALUE_MAX,
    TITLE_MAX,
    clip,
)
from bot.knowledge.layers import Origin
from bot.knowledge.layerstore import Revision
from bot.knowledge.staleness import DueEntry
from bot.knowledge.yamlsource import ValidationIssue
from bot.moderation.insights import ForumCounts, Gap, GuildStats
from bot.moderation.layerfile import entry_yaml
from bot.moderation.rules import EditConflict
from bot.moderation.service import EntryState, ImportResult
from bot.moderation.text import import_counts

PROBLEM = discord.Colour(0xC92A2A)
INFO = discord.Colour(0x1971C2)
LINE_MAX = 300  # one problem or history line; long user input must not hide the others
GAP_TEXT_MAX = 180
FENCE = "```"
BROKEN_FENCE = "`\u200b``"  # looks like ``` but does not close a block
ORIGINS = {
    Origin.BUNDLED: "bundled (shipped with the bot)",
    Origin.OVERRIDE: "bundled, with this server's own text",
    Origin.SERVER: "added by this server",
}


def listing(lines: Sequence[str], limit: int = DESCRIPTION_MAX) -> str:
    """As many whole lines as fit in `limit` characters, then "...and N more"."""
    out: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = len(f"\n...and {rest} more") if rest else 0
        if size + len(line) + 1 + tail > limit:
            return "\n".join([*out, f"...and {len(lines) - index} more"])
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def issue_line(issue: ValidationIssue, *, with_file: bool = False) -> str:
    """One problem, phrased for the moderator: where (file, line), which entry and field, what."""
    where = [f"`{issue.file}`"] if with_file else []
    if issue.line:
        where.append(f"line {issue.line}")
    subject = ".".join(part for part in (issue.entry_id, issue.field) if part)
    if subject:
        where.append(f"`{subject}`")
    prefix = " · ".join(where)
    return clip(f"• {prefix}: {issue.message}" if prefix else f"• {issue.message}", LINE_MAX)


def problems_embed(
    title: str, issues: Sequence[ValidationIssue], *, with_file: bool = False
) -> discord.Embed:
    # whole-file problems (broken YAML) first: they often cause the entry problems after them
    ordered = sorted(issues, key=lambda issue: issue.entry_id is not None)
    lines = [issue_line(issue, with_file=with_file) for issue in ordered]
    description = listing(lines) or "No details were given."
    return discord.Embed(title=clip(title, TITLE_MAX), description=description, colour=PROBLEM)


def rejected_embed(issues: Sequence[ValidationIssue]) -> discord.Embed:
    """A rejected change: nothing was saved; every problem listed."""
    count = len(issues)
    title = f"Nothing saved: fix {count} problem{'s' if count != 1 else ''}"
    return problems_embed(title, issues)


def conflict_embed(conflict: EditConflict) -> discord.Embed:
    """A form opened on an older revision: refused, with what differs from the text now."""
    what = f" ({conflict.action})" if conflict.action else ""
    intro = (
        f"Someone saved revision #{conflict.revision}{what} of this entry after you opened the "
        f"form on revision #{conflict.based_on}. Saving your form would have undone that, so "
        "nothing was saved."
    )
    outro = "Open the form on the current text and make your change again."
    if conflict.diff:
        intro += " Lines with `-` are the text saved now, lines with `+` are yours:"
        room = DESCRIPTION_MAX - len(intro) - len(outro) - 20  # the fences and line breaks
        diff = code_block(listing(conflict.diff, room), "diff")
        description = f"{intro}\n{diff}\n{outro}"
    else:
        description = f"{intro} Its text is the same as yours.\n{outro}"
    return discord.Embed(
        title=clip(f"Not saved: {conflict.entry_id} changed meanwhile", TITLE_MAX),
        description=description,
        colour=PROBLEM,
    )


def reload_failed_embed(
    issues: Sequence[ValidationIssue], kept_entries: int, kept_tracks: int
) -> discord.Embed:
    count = len(issues)
    embed = problems_embed(
        f"Not reloaded: {count} problem{'s' if count != 1 else ''} in the knowledge files",
        issues,
        with_file=True,
    )
    return embed.set_footer(
        text=f"Still serving the previous knowledge base ({kept_entries} entries) and roadmap "
        f"tracks ({kept_tracks})."
    )


def code_block(text: str, language: str = "") -> str:
    """`text` in a fenced block that a ``` inside it cannot close early."""
    return f"{FENCE}{language}\n{text.replace(FENCE, BROKEN_FENCE)}\n{FENCE}"


def show_embed(state: EntryState) -> tuple[discord.Embed, str | None]:
    """An entry's raw fields in the knowledge-file format. Returns the embed and, when the
    YAML is too long for it, the YAML to attach as a file instead."""
    raw = entry_yaml(state.text.to_data())
    block = code_block(raw.rstrip("\n"), "yaml")
    attach = len(block) > DESCRIPTION_MAX
    embed = discord.Embed(
        title=clip(f"{state.entry_id} · {state.text.title}", TITLE_MAX),
        description=(
            f"The fields are in the attached `{state.entry_id}.yaml` (too long to show here)."
            if attach
            else block
        ),
        colour=INFO,
    )
    embed.add_field(name="Origin", value=ORIGINS[state.origin], inline=True)
    embed.add_field(name="Hidden", value="yes" if state.hidden else "no", inline=True)
    revision = f"#{state.revision}" if state.revision else "none in this server yet"
    embed.add_field(name="Revision", value=revision, inline=True)
    if state.aliases:
        added = listing([clip(f"• {alias}", 210) for alias in state.aliases], FIELD_VALUE_MAX)
        embed.add_field(name="Questions added in this server", value=added, inline=False)
    if (
        len(embed) > EMBEDS_TOTAL_MAX
    ):  # the aliases pushed it over: keep the fields, attach the YAML
        embed.description = f"The fields are in the attached `{state.entry_id}.yaml`."
        attach = True
    return embed, raw if attach else None


def author_text(author_id: int | None) -> str:
    """Who made a change, without a mention (a user id in a code span never pings)."""
    return "operator" if author_id is None else f"user `{author_id}`"


def history_line(revision: Revision, what: str, *, with_entry: bool) -> str:
    when = discord.utils.format_dt(revision.created_at, "f")
    subject = f"`{revision.entry_id}` " if with_entry else ""
    return clip(
        f"**#{revision.id}** {when} · {author_text(revision.author_id)} · "
        f"{subject}{revision.action}: {what}",
        LINE_MAX,
    )


def history_embed(
    entry_id: str | None, revisions: Sequence[Revision], described: Sequence[str]
) -> discord.Embed:
    """Revisions, newest first; `described[i]` says what `revisions[i]` changed."""
    title = f"History of {entry_id}" if entry_id else "Knowledge changes in this server"
    lines = [
        history_line(revision, what, with_entry=entry_id is None)
        for revision, what in zip(revisions, described, strict=True)
    ]
    embed = discord.Embed(
        title=clip(title, TITLE_MAX),
        description=listing(lines) or "No changes recorded in this server.",
        colour=INFO,
    )
    if revisions and entry_id:
        embed.set_footer(text="Undo one (and everything after it) with /kb revert id revision")
    return embed


def import_text(result: ImportResult) -> str:
    if not result.total:
        return f"Nothing to import: all {result.unchanged} entries already match this server."
    counts = import_counts(result)
    return f"Imported in one go: {counts}. Members get the new answers right away."


def gap_key(text: str) -> str:
    """A short, stable handle for a gap's text, for buttons (custom ids hold 100 characters,
    a question up to 1,000)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def gaps_embed(gaps: Sequence[Gap], days: int) -> discord.Embed:
    span = "day" if days == 1 else f"{days} days"
    lines = [
        f"**{number}.** {clip(discord.utils.escape_markdown(gap.text), GAP_TEXT_MAX)}\n"
        f"asked {gap.count}× · last {discord.utils.format_dt(gap.last_asked, 'R')}"
        for number, gap in enumerate(gaps, 1)
    ]
    embed = discord.Embed(
        title=f"Unanswered questions, last {span}",
        description=listing(lines) or f"No unanswered questions in the last {span}. 🎉",
        colour=INFO,
    )
    if gaps:
        embed.set_footer(
            text="Add: a new entry for that question. Alias: teach an existing entry to answer it."
        )
    return embed


def stale_embed(due: Sequence[DueEntry], within: int) -> discord.Embed:
    """Entries past or near their review_by date, longest overdue first, numbered for the
    Edit #n buttons under the list."""
    if not due:
        return discord.Embed(
            title="Nothing to check",
            description=f"No entry is past its review date or due within {within} days.",
            colour=INFO,
        )
    lines = []
    for number, item in enumerate(due, 1):
        when = (
            f"**overdue** by {-item.days_left} days"
            if item.overdue
            else f"due in {item.days_left} days"
        )
        title = clip(discord.utils.escape_markdown(item.entry.title), 120)
        lines.append(f"**{number}.** {title} (`{item.entry.id}`) · {when} ({item.review_by})")
    return discord.Embed(
        title=f"{len(due)} entries to fact-check",
        description=listing(lines),
        colour=PROBLEM if any(item.overdue for item in due) else INFO,
    ).set_footer(text="Edit #n opens the form; saving sets the review date to today")


def stats_embed(stats: GuildStats) -> discord.Embed:
    def title_of(entry_id: str, title: str | None) -> str:
        return clip(f"{title or '(no longer here)'} (`{entry_id}`)", 150)

    asked = [
        f"{topic.asked}× {title_of(topic.entry_id, topic.title)} · last "
        f"{discord.utils.format_dt(topic.last_asked, 'R')}"
        for topic in stats.topics
    ]
    votes = [
        f"👍 {vote.helpful} · 👎 {vote.not_helpful} {title_of(vote.entry_id, vote.title)}"
        for vote in stats.votes
    ]
    embed = discord.Embed(title="Knowledge statistics for this server", colour=INFO)
    embed.add_field(
        name="Most asked topics",
        value=listing(asked, FIELD_VALUE_MAX) or "No questions answered yet.",
        inline=False,
    )
    embed.add_field(
        name="Helpful / not helpful votes",
        value=listing(votes, FIELD_VALUE_MAX) or "No votes yet.",
        inline=False,
    )
    if stats.forum.posts:
        embed.add_field(name="Help forum posts", value=forum_text(stats.forum), inline=False)
    return embed


def forum_text(forum: ForumCounts) -> str:
    return (
        f"{forum.posts} new · {forum.answered} answered by me · {forum.solved} solved by my "
        f"answer · {forum.left_for_humans} left for humans"
    )
