"""What the review group writes: notes and learning points on the agenda, actions with an
owner and a due date, their follow-up in later sessions, and the board across the years."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize, can
from app.core.users import Role, User
from app.reviews.models import (
    ActionStatus,
    ReviewAction,
    ReviewNote,
    ReviewSession,
    SessionStatus,
)
from app.reviews.refusals import ReviewError
from app.reviews.sessions import check_session
from app.themes.models import Theme

# --- notes and learning points ---------------------------------------------------------------


def _writable(actor, session: ReviewSession) -> None:
    check_session(actor, session, "reviews.write")
    if session.status_enum is SessionStatus.APPROVED:
        raise ReviewError(_l("The minutes are approved; nothing more can be written."))


def add_note(actor, session: ReviewSession, *, item: int, body: str,
             learning: bool = False) -> ReviewNote:  # fmt: skip
    _writable(actor, session)
    body = (body or "").strip()
    if not body:
        raise ReviewError(_l("Write something first."), "body")
    if len(body) > 20000:
        raise ReviewError(_l("A note can be at most 20,000 characters."), "body")
    if not 0 <= item < len(session.agenda_items):
        raise ReviewError(_l("Choose an item of the agenda."), "item")
    note = ReviewNote(session=session, item=item, body=body, learning=bool(learning),
                      author_id=actor.id)  # fmt: skip
    db.session.add(note)
    db.session.flush()
    audit.record(actor, "review.note", "review_session", session.id, note=note.id)
    return note


def delete_note(actor, note: ReviewNote) -> None:
    _writable(actor, note.session)
    if note.author_id != actor.id and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("reviews.write")
    audit.record(actor, "review.note_delete", "review_session", note.session_id, note=note.id)
    db.session.delete(note)
    db.session.flush()


# --- actions -------------------------------------------------------------------------------


def _check_action_fields(what: str, owner: User | None, due_on: date | None) -> str:
    what = (what or "").strip()
    if not what:
        raise ReviewError(_l("Say what is to be done."), "what")
    if len(what) > 2000:
        raise ReviewError(_l("Keep an action under 2,000 characters."), "what")
    if owner is None or not owner.active:
        raise ReviewError(_l("Every action needs an owner."), "owner")
    if due_on is None:
        raise ReviewError(_l("Every action needs a due date."), "due_on")
    return what


#: what an action may name, registered by the goals area above (app.goals.routes):
#: (goal id, guideline id) -> the (goal id, guideline id) kept, or ``ReviewError`` when the
#: goal or guideline is not in force (a goal retired later stays named by earlier actions)
SERVED: list[Callable[[int | None, int | None], tuple[int | None, int | None]]] = []


def _served(goal_id: int | None, guideline_id: int | None) -> tuple[int | None, int | None]:
    """The goal (and guideline) a new action may name: one in force."""
    if goal_id is None and guideline_id is None:
        return None, None
    if not SERVED:  # no goals area: nothing can be named
        raise ReviewError(_l("Choose a goal or guideline in force."), "serves")
    return SERVED[0](goal_id, guideline_id)


def add_action(actor, session: ReviewSession, *, what: str, owner: User | None,
               due_on: date | None, theme_id: int | None = None, goal_id: int | None = None,
               guideline_id: int | None = None) -> ReviewAction:  # fmt: skip
    """A new action with an owner and a due date, optionally naming the theme it answers
    and the goal or guideline it serves."""
    _writable(actor, session)
    what = _check_action_fields(what, owner, due_on)
    if theme_id is not None and db.session.get(Theme, theme_id) is None:
        raise ReviewError(_l("Choose a theme from the list."), "theme_id")
    goal_id, guideline_id = _served(goal_id, guideline_id)
    if due_on < session.held_on:
        raise ReviewError(_l("The due date cannot be before the meeting."), "due_on")
    action = ReviewAction(session=session, what=what, owner_id=owner.id, due_on=due_on,
                          theme_id=theme_id, goal_id=goal_id,
                          guideline_id=guideline_id)  # fmt: skip
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "review.action", "review_session", session.id, action_id=action.id,
                 owner=owner.id, goal=goal_id)  # fmt: skip
    return action


def may_follow_up(user, action: ReviewAction) -> bool:
    """The owner, the coordinator, and the members of the session that decided it or of a
    later session of the same team."""
    if not can(user, "reviews.write"):
        return False
    if user.has_role(Role.COORDINATOR) or action.owner_id == user.id:
        return True
    decided = action.session
    sessions = db.session.scalars(
        select(ReviewSession).where(ReviewSession.team == decided.team,
                                    ReviewSession.held_on >= decided.held_on)
    ).all()  # fmt: skip
    return any(any(m.id == user.id for m in s.members) for s in sessions)


def update_action(actor, action: ReviewAction, *, status: str, follow_up: str,
                  in_session: ReviewSession | None = None) -> None:  # fmt: skip
    """Record progress on an action; in a later session, also that it was followed up."""
    if not may_follow_up(actor, action):
        raise PermissionDenied("reviews.write")
    try:
        action.status = ActionStatus(status).value
    except ValueError:
        raise ReviewError(_l("Choose a status."), "status") from None
    follow_up = (follow_up or "").strip()
    if len(follow_up) > 5000:
        raise ReviewError(_l("Keep the follow-up note under 5,000 characters."), "follow_up")
    action.follow_up = follow_up
    if in_session is not None and in_session.id != action.session_id:
        check_session(actor, in_session, "reviews.write")
        decided = action.session
        if (in_session.team != decided.team or in_session.held_on <= decided.held_on
                or in_session.status_enum is SessionStatus.APPROVED):  # fmt: skip
            raise ReviewError(_l("An action is followed up in a later session of the same team "
                                 "whose minutes are not yet approved."))  # fmt: skip
        action.followed_up_in_id = in_session.id
    action.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "review.action_update", "review_session", action.session_id,
                 action_id=action.id, status=action.status)  # fmt: skip


def carried_actions(session: ReviewSession) -> list[ReviewAction]:
    """What this session follows up: every action of the team's last session, then every
    action of earlier sessions still open, the open ones first."""
    found = []
    if session.previous is not None:
        found.extend(session.previous.actions)
        earlier = db.session.scalars(
            select(ReviewAction).join(ReviewSession, ReviewAction.session_id == ReviewSession.id)
            .where(ReviewSession.team == session.team,
                   ReviewSession.held_on < session.previous.held_on,
                   ReviewAction.status.in_([ActionStatus.OPEN.value,
                                            ActionStatus.IN_PROGRESS.value]))
            .order_by(ReviewAction.due_on)
        ).all()  # fmt: skip
        found.extend(earlier)
    return sorted(found, key=lambda a: (not a.status_enum.is_open, a.due_on, a.id))


@dataclass
class Board:
    actions: list[ReviewAction]

    def by_status(self) -> list[tuple[ActionStatus, list[ReviewAction]]]:
        return [(s, [a for a in self.actions if a.status_enum is s]) for s in ActionStatus]


def board(actor, *, year: int | None = None) -> Board:
    """Every action across the years that the actor may see."""
    authorize(actor, "reviews.view")
    query = (
        select(ReviewAction)
        .join(ReviewSession, ReviewAction.session_id == ReviewSession.id)
        .order_by(ReviewAction.due_on, ReviewAction.id)
    )
    if year:
        query = query.where(ReviewSession.year == year)
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(ReviewSession.members.any(User.id == actor.id)
                            | (ReviewAction.owner_id == actor.id))  # fmt: skip
    return Board(db.session.scalars(query).all())


def overdue(action: ReviewAction) -> bool:
    return action.status_enum.is_open and action.due_on < today()
