"""interview: whether a guardian's consent is needed, for counting by consent in SQL

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # Left empty here: the consent gate stamps every interview at its first count
    # (app.consent.gate.stamp_stale), since the birth date it needs is encrypted.
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_needed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('guardian_rule', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_column('guardian_rule')
        batch_op.drop_column('guardian_needed')
