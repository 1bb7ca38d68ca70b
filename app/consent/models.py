"""Consent forms, consent records scope by scope, and withdrawals.

A consent record says who consented (the young person or a guardian), to which scopes, under
which exact form version, how (signed paper with its scan, or verbally before a witness) and
when. Each scope is a grant of its own, so that a withdrawal can end one scope and keep the
others. Nothing here is ever deleted: a withdrawal marks grants as ended and keeps a minimal
record of itself.
"""

import json
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.consent.scopes import Scope
from app.consent.texts import ConsentText
from app.core import storage
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow


class Giver(StrEnum):
    YOUNG_PERSON = "young_person"
    GUARDIAN = "guardian"

    @property
    def label(self):
        return GIVER_LABELS[self]


GIVER_LABELS = {Giver.YOUNG_PERSON: _l("The young person"), Giver.GUARDIAN: _l("A guardian")}


class Method(StrEnum):
    SIGNED_PAPER = "signed_paper"
    VERBAL = "verbal"

    @property
    def label(self):
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.SIGNED_PAPER: _l("Signed on paper (scan attached)"),
    Method.VERBAL: _l("Given verbally, before a witness"),
}


class Channel(StrEnum):
    """How a withdrawal reached the team."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    TEXT_MESSAGE = "text_message"
    OTHER = "other"

    @property
    def label(self):
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.IN_PERSON: _l("In person"),
    Channel.PHONE: _l("Phone"),
    Channel.LETTER: _l("Letter"),
    Channel.EMAIL: _l("E-mail"),
    Channel.TEXT_MESSAGE: _l("Text message"),
    Channel.OTHER: _l("Other"),
}


class ConsentForm(db.Model):
    """One version of the consent form in one language; never changed once published."""

    __tablename__ = "consent_form"
    __table_args__ = (UniqueConstraint("form_key", "language", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    #: the validated ConsentText as JSON
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for the shipped first version
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    created_by = relationship("User")

    @property
    def text(self) -> ConsentText:
        return ConsentText.model_validate(json.loads(self.content))

    @classmethod
    def from_text(cls, form_key: str, version: int, text: ConsentText, created_by):
        return cls(
            form_key=form_key,
            language=text.language,
            version=version,
            title=text.title,
            content=json.dumps(text.model_dump(exclude_none=True), ensure_ascii=False),
            content_hash=text.content_hash(),
            created_by_id=getattr(created_by, "id", None),
        )

    @classmethod
    def latest(cls, form_key: str, language: str) -> "ConsentForm | None":
        return db.session.scalar(
            select(cls)
            .where(cls.form_key == form_key, cls.language == language)
            .order_by(cls.version.desc())
            .limit(1)
        )


class ConsentRecord(db.Model):
    """One person's consent for one interview, given at one time under one form version."""

    __tablename__ = "consent_record"
    __table_args__ = (
        CheckConstraint(f"giver IN ({sql_values(Giver)})", "giver"),
        CheckConstraint(f"method IN ({sql_values(Method)})", "method"),
        CheckConstraint("method != 'signed_paper' OR scan_name IS NOT NULL", "scan"),
        CheckConstraint("method != 'verbal' OR witness IS NOT NULL", "witness"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id"), index=True)
    giver: Mapped[str] = mapped_column(String(20))
    #: the guardian's name, when a guardian consented: identity data, so encrypted
    guardian_name: Mapped[str | None] = mapped_column(EncryptedText)
    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"))
    method: Mapped[str] = mapped_column(String(20))
    #: the encrypted scan of the signed paper (a stored file name)
    scan_name: Mapped[str | None] = mapped_column(String(80))
    scan_type: Mapped[str | None] = mapped_column(String(40))
    scan_size: Mapped[int | None]
    #: who witnessed a verbal consent
    witness: Mapped[str | None] = mapped_column(EncryptedText)
    given_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interview = relationship(
        "Interview", backref=db.backref("consents", order_by="ConsentRecord.id")
    )
    form = relationship(ConsentForm)
    recorded_by = relationship("User")
    grants: Mapped[list["ConsentGrant"]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="ConsentGrant.id"
    )

    @property
    def giver_label(self):
        return GIVER_LABELS[Giver(self.giver)]

    @property
    def method_label(self):
        return METHOD_LABELS[Method(self.method)]


storage.register_references("consent_scans", storage.names_in(ConsentRecord.scan_name))


class ConsentGrant(db.Model):
    """One scope of one consent record; ended by a withdrawal, never deleted."""

    __tablename__ = "consent_grant"
    __table_args__ = (
        UniqueConstraint("record_id", "scope"),
        CheckConstraint(f"scope IN ({sql_values(Scope)})", "scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("consent_record.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(30))
    withdrawal_id: Mapped[int | None] = mapped_column(ForeignKey("withdrawal.id"), index=True)

    record: Mapped[ConsentRecord] = relationship(back_populates="grants")
    withdrawal = relationship("Withdrawal")

    @property
    def scope_label(self):
        return Scope(self.scope).label

    @property
    def active(self) -> bool:
        return self.withdrawal_id is None


class Withdrawal(db.Model):
    """That consent to some scopes was taken back, when, how it reached us, what was done."""

    __tablename__ = "withdrawal"
    __table_args__ = (
        CheckConstraint(f"giver IN ({sql_values(Giver)})", "giver"),
        CheckConstraint(f"channel IN ({sql_values(Channel)})", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id"), index=True)
    #: the scopes taken back, comma-separated (kept when everything else is erased)
    scopes: Mapped[str] = mapped_column(String(200))
    giver: Mapped[str] = mapped_column(String(20))
    withdrawn_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    #: what was done, as JSON [{"effect": key, "count": n}], shown in the reader's language
    effects: Mapped[str] = mapped_column(Text, default="[]")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interview = relationship(
        "Interview", backref=db.backref("withdrawals", order_by="Withdrawal.id")
    )
    recorded_by = relationship("User")

    @property
    def scope_list(self) -> list[Scope]:
        return [Scope(s) for s in self.scopes.split(",") if s]

    @property
    def effect_list(self) -> list[dict]:
        return json.loads(self.effects or "[]")

    @property
    def channel_label(self):
        return CHANNEL_LABELS[Channel(self.channel)]

    @property
    def giver_label(self):
        return GIVER_LABELS[Giver(self.giver)]
