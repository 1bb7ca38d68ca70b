"""transcript_segment: the guide section and question a segment answers, as confirmed

Revision ID: 0028
Revises: 0024
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.db

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transcript_segment") as batch:
        batch.add_column(sa.Column("guide_section", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("guide_question", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("guide_confirmed_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("guide_confirmed_at", app.core.db.UTCDateTime(), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_transcript_segment_guide_confirmed_by_id_user"),
            "user",
            ["guide_confirmed_by_id"],
            ["id"],
        )
        batch.create_check_constraint(
            op.f("ck_transcript_segment_guide_confirmed"),
            "(guide_confirmed_at IS NULL) = (guide_confirmed_by_id IS NULL)",
        )
        batch.create_check_constraint(
            op.f("ck_transcript_segment_guide_link"),
            "(guide_section IS NULL OR guide_confirmed_at IS NOT NULL) AND "
            "(guide_question IS NULL OR guide_section IS NOT NULL)",
        )


def downgrade():
    with op.batch_alter_table("transcript_segment") as batch:
        batch.drop_constraint(op.f("ck_transcript_segment_guide_link"), type_="check")
        batch.drop_constraint(op.f("ck_transcript_segment_guide_confirmed"), type_="check")
        batch.drop_constraint(
            op.f("fk_transcript_segment_guide_confirmed_by_id_user"), type_="foreignkey"
        )
        batch.drop_column("guide_confirmed_at")
        batch.drop_column("guide_confirmed_by_id")
        batch.drop_column("guide_question")
        batch.drop_column("guide_section")
