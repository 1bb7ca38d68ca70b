"""pseudonym maps and releases

A pseudonym map per participant (encrypted JSON) and frozen, pseudonymised releases of
verified transcripts. Map entries and release content are Text holding Fernet tokens.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 08:49:59.818258

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pseudonym_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_pseudonym_map_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pseudonym_map')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_pseudonym_map_participant_id'))
    )
    op.create_table('transcript_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', app.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_transcript_release_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_transcript_release_released_by_id_user')),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'], name=op.f('fk_transcript_release_transcript_id_transcript'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_release')),
    sa.UniqueConstraint('interview_id', 'version', name=op.f('uq_transcript_release_interview_id_version'))
    )
    with op.batch_alter_table('transcript_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_release_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcript_release_transcript_id'), ['transcript_id'], unique=False)



def downgrade():
    with op.batch_alter_table('transcript_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_release_transcript_id'))
        batch_op.drop_index(batch_op.f('ix_transcript_release_interview_id'))

    op.drop_table('transcript_release')
    op.drop_table('pseudonym_map')
