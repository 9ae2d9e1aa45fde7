"""Help forums: the forum a server answers posts in, its "Solved" tag, and what became of
each post (forum_posts, for /kb stats).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("help_forum_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("solved_tag", sa.String(length=20), nullable=True))
    op.create_table(
        "forum_posts",
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    op.create_index("ix_forum_posts_guild_id", "forum_posts", ["guild_id"])


def downgrade() -> None:
    op.drop_index("ix_forum_posts_guild_id", table_name="forum_posts")
    op.drop_table("forum_posts")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("solved_tag")
        batch.drop_column("help_forum_id")
