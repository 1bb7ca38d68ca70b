"""interview guide versions

Each synchronised guide file content, one row per guide, language and version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:46:30.237569

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guide_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guide_key', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', app.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_version')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_guide_version_content_hash')),
    sa.UniqueConstraint('guide_key', 'language', 'version', name=op.f('uq_guide_version_guide_key_language_version'))
    )
    with op.batch_alter_table('guide_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_version_guide_key'), ['guide_key'], unique=False)



def downgrade():
    with op.batch_alter_table('guide_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_version_guide_key'))

    op.drop_table('guide_version')
