"""diarized speakers: a segment's speaker may be "speaker_1" until someone names it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_ROLES = "speaker IS NULL OR speaker IN ('interviewer', 'young_person', 'other')"
_NUMBERED = "(substr(speaker, 1, 8) = 'speaker_' AND length(speaker) BETWEEN 9 AND 11)"


def upgrade():
    with op.batch_alter_table("transcript_segment") as batch:
        batch.drop_constraint(op.f("ck_transcript_segment_speaker"), type_="check")
        batch.create_check_constraint(op.f("ck_transcript_segment_speaker"), f"{_ROLES} OR {_NUMBERED}")


def downgrade():
    op.execute("UPDATE transcript_segment SET speaker = NULL WHERE speaker LIKE 'speaker%'")
    with op.batch_alter_table("transcript_segment") as batch:
        batch.drop_constraint(op.f("ck_transcript_segment_speaker"), type_="check")
        batch.create_check_constraint(op.f("ck_transcript_segment_speaker"), _ROLES)
