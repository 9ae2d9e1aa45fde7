"""What /roadmap says in the terminal and on Discord alike; each front end adds its own
formatting (a Discord title is bold and escaped, a terminal one quoted) around these words."""

from __future__ import annotations

from collections.abc import Sequence

from bot.roadmap.progress import MARKS, SkillView, TrackView
from bot.roadmap.skills import Skill

SET_COMMANDS = {"done": "done", "doing": "doing", "skip": "skipped", "undo": "todo"}
STATUS_WORDS = {"todo": "to do", "doing": "in progress", "done": "done", "skipped": "skipped"}


def progress_line(view: TrackView) -> str:
    return f"{view.percent}% ({view.done} of {view.counted} done)"


def elsewhere_note(view: SkillView) -> str:
    """'done in Build your ML portfolio': the skill was marked in another track."""
    return f"{STATUS_WORDS[view.status]} in {view.elsewhere}" if view.elsewhere else ""


def prerequisites_note(missing: Sequence[Skill]) -> str | None:
    """A gentle note after marking a skill whose prerequisites are not done yet (marking is
    allowed all the same: people learn in their own order)."""
    if not missing:
        return None
    titles = " and ".join(f"“{skill.title}”" for skill in missing[:2])
    more = f" (and {len(missing) - 2} more)" if len(missing) > 2 else ""
    one = len(missing) == 1
    return (
        f"Heads-up: this builds on {titles}{more}, not marked done yet. If you know "
        f"{'it' if one else 'them'} already, mark {'it' if one else 'them'} too; if not, "
        f"{'it makes a good next step' if one else 'they make good next steps'}."
    )


def items_marked(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def reset_prompt(title: str, view: TrackView) -> str:
    """What a reset would clear: the items marked in this track (shared ones everywhere);
    items marked in other tracks stay."""
    marked = items_marked(view.marked)
    return f"This clears your progress on {title} ({marked} marked).{stays(view)}"


def stays(view: TrackView) -> str:
    """' 2 items marked in other tracks stay.' when a reset of this track keeps some."""
    kept = view.marked_elsewhere
    if not kept:
        return ""
    return f" {items_marked(kept)} marked in other tracks stay{'s' if kept == 1 else ''}."


def now_text(title: str, status: str) -> str:
    """'✓ <title> is now done.'"""
    return f"{MARKS[status]} {title} is now {STATUS_WORDS[status]}."


def already_text(title: str, status: str) -> str:
    """'<title> is already done' (no full stop: Discord adds what it means)."""
    return f"{title} is already {STATUS_WORDS[status]}"


def next_up_text(view: TrackView, command: str) -> str | None:
    """'Next up: <skill> (<command>)' after marking something done; None when all is done."""
    upcoming = view.next_open()
    return None if upcoming is None else f"Next up: {upcoming[1].skill.title} ({command})"


def finished_text(title: str) -> str:
    return f"Every item of {title} is done or skipped. Well done!"


def cleared_text(title: str) -> str:
    return f"Cleared your progress on {title}."
