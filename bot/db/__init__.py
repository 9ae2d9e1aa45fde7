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
from bot.db.unit import Sessions, reader, writer

__all__ = [
    "Base",
    "DatabaseUnavailable",
    "Sessions",
    "create_engine",
    "default_database_url",
    "migrate",
    "reader",
    "redact",
    "session_factory",
    "writer",
]
