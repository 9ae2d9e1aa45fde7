"""CareerBot: machine-learning career answers and roadmaps, on Discord and in the terminal."""

from __future__ import annotations

import os
from typing import Any

# One BLAS thread: the matcher multiplies a vector by a tall matrix per question, which one
# core does in well under a millisecond; OpenBLAS's thread pool only adds wake-up latency and
# competes with the event loop (measured: p50 6.9 ms with one thread, 27 ms with the default).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__all__ = ["create_bot"]


def create_bot(*args: Any, **kwargs: Any) -> Any:
    """The fully configured Discord bot, not yet connected (see bot.discord.app)."""
    from bot.discord.app import create_bot as factory

    return factory(*args, **kwargs)
