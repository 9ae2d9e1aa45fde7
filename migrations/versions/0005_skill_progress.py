"""Roadmap progress per skill: roadmap_progress (user, track, item) becomes skill_progress
(user, skill), so a skill ticked in one track shows in every track that lists it.

Every old row is carried over. Its item becomes the skill of the same id, except for the items
that were merged or renamed when the tracks moved to one shared skill graph (ITEM_SKILLS).
Items this migration doesn't know (rows hidden since their item was removed) keep their id as
the skill id, so they stay stored and still show if a skill with that id or `replaces` comes
back. When several rows land on one skill, the most advanced status wins (done, doing,
skipped, to do), with its track noted in `marked_in`; the row keeps the earliest created_at
and the latest updated_at of them all.

The downgrade writes each skill back under every old (track, item) that maps to it, merged the
same way where two skills map to one old item; a skill no old item maps to goes back under the
track it was marked in (an empty track id when none was noted), which the upgrade reads back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (track, item) -> skill, for every item of the tracks as they were at revision 0004.
ML_ENGINEER_ITEMS = (
    "linear-algebra-course", "statistics-probability", "calculus-gradients", "python-fluency",
    "data-structures", "supervised-learning", "unsupervised-learning",
    "reinforcement-learning-basics", "data-prep-features", "model-evaluation",
    "algorithm-tradeoffs", "scikit-learn-model", "deep-learning-basics",
    "deep-learning-framework", "git-experiment-tracking", "sql-data-prep", "docker-model",
    "cloud-ml-service", "deployed-project", "project-readmes", "open-source-contribution",
    "education-decision", "structured-course", "cloud-certification", "meetup-or-conference",
    "linkedin-profile", "community-help", "apply-entry-roles", "ml-cv", "application-plan",
    "coding-interview-prep", "ml-interview-prep", "behavioural-stories", "mock-interviews",
    "negotiate-offer", "read-papers", "follow-newsletter", "new-topic-workshop",
)  # fmt: skip
ITEM_SKILLS: tuple[tuple[str, str, str], ...] = (
    *(("ml-engineer", item, item) for item in ML_ENGINEER_ITEMS),
    # "Finish a supervised and an unsupervised project" became the portfolio's two projects.
    ("ml-engineer", "real-data-projects", "supervised-project"),
    ("ml-engineer", "real-data-projects", "unsupervised-project"),
    ("portfolio", "supervised-project", "supervised-project"),
    ("portfolio", "unsupervised-project", "unsupervised-project"),
    ("portfolio", "deployed-project", "deployed-project"),
    ("portfolio", "readme", "project-readmes"),
    ("portfolio", "blog-post", "blog-post"),
    ("portfolio", "kaggle-competition", "kaggle-competition"),
    ("portfolio", "open-source-contribution", "open-source-contribution"),
    ("networking", "conference-or-meetup", "meetup-or-conference"),
    ("networking", "online-community", "community-help"),
    ("networking", "mentor", "mentor"),
    ("networking", "linkedin-profile", "linkedin-profile"),
    ("networking", "public-writing", "blog-post"),
)
STATUS_RANK = {"done": 4, "doing": 3, "skipped": 2, "todo": 1}  # unknown statuses rank 0

OLD = sa.table(
    "roadmap_progress",
    sa.column("user_id", sa.BigInteger()),
    sa.column("track_id", sa.String(64)),
    sa.column("item_id", sa.String(64)),
    sa.column("status", sa.String(16)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
NEW = sa.table(
    "skill_progress",
    sa.column("user_id", sa.BigInteger()),
    sa.column("skill_id", sa.String(64)),
    sa.column("status", sa.String(16)),
    sa.column("marked_in", sa.String(64)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
MAP = sa.table(
    "roadmap_skill_map",
    sa.column("track_id", sa.String(64)),
    sa.column("item_id", sa.String(64)),
    sa.column("skill_id", sa.String(64)),
)


def create_map() -> None:
    op.create_table(
        "roadmap_skill_map",
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("skill_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("track_id", "item_id", "skill_id"),
    )
    op.bulk_insert(
        MAP, [{"track_id": t, "item_id": i, "skill_id": s} for t, i, s in ITEM_SKILLS]
    )


def merged(source: sa.Subquery, keys: list[str], kept: list[str]) -> sa.Select:
    """One row per `keys` of `source`: the `kept` columns of its most advanced status (then
    latest change), the earliest created_at and the latest updated_at."""
    rank = sa.case(STATUS_RANK, value=source.c.status, else_=0)
    group = [source.c[key] for key in keys]
    ranked = sa.select(
        source,
        sa.func.row_number()
        .over(
            partition_by=group,
            order_by=(rank.desc(), source.c.updated_at.desc(), source.c.marked_in),
        )
        .label("position"),
        sa.func.min(source.c.created_at).over(partition_by=group).label("first_created"),
        sa.func.max(source.c.updated_at).over(partition_by=group).label("last_updated"),
    ).subquery()
    return sa.select(
        *(ranked.c[name] for name in (*keys, *kept)),
        ranked.c.first_created,
        ranked.c.last_updated,
    ).where(ranked.c.position == 1)


def create_skill_progress() -> None:
    op.create_table(
        "skill_progress",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("skill_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("marked_in", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "skill_id"),
    )


def create_roadmap_progress() -> None:
    op.create_table(
        "roadmap_progress",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "track_id", "item_id"),
    )


def upgrade() -> None:
    create_skill_progress()
    create_map()
    source = (
        sa.select(
            OLD.c.user_id,
            sa.func.coalesce(MAP.c.skill_id, OLD.c.item_id).label("skill_id"),
            OLD.c.status,
            sa.func.nullif(OLD.c.track_id, "").label("marked_in"),
            OLD.c.created_at,
            OLD.c.updated_at,
        )
        .select_from(
            OLD.outerjoin(
                MAP, sa.and_(MAP.c.track_id == OLD.c.track_id, MAP.c.item_id == OLD.c.item_id)
            )
        )
        .subquery()
    )
    keys, kept = ["user_id", "skill_id"], ["status", "marked_in"]
    rows = merged(source, keys, kept)
    op.execute(NEW.insert().from_select([*keys, *kept, "created_at", "updated_at"], rows))
    op.drop_table("roadmap_skill_map")
    op.drop_table("roadmap_progress")


def downgrade() -> None:
    create_roadmap_progress()
    create_map()
    source = (
        sa.select(
            NEW.c.user_id,
            sa.func.coalesce(MAP.c.track_id, NEW.c.marked_in, "").label("track_id"),
            sa.func.coalesce(MAP.c.item_id, NEW.c.skill_id).label("item_id"),
            NEW.c.status,
            NEW.c.marked_in,
            NEW.c.created_at,
            NEW.c.updated_at,
        )
        .select_from(NEW.outerjoin(MAP, MAP.c.skill_id == NEW.c.skill_id))
        .subquery()
    )
    keys, kept = ["user_id", "track_id", "item_id"], ["status"]
    rows = merged(source, keys, kept)
    op.execute(OLD.insert().from_select([*keys, *kept, "created_at", "updated_at"], rows))
    op.drop_table("roadmap_skill_map")
    op.drop_table("skill_progress")
