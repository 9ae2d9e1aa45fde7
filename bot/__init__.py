"""CareerBot: machine-learning career answers and roadmaps, on Discord and in the terminal."""

from __future__ import annotations

from typing import Any

__all__ = ["create_bot"]


def create_bot(*args: Any, **kwargs: Any) -> Any:
    """The fully configured Discord bot, not yet connected (see bot.discord.app)."""
    from bot.discord.app import create_bot as factory

    return factory(*args, **kwargs)
