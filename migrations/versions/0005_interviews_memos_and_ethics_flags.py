"""interviews, memos and ethics flags

Interviews booked for offers with a pinned guide version, memos per guide section and
ethics flags; content columns are Text holding Fernet tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:54:26.225940

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('place', sa.Text(), nullable=True),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('interviewer_id', sa.Integer(), nullable=False),
    sa.Column('guide_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('conducted_on', sa.Date(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(status = 'booked' OR status = 'cancelled') OR conducted_on IS NOT NULL", name=op.f('ck_interview_conducted_on')),
    sa.CheckConstraint("mode IN ('in_person', 'phone', 'video')", name=op.f('ck_interview_mode')),
    sa.CheckConstraint("status IN ('booked', 'conducted', 'documented', 'transcribed', 'verified', 'released', 'withdrawn', 'cancelled')", name=op.f('ck_interview_status')),
    sa.ForeignKeyConstraint(['guide_version_id'], ['guide_version.id'], name=op.f('fk_interview_guide_version_id_guide_version')),
    sa.ForeignKeyConstraint(['interviewer_id'], ['user.id'], name=op.f('fk_interview_interviewer_id_user')),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_interview_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview'))
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_interviewer_id'), ['interviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_status'), ['status'], unique=False)
        batch_op.create_index('uq_interview_live_offer', ['offer_id'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))

    op.create_table('ethics_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('disclosure', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', app.core.db.UTCDateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.CheckConstraint("category IN ('child_at_risk', 'self_harm', 'violence', 'crime', 'other')", name=op.f('ck_ethics_flag_category')),
    sa.CheckConstraint('(resolved_at IS NULL) = (resolution IS NULL)', name=op.f('ck_ethics_flag_resolution')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_ethics_flag_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user.id'], name=op.f('fk_ethics_flag_raised_by_id_user')),
    sa.ForeignKeyConstraint(['responsible_id'], ['user.id'], name=op.f('fk_ethics_flag_responsible_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ethics_flag'))
    )
    with op.batch_alter_table('ethics_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ethics_flag_interview_id'), ['interview_id'], unique=False)

    op.create_table('memo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_memo_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_memo_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memo')),
    sa.UniqueConstraint('interview_id', 'section_key', name=op.f('uq_memo_interview_id_section_key'))
    )
    with op.batch_alter_table('memo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memo_interview_id'), ['interview_id'], unique=False)



def downgrade():
    with op.batch_alter_table('memo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memo_interview_id'))

    op.drop_table('memo')
    with op.batch_alter_table('ethics_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ethics_flag_interview_id'))

    op.drop_table('ethics_flag')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index('uq_interview_live_offer', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_interview_status'))
        batch_op.drop_index(batch_op.f('ix_interview_offer_id'))
        batch_op.drop_index(batch_op.f('ix_interview_interviewer_id'))

    op.drop_table('interview')
