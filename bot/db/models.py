"""Typed SQLAlchemy 2.0 models. The Alembic chain in `migrations/` must match these exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 64
TAG_NAME_LENGTH = 20  # Discord's limit for a forum tag's name
NO_GUILD = 0  # the guild_id of what happens outside servers (direct messages, the terminal)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        int: BigInteger,
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class User(Base):
    """A Discord user we store something for (roadmap progress, votes)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class GuildSettings(Base):
    """Per-server configuration set by moderators."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ask_channel_id: Mapped[int | None]
    mod_role_id: Mapped[int | None]
    help_forum_id: Mapped[int | None]
    solved_tag: Mapped[str | None] = mapped_column(String(TAG_NAME_LENGTH))  # None: "Solved"
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class ForumPost(Base):
    """What became of a new post in a server's help forum, for /kb stats. No user id: who
    asked is never stored, only what the bot answered and whether it solved the post."""

    __tablename__ = "forum_posts"

    thread_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # answered, suggested, unanswered
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))  # the topic answered
    resolution: Mapped[str | None] = mapped_column(String(16))  # solved, not_solved
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class SkillProgress(Base):
    """One user's status for one roadmap skill, shown in every track that lists the skill.

    `marked_in` is the track it was marked in (for "done in <track>" elsewhere); rows outlive
    skills and tracks removed from the YAML.
    """

    __tablename__ = "skill_progress"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    marked_in: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class AnswerVote(Base):
    """A Helpful / Not helpful vote: one per user per answer message (a new vote replaces)."""

    __tablename__ = "answer_votes"

    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(index=True)  # 0 outside servers
    entry_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class UnansweredDaily(Base):
    """How often a question got no confident answer in a server on one UTC day.

    One row per (server, normalised text, day), so /kb gaps can count the asks of the last N
    days. Deliberately has no user id.
    """

    __tablename__ = "unanswered_daily"
    __table_args__ = (Index("ix_unanswered_daily_guild_day", "guild_id", "day"),)

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(String(1000), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_asked: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class TopicStat(Base):
    """How often each entry was answered in a server, for moderators' stats."""

    __tablename__ = "topic_stats"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    last_asked: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class GuildEntry(Base):
    """A server's layer over the bundled knowledge: its own entries, overrides, aliases, hides."""

    __tablename__ = "guild_entries"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    data: Mapped[dict[str, Any] | None]  # full entry text when added or overridden here
    aliases: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"phrases": [...]}
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class KnowledgeRevision(Base):
    """Every change to a server layer. Never deleted; a revert is a revision too."""

    __tablename__ = "kb_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(index=True)
    entry_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    author_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class KnowledgeVersion(Base):
    """A counter per server, bumped with every layer change so other processes notice."""

    __tablename__ = "kb_versions"

    guild_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
