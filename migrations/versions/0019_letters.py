"""letters back to the young people: the hear-back consent scope, drafts, and sending

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 08:50:00

"""

from alembic import op
import sqlalchemy as sa

import app.core.db


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FIVE = "'participation', 'audio_recording', 'automated_transcription', 'research_use', 'quotation'"


def _scopes(values: str) -> None:
    with op.batch_alter_table("consent_grant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_consent_grant_scope"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_consent_grant_scope"), f"scope IN ({values})"
        )


def upgrade():
    _scopes(FIVE + ", 'hear_back'")
    op.create_table(
        "letter_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("language IN ('sv', 'da', 'en')", name=op.f("ck_letter_draft_language")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_letter_draft_revision")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_letter_draft_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["review_session.id"],
            name=op.f("fk_letter_draft_session_id_review_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_letter_draft_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_draft")),
        sa.UniqueConstraint(
            "session_id", "language", name=op.f("uq_letter_draft_session_id_language")
        ),
    )
    with op.batch_alter_table("letter_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_draft_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "letter_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("language IN ('sv', 'da', 'en')", name=op.f("ck_letter_sent_language")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_letter_sent_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["user.id"], name=op.f("fk_letter_sent_sent_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["review_session.id"],
            name=op.f("fk_letter_sent_session_id_review_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_sent")),
        sa.UniqueConstraint(
            "session_id", "participant_id", name=op.f("uq_letter_sent_session_id_participant_id")
        ),
    )
    with op.batch_alter_table("letter_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_sent_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_letter_sent_session_id"), ["session_id"], unique=False)


def downgrade():
    with op.batch_alter_table("letter_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_sent_session_id"))
        batch_op.drop_index(batch_op.f("ix_letter_sent_participant_id"))
    op.drop_table("letter_sent")
    with op.batch_alter_table("letter_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_draft_session_id"))
    op.drop_table("letter_draft")
    # A yes to hearing back has no place in the older schema: it goes with the tables.
    op.execute("DELETE FROM consent_grant WHERE scope = 'hear_back'")
    _scopes(FIVE)
