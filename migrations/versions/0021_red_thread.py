"""the red thread: actions name the goal or guideline they serve; evaluations per goal and year

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.crypto
import app.core.db  # custom column types

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guideline_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_action_goal_id"), ["goal_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_review_action_goal_id_goal"), "goal", ["goal_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_review_action_guideline_id_guideline"),
            "guideline",
            ["guideline_id"],
            ["id"],
        )
    op.create_table(
        "goal_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("year BETWEEN 1900 AND 2200", name=op.f("ck_goal_evaluation_year")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_goal_evaluation_version")),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goal.id"],
            name=op.f("fk_goal_evaluation_goal_id_goal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_evaluation")),
        sa.UniqueConstraint("goal_id", "year", name=op.f("uq_goal_evaluation_goal_id_year")),
    )
    with op.batch_alter_table("goal_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_evaluation_goal_id"), ["goal_id"], unique=False)
    op.create_table(
        "goal_evaluation_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("evidence", app.core.crypto.EncryptedText(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('met', 'partly', 'not_met', 'cannot_tell')",
            name=op.f("ck_goal_evaluation_version_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["goal_evaluation.id"],
            name=op.f("fk_goal_evaluation_version_evaluation_id_goal_evaluation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["user.id"], name=op.f("fk_goal_evaluation_version_saved_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_evaluation_version")),
        sa.UniqueConstraint(
            "evaluation_id", "number", name=op.f("uq_goal_evaluation_version_evaluation_id_number")
        ),
    )
    with op.batch_alter_table("goal_evaluation_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goal_evaluation_version_evaluation_id"), ["evaluation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("goal_evaluation_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_evaluation_version_evaluation_id"))
    op.drop_table("goal_evaluation_version")
    with op.batch_alter_table("goal_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_evaluation_goal_id"))
    op.drop_table("goal_evaluation")
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_review_action_guideline_id_guideline"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_review_action_goal_id_goal"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_review_action_goal_id"))
        batch_op.drop_column("guideline_id")
        batch_op.drop_column("goal_id")
