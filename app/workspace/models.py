"""Codings of released text with the codebook's codes, and the blind rounds they are made in.

A coding marks a passage of a frozen release with a code: offsets are Unicode code points
into the release's text, end exclusive, so they stay valid for as long as the release
exists. A coding round assigns releases to two or more coders who code blind; their
codings carry the round and are seen by nobody else until the round closes. Settling a
round writes its consensus codings.
"""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.codebook.models import new_guid
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow
from app.core.users import Role


class Unit(StrEnum):
    SEGMENT = "segment"
    SENTENCE = "sentence"

    @property
    def label(self):
        return UNIT_LABELS[self]


UNIT_LABELS = {
    Unit.SEGMENT: _l("Segment (a line of the transcript or a paragraph of the memos)"),
    Unit.SENTENCE: _l("Sentence"),
}

round_coder = db.Table(
    "round_coder",
    db.Column("round_id", ForeignKey("coding_round.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)
round_release = db.Table(
    "round_release",
    db.Column("round_id", ForeignKey("coding_round.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "release_id", ForeignKey("transcript_release.id", ondelete="CASCADE"), primary_key=True
    ),
)


class CodingRound(db.Model):
    __tablename__ = "coding_round"
    __table_args__ = (CheckConstraint(f"unit IN ({sql_values(Unit)})", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10), default=Unit.SEGMENT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    coders = relationship("User", secondary=round_coder, order_by="User.id")
    releases = relationship("Release", secondary=round_release, order_by="Release.id")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def unit_label(self):
        return Unit(self.unit).label

    def seen_by(self, user) -> bool:
        """A round's coders, its creator and coordinators see it; the others do not."""
        return (user in self.coders or user.id == self.created_by_id
                or user.has_role(Role.COORDINATOR))  # fmt: skip

    def run_by(self, user) -> bool:
        """Only the round's creator or a coordinator closes it and settles its consensus."""
        return user.id == self.created_by_id or user.has_role(Role.COORDINATOR)


class Coding(db.Model):
    __tablename__ = "coding"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", "span"),
        Index("ix_coding_release_round", "release_id", "round_id"),
        # passages that overlap: the codings of a release in order of where they start,
        # with all that the co-occurrence count reads, so that it never visits the table
        Index(
            "ix_coding_release_start",
            "release_id",
            "start_offset",
            "end_offset",
            "code_id",
            "round_id",
            "consensus",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("transcript_release.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id"), index=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: Unicode code points into the release's text, end exclusive
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    #: None when there is none (most codings): nothing to decrypt when a page lists them
    memo: Mapped[str | None] = mapped_column(EncryptedText)
    #: blind codings of a round; None for the shared codings everyone sees
    round_id: Mapped[int | None] = mapped_column(ForeignKey("coding_round.id", ondelete="CASCADE"))
    #: written when a round is settled: the agreed coding of a unit
    consensus: Mapped[bool] = mapped_column(default=False)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    release = relationship("Release", backref=db.backref("codings", passive_deletes=True))
    code = relationship("Code", backref=db.backref("codings", lazy="dynamic"))
    coder = relationship("User")
    round = relationship("CodingRound", backref=db.backref("codings", passive_deletes=True))
