"""interview: when it was first documented, for the head of unit's documentation lag

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 09:30:00

"""
import json

from alembic import op
import sqlalchemy as sa

import app.core.db


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

def upgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documented_at', app.core.db.UTCDateTime(), nullable=True))
    # Interviews documented before this step get the moment from the append-only audit log:
    # the step itself, or the first recording or transcript, which take the step with them.
    bind = op.get_bind()
    entries = bind.execute(sa.text(
        "SELECT action, object_id, at, detail FROM audit_entry "
        "WHERE action IN ('interview.advance', 'transcript.create', 'audio.upload') "
        "ORDER BY at, id"
    )).all()
    first = {}
    for action, object_id, at, detail in entries:
        detail = json.loads(detail or "{}")
        if action == "interview.advance":
            if detail.get("to") != "documented" or not object_id:
                continue
            interview_id = int(object_id)
        elif isinstance(detail.get("interview"), int):
            interview_id = detail["interview"]
        else:
            continue
        first.setdefault(interview_id, at)
    for interview_id, at in first.items():
        bind.execute(
            sa.text("UPDATE interview SET documented_at = :at WHERE id = :id "
                    "AND status NOT IN ('booked', 'conducted', 'cancelled', 'withdrawn')"),
            {"at": at, "id": interview_id},
        )


def downgrade():
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_column('documented_at')
