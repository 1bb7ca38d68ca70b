"""detected language: what Whisper heard, to flag a transcript made in the wrong language

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("transcript") as batch:
        batch.add_column(sa.Column("detected_language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("detected_share", sa.Double(), nullable=True))
        batch.add_column(sa.Column("expected_share", sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table("transcript") as batch:
        batch.drop_column("expected_share")
        batch.drop_column("detected_share")
        batch.drop_column("detected_language")
