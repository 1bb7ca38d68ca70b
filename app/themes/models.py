"""Themes: named groups of codes with a narrative, dated by the year they were formed or
last revised. A code may belong to several themes; a theme counts a passage when any of its
codes marks it (the codes themselves, not the categories above them)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow

theme_code = Table(
    "theme_code",
    db.metadata,
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
    Column("code_id", ForeignKey("code.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CodedRelease(db.Model):
    """How many counted passages (shared and consensus codings) each code has in each
    release: kept by database triggers on ``coding`` (migration 0012), so that every way
    codings are written (the workspace, merges, settled rounds, imports) keeps it right and
    the theme counts read about a fifth of the rows that the codings hold."""

    __tablename__ = "coded_release"
    __table_args__ = (Index("ix_coded_release_release", "release_id", "code_id"),)

    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"),
                                         primary_key=True)  # fmt: skip
    release_id: Mapped[int] = mapped_column(
        ForeignKey("transcript_release.id", ondelete="CASCADE"), primary_key=True
    )
    passages: Mapped[int]


class CodedPair(db.Model):
    """How many pairs of overlapping counted codings each pair of codes has in each release
    (``code_low <= code_high``; a code with itself too, as a code in two themes makes such
    a pair count between them): kept by database triggers on ``coding`` (migration 0025),
    so that co-occurrence within passages sums a tally instead of joining the codings to
    themselves."""

    __tablename__ = "coded_pair"
    __table_args__ = (CheckConstraint("code_low <= code_high", "ordered"),)

    release_id: Mapped[int] = mapped_column(
        ForeignKey("transcript_release.id", ondelete="CASCADE"), primary_key=True
    )
    code_low: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"),
                                          primary_key=True)  # fmt: skip
    code_high: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"),
                                           primary_key=True)  # fmt: skip
    #: pairs of overlapping codings, one of each code (each pair once)
    pairs: Mapped[int]


class AggregateVersion(db.Model):
    """One row whose token changes, in the same transaction, with everything the counts of
    themes and goals read (codings, releases, interviews, consents, the codes of themes):
    database triggers (migration 0023) write a new random token, so counts kept under the
    old token are never read again (``app.core.cache``)."""

    __tablename__ = "aggregate_version"
    __table_args__ = (CheckConstraint("id = 1", "one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random, never a counter: a rolled-back or restored token never meets a new one
    token: Mapped[str] = mapped_column(String(36))


class Theme(db.Model):
    __tablename__ = "theme"
    __table_args__ = (
        CheckConstraint("formed_year BETWEEN 1900 AND 2200", "formed_year"),
        CheckConstraint("revised_year IS NULL OR revised_year >= formed_year", "revised_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(default="")
    formed_year: Mapped[int]
    revised_year: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    codes = relationship("Code", secondary=theme_code, order_by="Code.position, Code.id",
                         backref=db.backref("themes", order_by="Theme.position"))  # fmt: skip

    @property
    def dated(self) -> int:
        """The year the theme took its present form."""
        return self.revised_year or self.formed_year
