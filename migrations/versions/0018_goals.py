"""the red thread: goals with their versions, guidelines, evidence links; the leader role

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:30:00

"""

from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ROLES = "'interviewer', 'coordinator', 'researcher', 'review_member', 'admin'"


def _role_check(values: str) -> None:
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_role_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_role_role"), f"role IN ({values})")


def upgrade():
    _role_check("'interviewer', 'coordinator', 'researcher', 'review_member', 'leader', 'admin'")
    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('team', 'municipal')", name=op.f("ck_goal_kind")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_goal_version")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_goal_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"], ["user.id"], name=op.f("fk_goal_retired_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    op.create_table(
        "goal_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("term", sa.String(length=8), nullable=True),
        sa.Column("work", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("revised_on", sa.Date(), nullable=True),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("language IN ('sv', 'da', 'en')", name=op.f("ck_goal_version_language")),
        sa.CheckConstraint(
            "revised_on IS NULL OR revised_on >= adopted_on",
            name=op.f("ck_goal_version_revised_on"),
        ),
        sa.CheckConstraint(
            "term IS NULL OR term IN ('short', 'long')", name=op.f("ck_goal_version_term")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_goal_version_goal_id_goal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["user.id"], name=op.f("fk_goal_version_saved_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_version")),
        sa.UniqueConstraint("goal_id", "number", name=op.f("uq_goal_version_goal_id_number")),
    )
    with op.batch_alter_table("goal_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_version_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "guideline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("revised_on", sa.Date(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("language IN ('sv', 'da', 'en')", name=op.f("ck_guideline_language")),
        sa.CheckConstraint(
            "revised_on IS NULL OR revised_on >= adopted_on", name=op.f("ck_guideline_revised_on")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_guideline_revision")),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], name=op.f("fk_guideline_goal_id_goal")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_guideline_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guideline")),
    )
    with op.batch_alter_table("guideline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guideline_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "goal_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('for', 'against', 'neutral')", name=op.f("ck_goal_link_direction")
        ),
        sa.CheckConstraint(
            "(code_id IS NULL AND theme_id IS NOT NULL) OR (code_id IS NOT NULL AND theme_id IS NULL)",
            name=op.f("ck_goal_link_target"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["code.id"], name=op.f("fk_goal_link_code_id_code"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_goal_link_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_goal_link_goal_id_goal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_goal_link_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_link")),
        sa.UniqueConstraint("goal_id", "code_id", name=op.f("uq_goal_link_goal_id_code_id")),
        sa.UniqueConstraint("goal_id", "theme_id", name=op.f("uq_goal_link_goal_id_theme_id")),
    )
    with op.batch_alter_table("goal_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_link_goal_id"), ["goal_id"], unique=False)


def downgrade():
    with op.batch_alter_table("goal_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_link_goal_id"))
    op.drop_table("goal_link")
    with op.batch_alter_table("guideline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guideline_goal_id"))
    op.drop_table("guideline")
    with op.batch_alter_table("goal_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_version_goal_id"))
    op.drop_table("goal_version")
    op.drop_table("goal")
    op.execute("DELETE FROM user_role WHERE role = 'leader'")
    _role_check(_ROLES)
