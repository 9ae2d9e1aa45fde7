"""Unanswered questions counted per day, so /kb gaps can rank by the last N days.

Replaces unanswered_questions (one all-time count per question) with unanswered_daily (one
count per question per UTC day). Existing rows are carried over: an old row only says the
question was asked `count` times between first_asked and last_asked, so the last day gets one
ask and the first day the rest (all of them when both are the same day). Windows that reach
back to the first ask count exactly; shorter ones count at least the last ask, never more
asks than can have happened in them. The downgrade sums the days back into one row per
question (first_asked becomes the last ask of its earliest day).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD = sa.table(
    "unanswered_questions",
    sa.column("guild_id", sa.BigInteger()),
    sa.column("text", sa.String(1000)),
    sa.column("count", sa.Integer()),
    sa.column("first_asked", sa.DateTime(timezone=True)),
    sa.column("last_asked", sa.DateTime(timezone=True)),
)
DAILY = sa.table(
    "unanswered_daily",
    sa.column("guild_id", sa.BigInteger()),
    sa.column("text", sa.String(1000)),
    sa.column("day", sa.Date()),
    sa.column("count", sa.Integer()),
    sa.column("last_asked", sa.DateTime(timezone=True)),
)


def utc_day(moment: sa.ColumnElement) -> sa.ColumnElement:
    """The UTC calendar day of a timestamp column, as the dialect's DATE."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", moment), sa.Date())
    return sa.func.date(moment)  # SQLite keeps UTC timestamps as ISO text


def create_unanswered_questions() -> None:
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


def upgrade() -> None:
    op.create_table(
        "unanswered_daily",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_asked", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "text", "day"),
    )
    op.create_index("ix_unanswered_daily_guild_day", "unanswered_daily", ["guild_id", "day"])

    first_day, last_day = utc_day(OLD.c.first_asked), utc_day(OLD.c.last_asked)
    columns = ["guild_id", "text", "day", "count", "last_asked"]
    # The earlier asks, on the first day (only when the question spans several days).
    op.execute(
        DAILY.insert().from_select(
            columns,
            sa.select(OLD.c.guild_id, OLD.c.text, first_day, OLD.c.count - 1, OLD.c.first_asked)
            .where(first_day != last_day, OLD.c.count > 1),
        )
    )
    # The last ask on the last day; every ask there when the question spans one day.
    op.execute(
        DAILY.insert().from_select(
            columns,
            sa.select(
                OLD.c.guild_id,
                OLD.c.text,
                last_day,
                sa.case((first_day == last_day, OLD.c.count), else_=1),
                OLD.c.last_asked,
            ),
        )
    )
    op.drop_index("ix_unanswered_questions_last_asked", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")


def downgrade() -> None:
    create_unanswered_questions()
    op.execute(
        OLD.insert().from_select(
            ["guild_id", "text", "count", "first_asked", "last_asked"],
            sa.select(
                DAILY.c.guild_id,
                DAILY.c.text,
                sa.func.sum(DAILY.c.count),
                sa.func.min(DAILY.c.last_asked),
                sa.func.max(DAILY.c.last_asked),
            ).group_by(DAILY.c.guild_id, DAILY.c.text),
        )
    )
    op.drop_index("ix_unanswered_daily_guild_day", table_name="unanswered_daily")
    op.drop_table("unanswered_daily")
