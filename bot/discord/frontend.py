"""Which front end a question came through, for the metrics: set per event, read per answer."""

from __future__ import annotations

import contextvars

# "slash" for /ask; the bot's `dispatch` sets "message" for mentions, DMs and the ask channel.
FRONTEND: contextvars.ContextVar[str] = contextvars.ContextVar("frontend", default="slash")
