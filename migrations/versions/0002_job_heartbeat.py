"""job heartbeat

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:50:56.085521

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', app.core.db.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')

