"""Offering interviews, recording answers and reminders, assigning interviewers, closing.

Each function takes the acting user, checks the permission, changes the offer through its
model methods (which refuse illegal transitions) and writes the change to the audit log.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from app.core import audit
from app.core.calendar import today
from app.core.db import db
from app.core.i18n import format_day
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.core.users import Role, User
from app.offers.models import Answer, Attrition, Channel, InvalidTransition, Offer, Reminder
from app.participants.models import Participant, Placement
from app.participants.services import interviewers, rules


class OfferError(Refused, ValueError):
    """A change to an offer that is refused; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def is_assigned(user, participant: Participant) -> bool:
    """Whether ``user`` interviews (or has interviewed) this participant."""
    return bool(
        db.session.scalar(
            select(func.count(Offer.id))
            .join(Placement, Offer.placement_id == Placement.id)
            .where(
                Placement.participant_id == participant.id,
                Offer.interviewer_id == user.id,
                Offer.outcome != "not_interviewed",
            )
        )
    )


def assigned_participant_ids(user):
    """A select of the ids of the participants ``user`` interviews or has interviewed: the
    rule of ``is_assigned``, for lists."""
    return (
        select(Placement.participant_id)
        .join(Offer, Offer.placement_id == Placement.id)
        .where(Offer.interviewer_id == user.id, Offer.outcome != "not_interviewed")
    )


def record_offer(actor, placement: Placement, *, offered_on: date, channel: Channel) -> Offer:
    """Offer an interview for an eligible placement, on a day inside its offer window."""
    authorize(actor, "offers.manage")
    _not_future(offered_on, "offered_on")
    if getattr(placement, "offer", None) is not None:
        raise OfferError(_l("An interview has already been offered for this placement."))
    eligibility = placement.eligibility(rules())
    if not eligibility.eligible:
        raise OfferError(_l("This placement is not eligible for a follow-up interview."))
    if not eligibility.window_opens <= offered_on <= eligibility.window_closes:
        raise OfferError(
            _l(
                "The offer must be made between %(opens)s and %(closes)s.",
                opens=format_day(eligibility.window_opens),
                closes=format_day(eligibility.window_closes),
            ),
            "offered_on",
        )
    offer = Offer(
        placement=placement,
        offered_on=offered_on,
        offered_by_id=actor.id,
        channel=Channel(channel).value,
    )
    db.session.add(offer)
    db.session.flush()
    audit.record(actor, "offer.create", "offer", offer.id, channel=offer.channel)
    return offer


def _not_future(day: date, field: str) -> None:
    if day > today():
        raise OfferError(_l("The date cannot be in the future."), field)


def _apply(actor, offer: Offer, action: str, change, **detail) -> None:
    authorize(actor, "offers.manage")
    try:
        change()
    except InvalidTransition as exc:
        raise OfferError(exc.message) from None
    db.session.flush()
    audit.record(actor, action, "offer", offer.id, **detail)


def record_answer(actor, offer: Offer, *, answer: Answer, answered_on: date) -> None:
    _not_future(answered_on, "answered_on")
    _apply(
        actor,
        offer,
        "offer.answer",
        lambda: offer.record_answer(Answer(answer), answered_on),
        answer=str(answer),
    )


def add_reminder(actor, offer: Offer, *, sent_on: date, channel: Channel) -> Reminder:
    authorize(actor, "offers.manage")
    _not_future(sent_on, "sent_on")
    if offer.answer is not None or not offer.is_open:
        raise OfferError(_l("Reminders are for offers that have not been answered."))
    if sent_on < offer.offered_on:
        raise OfferError(_l("A reminder cannot come before the offer."), "sent_on")
    reminder = Reminder(sent_on=sent_on, channel=Channel(channel).value, sent_by_id=actor.id)
    offer.reminders.append(reminder)
    db.session.flush()
    audit.record(actor, "offer.remind", "offer", offer.id, channel=reminder.channel)
    return reminder


def assign(actor, offer: Offer, interviewer: User, *, on: date) -> None:
    if not (interviewer.active and interviewer.has_role(Role.INTERVIEWER)):
        raise OfferError(_l("Only an active interviewer can be assigned."), "interviewer_id")
    _apply(
        actor,
        offer,
        "offer.assign",
        lambda: offer.assign(interviewer.id, on),
        interviewer=interviewer.username,
    )


def record_interviewed(actor, offer: Offer, *, on: date) -> None:
    _not_future(on, "interviewed_on")
    _apply(actor, offer, "offer.interviewed", lambda: offer.record_interviewed(on))


def close_without_interview(actor, offer: Offer, *, reason: Attrition, note: str | None) -> None:
    _apply(
        actor,
        offer,
        "offer.close",
        lambda: offer.close_without_interview(Attrition(reason), note),
        reason=str(reason),
    )


def reopen(actor, offer: Offer) -> None:
    _apply(actor, offer, "offer.reopen", offer.reopen)


@dataclass(frozen=True)
class Suggestion:
    interviewer: User
    #: why this interviewer: "former_worker" or "fewest"
    reason: str
    #: the interviewer's assignments in the year
    assigned_this_year: int


def assignments_in(year: int) -> dict[int, int]:
    """interviewer id -> follow-ups assigned to them in ``year`` that did not end unheld."""
    rows = db.session.execute(
        select(Offer.interviewer_id, func.count(Offer.id))
        .where(
            Offer.interviewer_id.is_not(None),
            extract("year", Offer.assigned_on) == year,
            Offer.outcome != "not_interviewed",
        )
        .group_by(Offer.interviewer_id)
    ).all()
    return dict(rows)


def suggest_interviewer(placement: Placement, year: int) -> Suggestion | None:
    """The child's own former social worker first, else whoever has the fewest this year."""
    counts = assignments_in(year)
    candidates = interviewers()
    for worker in placement.workers:
        user = worker.user
        if user is not None and user in candidates:
            return Suggestion(user, "former_worker", counts.get(user.id, 0))
    if not candidates:
        return None
    fewest = min(candidates, key=lambda u: (counts.get(u.id, 0), u.display_name.casefold()))
    return Suggestion(fewest, "fewest", counts.get(fewest.id, 0))
