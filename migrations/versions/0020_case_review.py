"""case reviews: rounds, one review per interviewer per round, notes, statuses to the head
of unit, and private calendar feeds

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:00:00

"""

from alembic import op
import sqlalchemy as sa

import app.core.db  # custom column types


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str, **kw):
    return sa.ForeignKeyConstraint(
        [column], ["user.id"], name=op.f(f"fk_{table}_{column}_user"), **kw
    )


def upgrade():
    op.create_table(
        "case_review_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_case_review_round_period")),
        _user_fk("case_review_round", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review_round")),
    )
    op.create_index(
        op.f("ix_case_review_round_starts_on"), "case_review_round", ["starts_on"], unique=False
    )
    op.create_table(
        "case_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        _user_fk("case_review", "coordinator_id"),
        _user_fk("case_review", "interviewer_id"),
        sa.ForeignKeyConstraint(
            ["round_id"], ["case_review_round.id"],
            name=op.f("fk_case_review_round_id_case_review_round"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review")),
        sa.UniqueConstraint(
            "round_id", "interviewer_id", name=op.f("uq_case_review_round_id_interviewer_id")
        ),
    )
    op.create_index(
        op.f("ix_case_review_interviewer_id"), "case_review", ["interviewer_id"], unique=False
    )
    op.create_index(op.f("ix_case_review_round_id"), "case_review", ["round_id"], unique=False)
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_review_id", sa.Integer(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("section IN ('since', 'until')", name=op.f("ck_case_note_section")),
        _user_fk("case_note", "created_by_id"),
        sa.ForeignKeyConstraint(
            ["done_review_id"], ["case_review.id"],
            name=op.f("fk_case_note_done_review_id_case_review"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interview.id"],
            name=op.f("fk_case_note_interview_id_interview"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participant.id"],
            name=op.f("fk_case_note_participant_id_participant"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["case_review.id"],
            name=op.f("fk_case_note_review_id_case_review"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    op.create_index(op.f("ix_case_note_review_id"), "case_note", ["review_id"], unique=False)
    op.create_table(
        "case_review_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", app.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["case_review.id"],
            name=op.f("fk_case_review_status_review_id_case_review"), ondelete="CASCADE",
        ),
        _user_fk("case_review_status", "sent_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review_status")),
        sa.UniqueConstraint("review_id", name=op.f("uq_case_review_status_review_id")),
    )
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(), nullable=False),
        _user_fk("calendar_feed", "user_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
    )


def downgrade():
    op.drop_table("calendar_feed")
    op.drop_table("case_review_status")
    op.drop_index(op.f("ix_case_note_review_id"), table_name="case_note")
    op.drop_table("case_note")
    op.drop_index(op.f("ix_case_review_round_id"), table_name="case_review")
    op.drop_index(op.f("ix_case_review_interviewer_id"), table_name="case_review")
    op.drop_table("case_review")
    op.drop_index(op.f("ix_case_review_round_starts_on"), table_name="case_review_round")
    op.drop_table("case_review_round")
