"""What /roadmap says in the terminal and on Discord alike; each front end adds its own
formatting (a Discord title is bold and escaped, a terminal one quoted) around these words."""

from __future__ import annotations

from bot.roadmap.progress import MARKS, TrackView

SET_COMMANDS = {"done": "done", "doing": "doing", "skip": "skipped", "undo": "todo"}
STATUS_WORDS = {"todo": "to do", "doing": "in progress", "done": "done", "skipped": "skipped"}


def progress_line(view: TrackView) -> str:
    return f"{view.percent}% ({view.done} of {view.counted} done)"


def items_marked(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def now_text(title: str, status: str) -> str:
    """'✓ <title> is now done.'"""
    return f"{MARKS[status]} {title} is now {STATUS_WORDS[status]}."


def already_text(title: str, status: str) -> str:
    """'<title> is already done' (no full stop: Discord adds what it means)."""
    return f"{title} is already {STATUS_WORDS[status]}"


def next_up_text(view: TrackView, command: str) -> str | None:
    """'Next up: <item> (<command>)' after marking something done; None when all is done."""
    upcoming = view.next_open()
    return None if upcoming is None else f"Next up: {upcoming[1].item.title} ({command})"


def finished_text(title: str) -> str:
    return f"Every item of {title} is done or skipped. Well done!"


def cleared_text(title: str) -> str:
    return f"Cleared your progress on {title}."
