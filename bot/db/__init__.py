"""Database layer: typed models, engine factory, migrations."""

from bot.db.engine import (
    DatabaseUnavailable,
    create_engine,
    default_database_url,
    migrate,
    redact,
    session_factory,
)
from bot.db.models import Base

__all__ = [
    "Base",
    "DatabaseUnavailable",
    "create_engine",
    "default_database_url",
    "migrate",
    "redact",
    "session_factory",
]
