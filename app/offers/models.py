"""Offers of a follow-up interview, their answers and reminders, assignment and attrition.

There is one offer per placement. It records how the young person was asked and what they
answered, who will interview them, and how the follow-up ended: interviewed, or not
interviewed for a recorded reason, so that everyone who was not interviewed is accounted for.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow


class Channel(StrEnum):
    LETTER = "letter"
    PHONE = "phone"
    TEXT_MESSAGE = "text_message"
    IN_PERSON = "in_person"

    @property
    def label(self):
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.LETTER: _l("Letter"),
    Channel.PHONE: _l("Phone"),
    Channel.TEXT_MESSAGE: _l("Text message"),
    Channel.IN_PERSON: _l("In person"),
}


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"

    @property
    def label(self):
        return ANSWER_LABELS[self]


ANSWER_LABELS = {
    Answer.ACCEPTED: _l("Accepted"),
    Answer.DECLINED: _l("Declined"),
    Answer.NO_ANSWER: _l("No answer"),
    Answer.UNREACHABLE: _l("Could not be reached"),
}


class Attrition(StrEnum):
    """Why someone who was eligible was not interviewed."""

    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    UNABLE = "unable"
    TOO_FAR = "too_far"
    PRACTICAL = "practical"
    OTHER = "other"

    @property
    def label(self):
        return ATTRITION_LABELS[self]


ATTRITION_LABELS = {
    Attrition.DECLINED: _l("Declined"),
    Attrition.UNREACHABLE: _l("Could not be reached"),
    Attrition.UNABLE: _l("Unable to take part"),
    Attrition.TOO_FAR: _l("Lives too far away or abroad"),
    Attrition.PRACTICAL: _l("Practical reasons"),
    Attrition.OTHER: _l("Other reason"),
}

#: the attrition reason an answer implies; the coordinator may change it
ATTRITION_FOR_ANSWER = {
    Answer.DECLINED: Attrition.DECLINED,
    Answer.NO_ANSWER: Attrition.UNREACHABLE,
    Answer.UNREACHABLE: Attrition.UNREACHABLE,
}


class Outcome(StrEnum):
    OPEN = "open"
    INTERVIEWED = "interviewed"
    NOT_INTERVIEWED = "not_interviewed"


class InvalidTransition(ValueError):
    """The offer is not in a state that allows this change; the message is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Offer(db.Model):
    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint(f"channel IN ({sql_values(Channel)})", "channel"),
        CheckConstraint(f"answer IS NULL OR answer IN ({sql_values(Answer)})", "answer"),
        CheckConstraint(f"outcome IN ({sql_values(Outcome)})", "outcome"),
        CheckConstraint(
            f"attrition_reason IS NULL OR attrition_reason IN ({sql_values(Attrition)})",
            "attrition_reason",
        ),
        CheckConstraint("(answer IS NULL) = (answered_on IS NULL)", "answered_on"),
        CheckConstraint(
            "(outcome = 'not_interviewed') = (attrition_reason IS NOT NULL)", "attrition"
        ),
        CheckConstraint("(outcome = 'interviewed') = (interviewed_on IS NOT NULL)", "interviewed"),
        CheckConstraint("(interviewer_id IS NULL) = (assigned_on IS NULL)", "assigned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    offered_on: Mapped[date]
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    channel: Mapped[str] = mapped_column(String(20))
    #: None while the young person has not answered
    answer: Mapped[str | None] = mapped_column(String(20))
    answered_on: Mapped[date | None]
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    assigned_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(String(20), default=Outcome.OPEN.value)
    interviewed_on: Mapped[date | None]
    attrition_reason: Mapped[str | None] = mapped_column(String(20))
    #: the reason in words, required for "other"; may name people, so encrypted
    attrition_note: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement = relationship("Placement", backref=db.backref("offer", uselist=False))
    offered_by = relationship("User", foreign_keys=[offered_by_id])
    interviewer = relationship("User", foreign_keys=[interviewer_id])
    reminders: Mapped[list["Reminder"]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="Reminder.sent_on"
    )

    @property
    def channel_label(self):
        return CHANNEL_LABELS[Channel(self.channel)]

    @property
    def answer_enum(self) -> Answer | None:
        return Answer(self.answer) if self.answer else None

    @property
    def attrition_enum(self) -> Attrition | None:
        return Attrition(self.attrition_reason) if self.attrition_reason else None

    @property
    def is_open(self) -> bool:
        return self.outcome == Outcome.OPEN.value

    def record_answer(self, answer: Answer, on: date) -> None:
        """Record (or correct) the answer; an answer other than yes closes the follow-up."""
        if self.outcome == Outcome.INTERVIEWED.value:
            raise InvalidTransition(_l("The young person has already been interviewed."))
        if on < self.offered_on:
            raise InvalidTransition(_l("The answer cannot come before the offer."))
        self.answer, self.answered_on = answer.value, on
        if answer is Answer.ACCEPTED:
            self.outcome, self.attrition_reason, self.attrition_note = (
                Outcome.OPEN.value,
                None,
                None,
            )
        else:
            self.close_without_interview(ATTRITION_FOR_ANSWER[answer], None)

    def assign(self, interviewer_id: int, on: date) -> None:
        if self.outcome != Outcome.OPEN.value:
            raise InvalidTransition(_l("The follow-up is closed; reopen it first."))
        self.interviewer_id, self.assigned_on = interviewer_id, on

    def record_interviewed(self, on: date) -> None:
        if self.outcome != Outcome.OPEN.value:
            raise InvalidTransition(_l("The follow-up is closed; reopen it first."))
        if self.answer != Answer.ACCEPTED.value:
            raise InvalidTransition(_l("Only someone who accepted the offer can be interviewed."))
        if on < self.answered_on:
            raise InvalidTransition(_l("The interview cannot come before the answer."))
        self.outcome, self.interviewed_on = Outcome.INTERVIEWED.value, on
        self.attrition_reason, self.attrition_note = None, None

    def close_without_interview(self, reason: Attrition, note: str | None) -> None:
        if self.outcome == Outcome.INTERVIEWED.value:
            raise InvalidTransition(_l("The young person has already been interviewed."))
        if reason is Attrition.OTHER and not (note or "").strip():
            raise InvalidTransition(_l("Describe the other reason."))
        self.outcome, self.interviewed_on = Outcome.NOT_INTERVIEWED.value, None
        self.attrition_reason, self.attrition_note = reason.value, (note or "").strip() or None

    def reopen(self) -> None:
        """Undo a closing (the young person got in touch after all)."""
        if self.outcome != Outcome.NOT_INTERVIEWED.value:
            raise InvalidTransition(_l("Only a closed follow-up can be reopened."))
        self.outcome, self.attrition_reason, self.attrition_note = Outcome.OPEN.value, None, None
        self.answer, self.answered_on = None, None


class Reminder(db.Model):
    """A reminder after an offer that was not answered."""

    __tablename__ = "reminder"
    __table_args__ = (CheckConstraint(f"channel IN ({sql_values(Channel)})", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    sent_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(20))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    offer: Mapped[Offer] = relationship(back_populates="reminders")
    sent_by = relationship("User")

    @property
    def channel_label(self):
        return CHANNEL_LABELS[Channel(self.channel)]
