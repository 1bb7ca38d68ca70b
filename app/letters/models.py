"""The letter back to the young people after an annual review (reciprocity).

A review session whose minutes are approved gets one draft per language the recipients read
(``LetterDraft``), drafted from the session's learning points and actions and then edited by
hand; ``revision`` is compared and set on each save so that two coordinators cannot
silently overwrite each other. That a letter was sent to someone is a ``LetterSent`` row:
when, by whom, in which language. The letter itself says nothing about the person; only
the address block of the printed copy does, and that is never stored here.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, utcnow


class LetterDraft(db.Model):
    """The year's letter in one language, for one approved review session."""

    __tablename__ = "letter_draft"
    __table_args__ = (
        UniqueConstraint("session_id", "language"),
        CheckConstraint("language IN ('sv', 'da', 'en')", "language"),
        CheckConstraint("revision >= 1", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the approved review session the letter reports from
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_session.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(5))
    #: the letter's text: paragraphs split by blank lines, list items starting with "- "
    body: Mapped[str] = mapped_column(EncryptedText)
    #: raised by one on every save; a save names the revision it started from
    revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("ReviewSession")
    updated_by = relationship("User", foreign_keys=[updated_by_id])


class LetterSent(db.Model):
    """That the year's letter was sent to one participant: when and by whom."""

    __tablename__ = "letter_sent"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        CheckConstraint("language IN ('sv', 'da', 'en')", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_session.id", ondelete="CASCADE"), index=True
    )
    #: erasing the participant erases this row with them (the database cascades)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(5))
    sent_on: Mapped[date]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sent_by = relationship("User")
