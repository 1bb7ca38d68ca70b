"""The interview: booked for an accepted offer, conducted with a pinned guide version,
documented as memos per guide section, with ethics flags for sensitive disclosures."""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.calendar import local_date
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow


class InvalidStep(ValueError):
    """The interview is not in a state that allows this step; the message is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Mode(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"

    @property
    def label(self):
        return MODE_LABELS[self]


MODE_LABELS = {Mode.IN_PERSON: _l("In person"), Mode.PHONE: _l("Phone"), Mode.VIDEO: _l("Video")}


class Status(StrEnum):
    BOOKED = "booked"
    CONDUCTED = "conducted"
    DOCUMENTED = "documented"
    TRANSCRIBED = "transcribed"
    VERIFIED = "verified"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.BOOKED: _l("Booked"),
    Status.CONDUCTED: _l("Conducted"),
    Status.DOCUMENTED: _l("Documented"),
    Status.TRANSCRIBED: _l("Transcribed"),
    Status.VERIFIED: _l("Verified"),
    Status.RELEASED: _l("Released"),
    Status.WITHDRAWN: _l("Withdrawn"),
    Status.CANCELLED: _l("Cancelled"),
}

#: the forward path; an interview documented with memos only skips transcribed
FORWARD = {
    Status.BOOKED: {Status.CONDUCTED},
    Status.CONDUCTED: {Status.DOCUMENTED},
    Status.DOCUMENTED: {Status.TRANSCRIBED, Status.VERIFIED},
    Status.TRANSCRIBED: {Status.VERIFIED},
    Status.VERIFIED: {Status.RELEASED},
}


class Interview(db.Model):
    __tablename__ = "interview"
    __table_args__ = (
        CheckConstraint(f"mode IN ({sql_values(Mode)})", "mode"),
        CheckConstraint(f"status IN ({sql_values(Status)})", "status"),
        # Withdrawn may come before the interview took place: consent can be taken back early.
        CheckConstraint(
            "status IN ('booked', 'cancelled', 'withdrawn') OR conducted_on IS NOT NULL",
            "conducted_on",
        ),
        # One live interview per offer; a cancelled one may be followed by a new booking.
        Index(
            "uq_interview_live_offer",
            "offer_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    #: when the interview is to take place
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: where; may name a home or a town, so encrypted
    place: Mapped[str | None] = mapped_column(EncryptedText)
    mode: Mapped[str] = mapped_column(String(20))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the exact guide version used; never changes once conducted
    guide_version_id: Mapped[int] = mapped_column(ForeignKey("guide_version.id"))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20), default=Status.BOOKED.value, index=True)
    conducted_on: Mapped[date | None]
    #: when it was first documented (memos finished, or a recording or transcript added):
    #: the head of unit's figure "from conducted to documented" counts from it
    documented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it was cancelled, in words
    cancel_reason: Mapped[str | None] = mapped_column(EncryptedText)
    #: whether the participant is under the guardian age on the interview day, so that the
    #: database can count by consent (the birth date is encrypted); kept by the consent gate
    guardian_needed: Mapped[bool | None]
    #: the guardian age and time zone ``guardian_needed`` was worked out under
    guardian_rule: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offer = relationship("Offer", backref=db.backref("interviews", order_by="Interview.id"))
    interviewer = relationship("User")
    guide_version = relationship("GuideVersion")
    memos: Mapped[list["Memo"]] = relationship(
        back_populates="interview", cascade="all, delete-orphan"
    )
    flags: Mapped[list["EthicsFlag"]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="EthicsFlag.id"
    )

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def mode_label(self):
        return MODE_LABELS[Mode(self.mode)]

    @property
    def participant(self):
        return self.offer.placement.participant

    def reschedule(self, when: datetime, place: str | None, mode: Mode) -> None:
        if self.status != Status.BOOKED.value:
            raise InvalidStep(_l("Only a booked interview can be moved."))
        self.scheduled_at, self.place, self.mode = when, place, Mode(mode).value

    def cancel(self, reason: str | None) -> None:
        if self.status != Status.BOOKED.value:
            raise InvalidStep(_l("Only a booked interview can be cancelled."))
        self.status, self.cancel_reason = Status.CANCELLED.value, (reason or "").strip() or None

    def conduct(self, on: date, today: date) -> None:
        if self.status != Status.BOOKED.value:
            raise InvalidStep(_l("Only a booked interview can be marked as conducted."))
        if on < local_date(self.scheduled_at) or on > today:
            raise InvalidStep(
                _l("An interview is conducted on or after its booked day, and not in the future.")
            )
        self.status, self.conducted_on = Status.CONDUCTED.value, on

    def advance(self, to: Status) -> None:
        """One step forward on the path; never backwards, never skipping a step."""
        self.check_step(to)
        self.status = Status(to).value
        if Status(to) is Status.DOCUMENTED and self.documented_at is None:
            self.documented_at = utcnow()

    def check_step(self, to: Status) -> None:
        """Refuses (InvalidStep) a step that advance would refuse; changes nothing."""
        if Status(to) not in FORWARD.get(self.status_enum, set()):
            raise InvalidStep(
                _l("An interview cannot go from %(a)s to %(b)s.", a=self.status_enum.label,
                   b=Status(to).label)
            )  # fmt: skip

    def withdraw(self) -> None:
        if self.status in (Status.WITHDRAWN.value, Status.CANCELLED.value):
            raise InvalidStep(_l("The interview is already withdrawn or cancelled."))
        self.status = Status.WITHDRAWN.value


class Memo(db.Model):
    """The interviewer's notes for one guide section: interview content, so encrypted."""

    __tablename__ = "memo"
    __table_args__ = (UniqueConstraint("interview_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    section_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(EncryptedText, default="")
    #: counts saves, so that two browsers cannot overwrite each other unnoticed
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    interview: Mapped[Interview] = relationship(back_populates="memos")


class FlagCategory(StrEnum):
    CHILD_AT_RISK = "child_at_risk"
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    CRIME = "crime"
    OTHER = "other"

    @property
    def label(self):
        return FLAG_LABELS[self]


FLAG_LABELS = {
    FlagCategory.CHILD_AT_RISK: _l("A child at risk"),
    FlagCategory.SELF_HARM: _l("Self-harm or suicidal thoughts"),
    FlagCategory.VIOLENCE: _l("Violence or abuse"),
    FlagCategory.CRIME: _l("A crime"),
    FlagCategory.OTHER: _l("Something else sensitive"),
}


class EthicsFlag(db.Model):
    """A sensitive disclosure and the follow-up it demands, open until someone resolves it."""

    __tablename__ = "ethics_flag"
    __table_args__ = (
        CheckConstraint(f"category IN ({sql_values(FlagCategory)})", "category"),
        CheckConstraint("(resolved_at IS NULL) = (resolution IS NULL)", "resolution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(20))
    #: what was said
    disclosure: Mapped[str] = mapped_column(EncryptedText)
    #: the follow-up it demands
    follow_up: Mapped[str] = mapped_column(EncryptedText)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date]
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what was done, when it is resolved
    resolution: Mapped[str | None] = mapped_column(EncryptedText)

    interview: Mapped[Interview] = relationship(back_populates="flags")
    responsible = relationship("User", foreign_keys=[responsible_id])
    raised_by = relationship("User", foreign_keys=[raised_by_id])

    @property
    def category_label(self):
        return FLAG_LABELS[FlagCategory(self.category)]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
