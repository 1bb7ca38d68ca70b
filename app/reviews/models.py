"""The annual reflective review: sessions, their packs, notes, learning points and actions.

A session belongs to a year (and optionally a team), has members who alone see it (besides
the coordinator), a scope of released interviews, and an agenda copied from the editable
template when the session is made. A pack is built from the coded material in the
background and frozen: the printable page and the DOCX file show what was built, until a
withdrawal of quotation consent destroys every pack that quotes the interview. Actions carry
an owner and a due date and are followed up in the next session of the same team.
"""

import json
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.aggregation import cell
from app.core import storage
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow


class SessionStatus(StrEnum):
    PLANNING = "planning"
    PACK_READY = "pack_ready"
    HELD = "held"
    APPROVED = "approved"

    @property
    def label(self):
        return SESSION_STATUS_LABELS[self]


SESSION_STATUS_LABELS = {
    SessionStatus.PLANNING: _l("Planning"),
    SessionStatus.PACK_READY: _l("Pack ready"),
    SessionStatus.HELD: _l("Held"),
    SessionStatus.APPROVED: _l("Minutes approved"),
}


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self):
        return ACTION_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: _l("Open"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done"),
    ActionStatus.DROPPED: _l("Dropped"),
}

review_member = Table(
    "review_member",
    db.metadata,
    Column("session_id", ForeignKey("review_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AgendaTemplate(db.Model):
    """The agenda new sessions start from, edited by the coordinator: one row per language."""

    __tablename__ = "review_agenda_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "sv", "da", "en"; None for a template saved before templates had a language, which
    #: stands in for every language without a template of its own
    language: Mapped[str | None] = mapped_column(String(5), unique=True)
    #: JSON list of {"title", "guidance", "kind"}
    items: Mapped[str] = mapped_column(default="[]")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewSession(db.Model):
    __tablename__ = "review_session"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(SessionStatus)})", "status"),
        CheckConstraint(
            "scope_to IS NULL OR scope_from IS NULL OR scope_to >= scope_from", "scope"
        ),
        CheckConstraint("year BETWEEN 1900 AND 2200", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(index=True)
    #: "" for the whole service; a team name when teams meet separately
    team: Mapped[str] = mapped_column(String(120), default="")
    held_on: Mapped[date]
    #: released interviews conducted in [scope_from, scope_to]; both empty: all years
    scope_from: Mapped[date | None]
    scope_to: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.PLANNING.value)
    #: JSON list of {"title", "guidance", "kind"}, copied from the template; an item copied
    #: from the templates also holds them per language ({"i18n": {"da": {"title",
    #: "guidance"}}}), so that each member reads it in their own (``agenda_in``)
    agenda: Mapped[str] = mapped_column(default="[]")
    #: the earlier session whose actions this one follows up
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_session.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members = relationship("User", secondary=review_member, order_by="User.display_name")
    previous = relationship("ReviewSession", remote_side=[id])
    notes = relationship("ReviewNote", back_populates="session", cascade="all, delete-orphan",
                         order_by="ReviewNote.id")  # fmt: skip
    actions = relationship("ReviewAction", back_populates="session",
                           cascade="all, delete-orphan", order_by="ReviewAction.id",
                           foreign_keys="ReviewAction.session_id")  # fmt: skip
    packs = relationship("ReviewPack", back_populates="session", cascade="all, delete-orphan",
                         order_by="ReviewPack.version")  # fmt: skip

    @property
    def status_enum(self) -> SessionStatus:
        return SessionStatus(self.status)

    @property
    def agenda_items(self) -> list[dict]:
        return json.loads(self.agenda or "[]")

    def agenda_for(self, language: str) -> list[dict]:
        return agenda_in(self.agenda_items, language)

    @property
    def current_pack(self) -> "ReviewPack | None":
        built = [p for p in self.packs if p.ready]
        return built[-1] if built else None


def agenda_in(items: list[dict], language: str) -> list[dict]:
    """Agenda items as ``language`` reads them: an item copied from the templates in that
    language's words, an item someone typed as it was typed."""
    shown = []
    for item in items:
        words = (item.get("i18n") or {}).get(language) or item
        shown.append({"kind": item.get("kind", "discussion"), "title": words.get("title", ""),
                      "guidance": words.get("guidance", "")})  # fmt: skip
    return shown


class ReviewPack(db.Model):
    __tablename__ = "review_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_session.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: JSON: themes with their tables and charts, attrition, quotes, actions (frozen)
    content: Mapped[str | None] = mapped_column(EncryptedText, deferred=True)
    #: the DOCX file in storage
    docx_name: Mapped[str | None] = mapped_column(String(200))
    #: JSON list of the interviews quoted, so that a withdrawal finds the packs to destroy
    quoted: Mapped[str] = mapped_column(default="[]")
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it was destroyed ("quotation withdrawn"); no identity
    destroyed_reason: Mapped[str | None] = mapped_column(String(200))

    session = relationship("ReviewSession", back_populates="packs")
    job = relationship("Job")

    @property
    def ready(self) -> bool:
        return self.built_at is not None and self.destroyed_at is None

    @property
    def quoted_ids(self) -> list[int]:
        return json.loads(self.quoted or "[]")

    @property
    def data(self) -> dict:
        data = json.loads(self.content or "{}")
        if isinstance(data.get("released"), int):
            # packs built before the released count was suppressed held the bare number
            data["released"] = str(cell(data["released"]))
        return data


storage.register_references("review_packs", storage.names_in(ReviewPack.docx_name))


class ReviewNote(db.Model):
    """A note on an agenda item, or a learning point (``learning``)."""

    __tablename__ = "review_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_session.id", ondelete="CASCADE"), index=True
    )
    #: index into the session's agenda
    item: Mapped[int] = mapped_column(default=0)
    learning: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(EncryptedText)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("ReviewSession", back_populates="notes")
    author = relationship("User")


class ReviewAction(db.Model):
    __tablename__ = "review_action"
    __table_args__ = (CheckConstraint(f"status IN ({sql_values(ActionStatus)})", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("review_session.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(EncryptedText)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN.value)
    follow_up: Mapped[str] = mapped_column(EncryptedText, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    #: the goal the action serves; a goal retired later stays named here
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"), index=True)
    #: the guideline it serves, if it names one (``goal_id`` is then the guideline's goal)
    guideline_id: Mapped[int | None] = mapped_column(ForeignKey("guideline.id"))
    #: the later session in which it was last followed up
    followed_up_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_session.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("ReviewSession", back_populates="actions", foreign_keys=[session_id])
    owner = relationship("User")
    theme = relationship("Theme")
    goal = relationship("Goal")
    guideline = relationship("Guideline")

    @property
    def status_enum(self) -> ActionStatus:
        return ActionStatus(self.status)
