"""placement register and offers

Participants with encrypted identity columns (Text holding Fernet tokens), placements, the
social workers and people in each child's story, register imports, offers and reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:02:15.360464

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('birth_date', sa.Text(), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=True),
    sa.Column('id_number_digest', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('guardian', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("language IS NULL OR language IN ('sv', 'da', 'en')", name=op.f('ck_participant_language')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_participant_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('code', name=op.f('uq_participant_code')),
    sa.UniqueConstraint('id_number_digest', name=op.f('uq_participant_id_number_digest'))
    )
    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('setting_at_end', sa.String(length=20), nullable=False),
    sa.Column('custody_transferred', sa.Boolean(), nullable=False),
    sa.CheckConstraint("setting_at_end IN ('family_home', 'institution', 'other')", name=op.f('ck_placement_setting_at_end')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_placement_ends_after_start')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_placement_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_participant_id'), ['participant_id'], unique=False)

    op.create_table('register_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('mapping', sa.Text(), nullable=False),
    sa.Column('imported_count', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('uploaded', 'imported', 'discarded')", name=op.f('ck_register_import_state')),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_register_import_job_id_job')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_register_import_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_import'))
    )
    op.create_table('related_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.CheckConstraint("relation IN ('foster_parent', 'birth_parent', 'sibling', 'other')", name=op.f('ck_related_person_relation')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_related_person_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_related_person'))
    )
    with op.batch_alter_table('related_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_related_person_participant_id'), ['participant_id'], unique=False)

    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('interviewer_id', sa.Integer(), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('interviewed_on', sa.Date(), nullable=True),
    sa.Column('attrition_reason', sa.String(length=20), nullable=True),
    sa.Column('attrition_note', sa.Text(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(outcome = 'interviewed') = (interviewed_on IS NOT NULL)", name=op.f('ck_offer_interviewed')),
    sa.CheckConstraint("(outcome = 'not_interviewed') = (attrition_reason IS NOT NULL)", name=op.f('ck_offer_attrition')),
    sa.CheckConstraint("answer IS NULL OR answer IN ('accepted', 'declined', 'no_answer', 'unreachable')", name=op.f('ck_offer_answer')),
    sa.CheckConstraint("attrition_reason IS NULL OR attrition_reason IN ('declined', 'unreachable', 'unable', 'too_far', 'practical', 'other')", name=op.f('ck_offer_attrition_reason')),
    sa.CheckConstraint("channel IN ('letter', 'phone', 'text_message', 'in_person')", name=op.f('ck_offer_channel')),
    sa.CheckConstraint("outcome IN ('open', 'interviewed', 'not_interviewed')", name=op.f('ck_offer_outcome')),
    sa.CheckConstraint('(answer IS NULL) = (answered_on IS NULL)', name=op.f('ck_offer_answered_on')),
    sa.CheckConstraint('(interviewer_id IS NULL) = (assigned_on IS NULL)', name=op.f('ck_offer_assigned_on')),
    sa.ForeignKeyConstraint(['interviewer_id'], ['user.id'], name=op.f('fk_offer_interviewer_id_user')),
    sa.ForeignKeyConstraint(['offered_by_id'], ['user.id'], name=op.f('fk_offer_offered_by_id_user')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_offer_placement_id_placement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    sa.UniqueConstraint('placement_id', name=op.f('uq_offer_placement_id'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_interviewer_id'), ['interviewer_id'], unique=False)

    op.create_table('placement_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.CheckConstraint('user_id IS NOT NULL OR name IS NOT NULL', name=op.f('ck_placement_worker_who')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_placement_worker_placement_id_placement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_placement_worker_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_worker'))
    )
    with op.batch_alter_table('placement_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_worker_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_worker_user_id'), ['user_id'], unique=False)

    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('letter', 'phone', 'text_message', 'in_person')", name=op.f('ck_reminder_channel')),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_reminder_offer_id_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_reminder_sent_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder'))
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_offer_id'), ['offer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_offer_id'))

    op.drop_table('reminder')
    with op.batch_alter_table('placement_worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_worker_user_id'))
        batch_op.drop_index(batch_op.f('ix_placement_worker_placement_id'))

    op.drop_table('placement_worker')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_interviewer_id'))

    op.drop_table('offer')
    with op.batch_alter_table('related_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_related_person_participant_id'))

    op.drop_table('related_person')
    op.drop_table('register_import')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_participant_id'))

    op.drop_table('placement')
    op.drop_table('participant')
