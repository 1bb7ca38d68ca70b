"""Case review rounds, one review per interviewer per round, its notes, the status sent to the
head of unit, and each user's private calendar feed.

A round covers the weeks of one cadence (six by default); a review is held once and then
closed, after which its notes are frozen. A note that is not done stays open and comes back
at the interviewer's next review, so nothing agreed is lost between rounds.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow
from app.core.refusal import Refused


class CaseReviewError(Refused):
    """A review, note or status could not be saved; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


class Section(StrEnum):
    SINCE = "since"
    UNTIL = "until"

    @property
    def label(self):
        return SECTION_LABELS[self]


SECTION_LABELS = {
    Section.SINCE: _l("Since the last review"),
    Section.UNTIL: _l("Until the next review"),
}


class ReviewRound(db.Model):
    __tablename__ = "case_review_round"
    __table_args__ = (CheckConstraint("ends_on > starts_on", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the first day of the round
    starts_on: Mapped[date] = mapped_column(index=True)
    #: the first day of the next round: starts_on + the cadence when the round was made
    ends_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviews: Mapped[list["CaseReview"]] = relationship(
        back_populates="round", order_by="CaseReview.scheduled_on"
    )


class CaseReview(db.Model):
    __tablename__ = "case_review"
    __table_args__ = (UniqueConstraint("round_id", "interviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("case_review_round.id", ondelete="CASCADE"), index=True
    )
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the coordinator who holds the review
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scheduled_on: Mapped[date]
    #: set when the review is held and closed; its notes are frozen from then on
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[ReviewRound] = relationship(back_populates="reviews")
    interviewer = relationship("User", foreign_keys=[interviewer_id])
    coordinator = relationship("User", foreign_keys=[coordinator_id])
    notes: Mapped[list["CaseNote"]] = relationship(
        back_populates="review",
        foreign_keys="CaseNote.review_id",
        cascade="all, delete-orphan",
        order_by="CaseNote.id",
    )

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    def state(self, today: date) -> str:
        """done, overdue (its day has passed and it is still open) or due."""
        if self.closed:
            return "done"
        return "overdue" if self.scheduled_on < today else "due"

    def close(self, on: date) -> None:
        if self.closed:
            raise CaseReviewError(_l("The review is already closed."))
        if on < self.scheduled_on:
            raise CaseReviewError(_l("A review cannot be closed before the day it is held."))
        self.closed_on = on


class CaseNote(db.Model):
    """A note of a review: what happened since the last one, or an item until the next."""

    __tablename__ = "case_note"
    __table_args__ = (CheckConstraint(f"section IN ({sql_values(Section)})", name="section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the review it was written at
    review_id: Mapped[int] = mapped_column(
        ForeignKey("case_review.id", ondelete="CASCADE"), index=True
    )
    section: Mapped[str] = mapped_column(String(8))
    #: may name people; read only by the coordinator and the review's interviewer
    text: Mapped[str] = mapped_column(EncryptedText)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None]
    #: the review at which it was marked done; open notes come back at the next review
    done_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_review.id", ondelete="SET NULL")
    )
    done_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[CaseReview] = relationship(back_populates="notes", foreign_keys=[review_id])
    participant = relationship("Participant")
    interview = relationship("Interview")

    @property
    def section_label(self):
        return SECTION_LABELS[Section(self.section)]

    @property
    def done(self) -> bool:
        return self.done_on is not None


class CaseReviewStatus(db.Model):
    """What the coordinator tells the head of unit after a review: counts and a remark."""

    __tablename__ = "case_review_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("case_review.id", ondelete="CASCADE"), unique=True
    )
    #: JSON {"key": count}: the agenda's counts at the review, naming nobody
    counts: Mapped[str] = mapped_column(EncryptedText, default="{}")
    remark: Mapped[str] = mapped_column(EncryptedText, default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[CaseReview] = relationship()


class CalendarFeed(db.Model):
    """A user's private calendar address. Only a hash of its secret is kept."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 of the secret in the address, hex
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
