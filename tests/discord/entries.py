"""Knowledge entries the Discord tests build on (not a test module)."""

from __future__ import annotations

from bot.knowledge.models import Entry


def long_entry(paragraphs: int = 12, entry_id: str = "long-answer") -> Entry:
    """A valid entry of almost 4,000 characters in paragraphs and bullets."""
    paragraph = "**Point.** " + "Some careful advice about ML careers. " * 7
    answer = "\n\n".join(f"{paragraph}\n- bullet {n}\n- another bullet" for n in range(paragraphs))
    return Entry(
        id=entry_id,
        title="A very long answer",
        category="roadmap",
        questions=["tell me everything about the long answer"],
        answer=answer[:3990].rstrip(),
        related=["python", "sql"],
    )
