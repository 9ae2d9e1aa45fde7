"""Answer feedback: votes, unanswered questions, topic stats.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_votes",
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("message_id", "user_id"),
    )
    op.create_index("ix_answer_votes_guild_id", "answer_votes", ["guild_id"])
    op.create_index("ix_answer_votes_entry_id", "answer_votes", ["entry_id"])
    op.create_table(
        "unanswered_questions",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_asked", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_asked", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "text"),
    )
    op.create_index("ix_unanswered_questions_last_asked", "unanswered_questions", ["last_asked"])
    op.create_table(
        "topic_stats",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("last_asked", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "entry_id"),
    )


def downgrade() -> None:
    op.drop_table("topic_stats")
    op.drop_index("ix_unanswered_questions_last_asked", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_index("ix_answer_votes_entry_id", table_name="answer_votes")
    op.drop_index("ix_answer_votes_guild_id", table_name="answer_votes")
    op.drop_table("answer_votes")
