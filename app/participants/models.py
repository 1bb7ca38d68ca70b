"""The placement register: former foster children, their placements and the people in them.

Identity data (names, birth dates, ID numbers, contact details) is encrypted column by column;
everywhere identity is not needed the participant is known by a pseudonymous ``code``.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.config import LANGUAGES
from app.core import audit, storage
from app.core.crypto import EncryptedDate, EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow
from app.participants.eligibility import Eligibility, Rules, Setting, assess

SETTING_LABELS = {
    Setting.FAMILY_HOME: _l("Family home"),
    Setting.INSTITUTION: _l("Institution (residential care)"),
    Setting.OTHER: _l("Other"),
}


class Relation(StrEnum):
    """Who a person is in the child's story."""

    FOSTER_PARENT = "foster_parent"
    BIRTH_PARENT = "birth_parent"
    SIBLING = "sibling"
    OTHER = "other"

    @property
    def label(self):
        return RELATION_LABELS[self]


RELATION_LABELS = {
    Relation.FOSTER_PARENT: _l("Foster parent"),
    Relation.BIRTH_PARENT: _l("Birth parent"),
    Relation.SIBLING: _l("Sibling"),
    Relation.OTHER: _l("Other person"),
}


class Participant(db.Model):
    """A former foster child, the person who may be offered an interview."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint(f"language IS NULL OR language IN ({sql_values(LANGUAGES)})", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable pseudonymous code, e.g. P-2025-017 (year registered, number in that year)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    birth_date: Mapped[date] = mapped_column(EncryptedDate)
    #: Swedish personnummer or Danish CPR number, normalised without separators
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    #: keyed digest of id_number, so that a number is registered only once
    id_number_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    #: the guardian to ask for consent while the young person is under 18
    guardian: Mapped[str | None] = mapped_column(EncryptedText)
    #: language the young person prefers for letters and the interview
    language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    placements: Mapped[list["Placement"]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="Placement.started_on",
    )
    people: Mapped[list["RelatedPerson"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="RelatedPerson.id"
    )

    def __repr__(self) -> str:  # never the name
        return f"<Participant {self.code}>"

    @classmethod
    def by_code(cls, code: str) -> "Participant | None":
        return db.session.scalar(select(cls).where(cls.code == code.strip().upper()))


def _codes_by_audit_reference() -> dict[str, str]:
    """The audit page shows a registered participant's code for the digest in a detail."""
    codes = db.session.scalars(select(Participant.code))
    return {audit.participant_ref(code): code for code in codes}


audit.REFERENCE_LOOKUPS[audit.PARTICIPANT_REF] = _codes_by_audit_reference


class Placement(db.Model):
    """One placement in a family home or elsewhere; the end is empty while it goes on."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", "ends_after_start"),
        CheckConstraint(f"setting_at_end IN ({sql_values(Setting)})", "setting_at_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    started_on: Mapped[date]
    #: empty while the placement goes on
    ended_on: Mapped[date | None]
    #: where the child lived when the placement ended (or lives now, while it goes on)
    setting_at_end: Mapped[str] = mapped_column(String(20), default=Setting.FAMILY_HOME.value)
    #: custody was transferred to the foster parents (vårdnadsöverflyttning)
    custody_transferred: Mapped[bool] = mapped_column(default=False)

    participant: Mapped[Participant] = relationship(back_populates="placements")
    workers: Mapped[list["PlacementWorker"]] = relationship(
        back_populates="placement", cascade="all, delete-orphan", order_by="PlacementWorker.id"
    )

    @property
    def setting_label(self):
        return SETTING_LABELS[Setting(self.setting_at_end)]

    def eligibility(self, rules: Rules) -> Eligibility:
        return assess(
            birth_date=self.participant.birth_date,
            start=self.started_on,
            end=self.ended_on,
            setting_at_end=Setting(self.setting_at_end),
            custody_transferred=self.custody_transferred,
            rules=rules,
        )


class PlacementWorker(db.Model):
    """A social worker responsible during the placement: a user, or a name (who has left)."""

    __tablename__ = "placement_worker"
    __table_args__ = (CheckConstraint("user_id IS NOT NULL OR name IS NOT NULL", "who"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: the worker's name when they are not (or no longer) a user here
    name: Mapped[str | None] = mapped_column(EncryptedText)

    placement: Mapped[Placement] = relationship(back_populates="workers")
    user = relationship("User")

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user is not None else self.name


class RelatedPerson(db.Model):
    """Someone in the child's story, named so that pseudonymisation can find them later."""

    __tablename__ = "related_person"
    __table_args__ = (CheckConstraint(f"relation IN ({sql_values(Relation)})", "relation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(EncryptedText)

    participant: Mapped[Participant] = relationship(back_populates="people")

    @property
    def relation_label(self):
        return RELATION_LABELS[Relation(self.relation)]


class ImportState(StrEnum):
    UPLOADED = "uploaded"
    IMPORTED = "imported"
    DISCARDED = "discarded"


class RegisterImport(db.Model):
    """An uploaded register file waiting for its column mapping, preview and import."""

    __tablename__ = "register_import"
    __table_args__ = (CheckConstraint(f"state IN ({sql_values(ImportState)})", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the name the file had on the user's computer
    filename: Mapped[str] = mapped_column(String(255))
    #: the encrypted copy in the file store; removed once imported or discarded
    stored_name: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), default=ImportState.UPLOADED.value)
    #: JSON: column key -> index of the file's column
    mapping: Mapped[str] = mapped_column(Text, default="{}")
    imported_count: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))

    uploaded_by = relationship("User")
    job = relationship("Job")


storage.register_references("imports", storage.names_in(RegisterImport.stored_name))


class RegisterVersion(db.Model):
    """One row whose token changes, in the same transaction, with every change of a
    placement, a participant or an offer: database triggers (migration 0029) write a new
    random token, so follow-up figures kept under the old one are never read again
    (``app.core.cache``)."""

    __tablename__ = "register_version"
    __table_args__ = (CheckConstraint("id = 1", "one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random, never a counter: a rolled-back or restored token never meets a new one
    token: Mapped[str] = mapped_column(String(36))
