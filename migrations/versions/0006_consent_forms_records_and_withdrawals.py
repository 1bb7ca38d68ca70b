"""consent forms, records, grants and withdrawals

Consent form versions per language, consent records (who, how, when, under which version)
with one grant per scope, and withdrawals that end grants and keep what was done.
Guardian names, witnesses and notes are Text holding Fernet tokens.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:21:45.276436

"""
from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # A young person may withdraw before the interview took place.
    with op.batch_alter_table('interview') as batch:
        batch.drop_constraint(op.f('ck_interview_conducted_on'), type_='check')
        batch.create_check_constraint(
            op.f('ck_interview_conducted_on'),
            "status IN ('booked', 'cancelled', 'withdrawn') OR conducted_on IS NOT NULL",
        )
    op.create_table('consent_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_consent_form_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_form')),
    sa.UniqueConstraint('form_key', 'language', 'version', name=op.f('uq_consent_form_form_key_language_version'))
    )
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('giver', sa.String(length=20), nullable=False),
    sa.Column('guardian_name', app.core.crypto.EncryptedText(), nullable=True),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('scan_name', sa.String(length=80), nullable=True),
    sa.Column('scan_type', sa.String(length=40), nullable=True),
    sa.Column('scan_size', sa.Integer(), nullable=True),
    sa.Column('witness', app.core.crypto.EncryptedText(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', app.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("giver IN ('young_person', 'guardian')", name=op.f('ck_consent_record_giver')),
    sa.CheckConstraint("method != 'signed_paper' OR scan_name IS NOT NULL", name=op.f('ck_consent_record_scan')),
    sa.CheckConstraint("method != 'verbal' OR witness IS NOT NULL", name=op.f('ck_consent_record_witness')),
    sa.CheckConstraint("method IN ('signed_paper', 'verbal')", name=op.f('ck_consent_record_method')),
    sa.ForeignKeyConstraint(['form_id'], ['consent_form.id'], name=op.f('fk_consent_record_form_id_consent_form')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_consent_record_interview_id_interview')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_consent_record_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_interview_id'), ['interview_id'], unique=False)

    op.create_table('withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('giver', sa.String(length=20), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('note', app.core.crypto.EncryptedText(), nullable=True),
    sa.Column('effects', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', app.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('in_person', 'phone', 'letter', 'email', 'text_message', 'other')", name=op.f('ck_withdrawal_channel')),
    sa.CheckConstraint("giver IN ('young_person', 'guardian')", name=op.f('ck_withdrawal_giver')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_withdrawal_interview_id_interview')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_withdrawal_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal'))
    )
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_withdrawal_interview_id'), ['interview_id'], unique=False)

    op.create_table('consent_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=30), nullable=False),
    sa.Column('withdrawal_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("scope IN ('participation', 'audio_recording', 'automated_transcription', 'research_use', 'quotation')", name=op.f('ck_consent_grant_scope')),
    sa.ForeignKeyConstraint(['record_id'], ['consent_record.id'], name=op.f('fk_consent_grant_record_id_consent_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['withdrawal_id'], ['withdrawal.id'], name=op.f('fk_consent_grant_withdrawal_id_withdrawal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_grant')),
    sa.UniqueConstraint('record_id', 'scope', name=op.f('uq_consent_grant_record_id_scope'))
    )
    with op.batch_alter_table('consent_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_grant_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_grant_withdrawal_id'), ['withdrawal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consent_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_grant_withdrawal_id'))
        batch_op.drop_index(batch_op.f('ix_consent_grant_record_id'))

    op.drop_table('consent_grant')
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_withdrawal_interview_id'))

    op.drop_table('withdrawal')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_interview_id'))

    op.drop_table('consent_record')
    op.drop_table('consent_form')
    with op.batch_alter_table('interview') as batch:
        batch.drop_constraint(op.f('ck_interview_conducted_on'), type_='check')
        batch.create_check_constraint(
            op.f('ck_interview_conducted_on'),
            "(status = 'booked' OR status = 'cancelled') OR conducted_on IS NOT NULL",
        )
