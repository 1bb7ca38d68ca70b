"""recordings and transcripts

Recordings (encrypted audio files; the row stays when the audio is destroyed), transcript
versions and their segments. Segment text is Text holding Fernet tokens.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_type', sa.String(length=8), nullable=False),
    sa.Column('duration', sa.Double(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('destroy_on', sa.Date(), nullable=True),
    sa.Column('destroyed_at', app.core.db.UTCDateTime(), nullable=True),
    sa.Column('destroyed_reason', sa.String(length=16), nullable=True),
    sa.CheckConstraint("destroyed_reason IS NULL OR destroyed_reason IN ('retention', 'consent', 'interviewer')", name=op.f('ck_recording_destroyed_reason')),
    sa.CheckConstraint('(stored_name IS NULL) = (destroyed_at IS NOT NULL)', name=op.f('ck_recording_destroyed')),
    sa.CheckConstraint('duration > 0', name=op.f('ck_recording_duration')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_recording_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_recording_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording'))
    )
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_destroy_on'), ['destroy_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('uq_recording_live', ['interview_id'], unique=True, sqlite_where=sa.text('destroyed_at IS NULL'), postgresql_where=sa.text('destroyed_at IS NULL'))

    op.create_table('transcript',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('made_by', sa.String(length=120), nullable=False),
    sa.Column('recording_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('verified_at', app.core.db.UTCDateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('whisper', 'import')", name=op.f('ck_transcript_source')),
    sa.CheckConstraint('(verified_at IS NULL) = (verified_by_id IS NULL)', name=op.f('ck_transcript_verified')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_transcript_created_by_id_user')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_transcript_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_id'], ['recording.id'], name=op.f('fk_transcript_recording_id_recording')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_transcript_verified_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript')),
    sa.UniqueConstraint('interview_id', 'version', name=op.f('uq_transcript_interview_id_version'))
    )
    with op.batch_alter_table('transcript', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_interview_id'), ['interview_id'], unique=False)

    op.create_table('transcript_segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=True),
    sa.Column('end_ms', sa.Integer(), nullable=True),
    sa.Column('speaker', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint("speaker IS NULL OR speaker IN ('interviewer', 'young_person', 'other')", name=op.f('ck_transcript_segment_speaker')),
    sa.CheckConstraint('end_ms IS NULL OR start_ms IS NULL OR end_ms >= start_ms', name=op.f('ck_transcript_segment_end_ms')),
    sa.CheckConstraint('start_ms IS NULL OR start_ms >= 0', name=op.f('ck_transcript_segment_start_ms')),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'], name=op.f('fk_transcript_segment_transcript_id_transcript'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_segment')),
    sa.UniqueConstraint('transcript_id', 'position', name=op.f('uq_transcript_segment_transcript_id_position'))
    )
    with op.batch_alter_table('transcript_segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_segment_transcript_id'), ['transcript_id'], unique=False)


def downgrade():
    with op.batch_alter_table('transcript_segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_segment_transcript_id'))

    op.drop_table('transcript_segment')
    with op.batch_alter_table('transcript', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_interview_id'))

    op.drop_table('transcript')
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_index('uq_recording_live', sqlite_where=sa.text('destroyed_at IS NULL'), postgresql_where=sa.text('destroyed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_recording_interview_id'))
        batch_op.drop_index(batch_op.f('ix_recording_destroy_on'))

    op.drop_table('recording')
