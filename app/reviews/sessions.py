"""The annual reflective review's sessions: who sees which session and its pack, the
checks made with the session at hand, creating and editing a session (one per year and
team unless confirmed) and moving it through its statuses.

A review member sees only the sessions they belong to (the coordinator sees all). The
agenda is in ``agenda``, the pack as a service in ``packs``, notes and actions in
``actions``.
"""

import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.i18n import format_day
from app.core.permissions import authorize
from app.core.users import Role, User
from app.reviews.agenda import agenda_copy, clean_agenda, reader_language
from app.reviews.models import (
    ReviewSession,
    SessionStatus,
    agenda_in,
    review_member,
)
from app.reviews.refusals import ReviewError
from app.themes.aggregates import Scope


def visible_sessions(actor) -> list[ReviewSession]:
    authorize(actor, "reviews.view")
    query = select(ReviewSession).order_by(ReviewSession.held_on.desc(), ReviewSession.id.desc())
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(ReviewSession.members.any(User.id == actor.id))
    return db.session.scalars(query).all()


def check_session(actor, session: ReviewSession, action: str = "reviews.view") -> None:
    """Refuse a session the actor does not belong to."""
    authorize(actor, action, session)


#: A pack counts the team's way (taking part is enough) and quotes interviews without
#: research-use consent; what a researcher counts or reads needs research use. So nobody
#: holding the researcher role sits in a review group or reads a pack, whatever else
#: they are.
NOT_A_MEMBER = _l("A research partner cannot be a member of a review group: the pack counts "
                  "and quotes interviews without consent to research use.")  # fmt: skip
NOT_FOR_RESEARCHERS = _l("The pack is not shown to anyone with the researcher role: it counts "
                         "and quotes interviews without consent to research use.")  # fmt: skip


def may_read_pack(actor) -> bool:
    return not actor.has_role(Role.RESEARCHER)


def check_pack_reader(actor, session: ReviewSession) -> None:
    """Refuse a session's pack to anyone outside it, and to anyone holding the researcher
    role (a session may still list such a member from before this rule)."""
    check_session(actor, session)
    if not may_read_pack(actor):
        raise ReviewError(NOT_FOR_RESEARCHERS)


def scope_of(session: ReviewSession) -> Scope:
    """The session's interviews, counted as the team's own review counts them: in the whole
    years of its period. Counted from a day, two sessions a few days apart gave by
    subtraction what the interviews of those days (whose people the coordinator knows)
    touched; whole years are cut from every year's counts, as the themes page's are."""
    return Scope(year_from=session.scope_from.year if session.scope_from else None,
                 year_to=session.scope_to.year if session.scope_to else None,
                 path="themes.count")  # fmt: skip


def eligible_members() -> list[User]:
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    return [u for u in users if u.has_role(Role.REVIEW_MEMBER, Role.COORDINATOR)
            and not u.has_role(Role.RESEARCHER)]  # fmt: skip


def _previous(session: ReviewSession) -> ReviewSession | None:
    query = (
        select(ReviewSession)
        .where(ReviewSession.team == session.team, ReviewSession.held_on < session.held_on)
        .order_by(ReviewSession.held_on.desc(), ReviewSession.id.desc())
    )
    if session.id is not None:
        query = query.where(ReviewSession.id != session.id)
    return db.session.scalars(query).first()


def _validate(title, year, held_on, scope_from, scope_to, members) -> str:
    title = (title or "").strip()
    if not title:
        raise ReviewError(_l("Give the session a title."), "title")
    if held_on is None:
        raise ReviewError(_l("Give the date of the meeting."), "held_on")
    if not 1900 <= (year or 0) <= 2200:
        raise ReviewError(_l("Give the year the session reviews."), "year")
    if scope_from and scope_to and scope_to < scope_from:
        raise ReviewError(_l("The period must end after it starts."), "scope_to")
    allowed = {u.id for u in eligible_members()}
    if not members:
        raise ReviewError(_l("Choose the members of the review group."), "members")
    if any(m.has_role(Role.RESEARCHER) for m in members):
        raise ReviewError(NOT_A_MEMBER, "members")
    if any(m.id not in allowed for m in members):
        raise ReviewError(_l("Only review group members and coordinators can take part."),
                          "members")  # fmt: skip
    return title[:200]


class DuplicateSession(ReviewError):
    """The year and team have a session already; made only when the person confirms."""

    def __init__(self, existing: list[ReviewSession]):
        super().__init__(_l("There is already a review session for this year and team. Check "
                            "that you do not mean that one; to make a second one, confirm "
                            "below."), "confirm_duplicate")  # fmt: skip
        self.existing = existing


def sessions_for(year: int, team: str, but: ReviewSession | None = None) -> list[ReviewSession]:
    """The sessions of ``year`` and ``team`` (other than ``but``)."""
    team = (team or "").strip()[:120]
    query = select(ReviewSession).where(ReviewSession.year == year, ReviewSession.team == team)
    if but is not None and but.id is not None:
        query = query.where(ReviewSession.id != but.id)
    return db.session.scalars(query.order_by(ReviewSession.held_on)).all()


def _check_duplicate(year, team, session, confirmed: bool) -> None:
    existing = sessions_for(year, team, session)
    if existing and not confirmed:
        raise DuplicateSession(existing)


def create_session(
    actor, *, title: str, year: int, held_on: date, scope_from: date | None,
    scope_to: date | None, members: list[User], team: str = "",
    confirmed_duplicate: bool = False,
) -> ReviewSession:  # fmt: skip
    """A new session with the agenda template; it follows up the team's last session. A
    second session for the same year and team is refused unless ``confirmed_duplicate``."""
    authorize(actor, "reviews.manage")
    title = _validate(title, year, held_on, scope_from, scope_to, members)
    _check_duplicate(year, team, None, confirmed_duplicate)
    session = ReviewSession(
        title=title, year=year, held_on=held_on, scope_from=scope_from, scope_to=scope_to,
        team=(team or "").strip()[:120], members=list(members), created_by_id=actor.id,
        agenda=json.dumps(agenda_copy(reader_language()), ensure_ascii=False),
    )  # fmt: skip
    session.previous = _previous(session)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "review.create", "review_session", session.id,
                 members=sorted(m.id for m in members))  # fmt: skip
    return session


def update_session(actor, session: ReviewSession, *, title, year, held_on, scope_from, scope_to,
                   members, team="", agenda: list[dict] | None = None,
                   confirmed_duplicate: bool = False) -> None:  # fmt: skip
    """Change a session; moving it onto the year and team of another needs
    ``confirmed_duplicate`` as making one does."""
    authorize(actor, "reviews.manage")
    if session.status_enum is SessionStatus.APPROVED:
        raise ReviewError(_l("The minutes are approved; the session can no longer be changed."))
    checked = _validate(title, year, held_on, scope_from, scope_to, members)
    moved = (year, (team or "").strip()[:120]) != (session.year, session.team)
    _check_duplicate(year, team, session, confirmed_duplicate or not moved)
    session.title = checked
    session.year, session.held_on = year, held_on
    session.scope_from, session.scope_to = scope_from, scope_to
    session.team, session.members = (team or "").strip()[:120], list(members)
    if agenda is not None:
        stored = session.agenda_items
        cleaned, before = clean_agenda(agenda), agenda_in(stored, reader_language())
        # Notes belong to an item by its place: an item with notes stays where it is.
        for index in sorted({n.item for n in session.notes}):
            kept = index < len(cleaned) and index < len(before)
            if not kept or cleaned[index]["title"] != before[index]["title"]:
                raise ReviewError(_l("The agenda item “%(title)s” has notes, so it cannot be "
                                     "removed, renamed or moved. Add new items after it.",
                                     title=before[index]["title"] if index < len(before)
                                     else index + 1), "items")  # fmt: skip
        # An item left as it was shown keeps its words in every language; one changed is
        # kept as typed.
        kept = [stored[i] if i < len(before) and item == before[i] else item
                for i, item in enumerate(cleaned)]  # fmt: skip
        session.agenda = json.dumps(kept, ensure_ascii=False)
    session.previous = _previous(session)
    db.session.flush()
    audit.record(actor, "review.update", "review_session", session.id,
                 members=sorted(m.id for m in members))  # fmt: skip


_NEXT = {
    SessionStatus.HELD: (SessionStatus.PLANNING, SessionStatus.PACK_READY),
    SessionStatus.APPROVED: (SessionStatus.HELD,),
}


def set_status(actor, session: ReviewSession, status: SessionStatus) -> None:
    """Mark a session held, or approve its minutes (once held)."""
    authorize(actor, "reviews.manage")
    status = SessionStatus(status)
    if session.status_enum not in _NEXT.get(status, ()):
        raise ReviewError(_l("The session cannot move from “%(now)s” to “%(next)s”.",
                             now=session.status_enum.label, next=status.label))  # fmt: skip
    if status is SessionStatus.HELD and today() < session.held_on:
        raise ReviewError(_l("The meeting is on %(day)s: a session can be marked held on that "
                             "day or later.", day=format_day(session.held_on)))  # fmt: skip
    session.status = status.value
    if status is SessionStatus.APPROVED:
        session.approved_by_id, session.approved_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "review.status", "review_session", session.id, status=status.value)


def in_a_review_session(user: User) -> bool:
    """Whether ``user`` belongs to any review session (a member then reads the themes)."""
    found = db.session.execute(
        review_member.select().where(review_member.c.user_id == user.id).limit(1)
    ).first()
    return found is not None
