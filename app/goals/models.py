"""The red thread: the team's goals (its change theory and the municipality's goals), the
professional guidelines derived from them, and the codes and themes that speak to each goal.

A goal is never edited in place: every change is a new ``GoalVersion``, so the history of
what the team aimed at, and when it was adopted or revised, stays readable. A goal that is
no longer pursued is retired, not deleted.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.config import LANGUAGES
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow
from app.core.refusal import Refused


class Kind(StrEnum):
    TEAM = "team"
    MUNICIPAL = "municipal"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.TEAM: _l("The team's change theory"),
    Kind.MUNICIPAL: _l("Municipal goal"),
}


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"

    @property
    def label(self):
        return TERM_LABELS[self]


TERM_LABELS = {Term.SHORT: _l("Short term"), Term.LONG: _l("Long term")}


class Direction(StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"

    @property
    def label(self):
        return DIRECTION_LABELS[self]


DIRECTION_LABELS = {
    Direction.FOR: _l("For"),
    Direction.AGAINST: _l("Against"),
    Direction.NEUTRAL: _l("Neutral"),
}


class Verdict(StrEnum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"
    CANNOT_TELL = "cannot_tell"

    @property
    def label(self):
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.MET: _l("Met"),
    Verdict.PARTLY: _l("Partly met"),
    Verdict.NOT_MET: _l("Not met"),
    Verdict.CANNOT_TELL: _l("Cannot tell yet"),
}


class GoalError(Refused):
    """A goal, guideline or link could not be saved; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


class Goal(db.Model):
    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(Kind)})", name="kind"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the team's own change theory, or a goal the municipality set
    kind: Mapped[str] = mapped_column(String(16))
    #: the number of the newest version; a save names the one it read (compare and set)
    version: Mapped[int] = mapped_column(default=1)
    #: when the goal stopped being pursued; it stays in the history
    retired_on: Mapped[date | None] = mapped_column(Date)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["GoalVersion"]] = relationship(
        back_populates="goal", order_by="GoalVersion.number", cascade="all, delete-orphan"
    )
    guidelines: Mapped[list["Guideline"]] = relationship(
        back_populates="goal", order_by="Guideline.title"
    )
    links: Mapped[list["GoalLink"]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalLink.id"
    )

    @property
    def current(self) -> "GoalVersion":
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def kind_label(self):
        return Kind(self.kind).label

    @property
    def retired(self) -> bool:
        return self.retired_on is not None

    def retire(self, on: date, actor_id: int) -> None:
        if self.retired:
            raise GoalError(_l("The goal is already retired."))
        if on < self.current.adopted_on:
            raise GoalError(_l("A goal cannot be retired before it was adopted."), "retired_on")
        self.retired_on, self.retired_by_id = on, actor_id


class GoalVersion(db.Model):
    """One wording of a goal, in the language it was typed in."""

    __tablename__ = "goal_version"
    __table_args__ = (
        UniqueConstraint("goal_id", "number"),
        CheckConstraint(f"term IS NULL OR term IN ({sql_values(Term)})", name="term"),
        CheckConstraint(f"language IN ({sql_values(LANGUAGES)})", name="language"),
        CheckConstraint("revised_on IS NULL OR revised_on >= adopted_on", name="revised_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    #: 1 for the first wording, one more for each revision
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: the result wanted for the young people
    result: Mapped[str] = mapped_column(default="")
    #: short or long term; a municipal goal may leave it open
    term: Mapped[str | None] = mapped_column(String(8))
    #: the work that should lead there
    work: Mapped[str] = mapped_column(default="")
    #: why that work should lead there
    reason: Mapped[str] = mapped_column(default="")
    #: the language the text was typed in (it is never translated)
    language: Mapped[str] = mapped_column(String(5))
    adopted_on: Mapped[date] = mapped_column(Date)
    revised_on: Mapped[date | None] = mapped_column(Date)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="versions")
    saved_by = relationship("User")

    @property
    def term_label(self):
        return Term(self.term).label if self.term else ""

    def same_text(self, other: dict) -> bool:
        """Whether ``other`` (the fields of a save) says exactly what this version says."""
        return all(getattr(self, name) == value for name, value in other.items())


class Guideline(db.Model):
    """A professional guideline derived from a goal, with the person or body that owns it."""

    __tablename__ = "guideline"
    __table_args__ = (
        CheckConstraint(f"language IN ({sql_values(LANGUAGES)})", name="language"),
        CheckConstraint("revised_on IS NULL OR revised_on >= adopted_on", name="revised_on"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the goal the guideline serves
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(default="")
    #: who owns and keeps it (a person, a role or a body, as the team names it)
    owner: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    adopted_on: Mapped[date] = mapped_column(Date)
    revised_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)
    #: bumped by every save; a save names the one it read (compare and set)
    revision: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="guidelines")


class GoalLink(db.Model):
    """A code or a theme whose passages speak for, against or neutrally to a goal."""

    __tablename__ = "goal_link"
    __table_args__ = (
        UniqueConstraint("goal_id", "code_id"),
        UniqueConstraint("goal_id", "theme_id"),
        CheckConstraint(f"direction IN ({sql_values(Direction)})", name="direction"),
        CheckConstraint(
            "(code_id IS NULL AND theme_id IS NOT NULL) OR "
            "(code_id IS NOT NULL AND theme_id IS NULL)",
            name="target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="links")
    code = relationship("Code")
    theme = relationship("Theme")

    @property
    def label(self) -> str:
        return self.code.path if self.code is not None else self.theme.name

    @property
    def direction_label(self):
        return Direction(self.direction).label


class GoalEvaluation(db.Model):
    """The review group's judgement of one goal for one year; every save is a new
    ``GoalEvaluationVersion``, so an earlier judgement is never silently overwritten."""

    __tablename__ = "goal_evaluation"
    __table_args__ = (
        UniqueConstraint("goal_id", "year"),
        CheckConstraint("year BETWEEN 1900 AND 2200", name="year"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    #: the year of interviews the judgement is about
    year: Mapped[int]
    #: the number of the newest version; a save names the one it read (compare and set)
    version: Mapped[int] = mapped_column(default=1)

    goal: Mapped[Goal] = relationship()
    versions: Mapped[list["GoalEvaluationVersion"]] = relationship(
        back_populates="evaluation",
        order_by="GoalEvaluationVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> "GoalEvaluationVersion":
        return self.versions[-1]


class GoalEvaluationVersion(db.Model):
    __tablename__ = "goal_evaluation_version"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "number"),
        CheckConstraint(f"verdict IN ({sql_values(Verdict)})", name="verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("goal_evaluation.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    verdict: Mapped[str] = mapped_column(String(16))
    #: what supports the verdict, in the group's words (encrypted: it may be close to the
    #: interviews, though the form asks for no quotes)
    evidence: Mapped[str] = mapped_column(EncryptedText, default="")
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluation: Mapped[GoalEvaluation] = relationship(back_populates="versions")
    saved_by = relationship("User")

    @property
    def verdict_label(self):
        return Verdict(self.verdict).label
