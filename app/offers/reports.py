"""Where every placement stands: the coordinator's dashboard and the attrition report.

Eligibility depends on birth dates, which are encrypted, so it is computed here in Python
over the register (a municipality's register holds hundreds of placements, not millions).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select
from sqlalchemy.orm import selectinload

from app.core.db import db, read_once
from app.core.users import User
from app.offers.models import Answer, Attrition, Offer, Outcome
from app.offers.services import assignments_in
from app.participants.eligibility import Eligibility, Ineligible, Rules
from app.participants.models import Participant, Placement
from app.participants.services import interviewers

#: how far ahead "opening soon" looks, and how close to closing an unoffered window is overdue
OPENING_SOON = timedelta(days=60)
OVERDUE_WITHIN = timedelta(days=30)


class Stage(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    AWAITING_ANSWER = "awaiting_answer"
    ACCEPTED = "accepted"
    INTERVIEWED = "interviewed"
    NOT_INTERVIEWED = "not_interviewed"

    @property
    def label(self):
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.NOT_ELIGIBLE: _l("Not eligible"),
    Stage.UPCOMING: _l("Window not yet open"),
    Stage.DUE: _l("Due to be offered"),
    Stage.OVERDUE: _l("Overdue: window closing"),
    Stage.MISSED: _l("Window closed without an offer"),
    Stage.AWAITING_ANSWER: _l("Awaiting answer"),
    Stage.ACCEPTED: _l("Accepted"),
    Stage.INTERVIEWED: _l("Interviewed"),
    Stage.NOT_INTERVIEWED: _l("Not interviewed"),
}

INELIGIBLE_LABELS = {
    Ineligible.ONGOING: _l("Placement still ongoing"),
    Ineligible.TOO_SHORT: _l("Placement too short"),
    Ineligible.INSTITUTION_AT_DISCHARGE: _l("In institutional care at discharge"),
    Ineligible.CUSTODY_TRANSFERRED: _l("Custody transferred to the foster parents"),
    Ineligible.TOO_YOUNG_IN_WINDOW: _l("Too young within the offer window"),
}


@dataclass(frozen=True)
class FollowUp:
    placement: Placement
    eligibility: Eligibility
    offer: Offer | None
    stage: Stage

    @property
    def participant(self):
        return self.placement.participant

    @property
    def reason_label(self):
        reason = self.eligibility.reason
        return INELIGIBLE_LABELS[reason] if reason else _l("The dates need checking")


def stage_of(eligibility: Eligibility, offer: Offer | None, today: date) -> Stage:
    if offer is not None:
        if offer.outcome == Outcome.INTERVIEWED.value:
            return Stage.INTERVIEWED
        if offer.outcome == Outcome.NOT_INTERVIEWED.value:
            return Stage.NOT_INTERVIEWED
        return Stage.ACCEPTED if offer.answer == Answer.ACCEPTED.value else Stage.AWAITING_ANSWER
    if not eligibility.eligible:
        return Stage.NOT_ELIGIBLE
    if today < eligibility.window_opens:
        return Stage.UPCOMING
    if today > eligibility.window_closes:
        return Stage.MISSED
    if eligibility.window_closes - today <= OVERDUE_WITHIN:
        return Stage.OVERDUE
    return Stage.DUE


def follow_up(placement: Placement, today: date, rules: Rules) -> FollowUp:
    try:
        eligibility = placement.eligibility(rules)
    except (ValueError, OverflowError):
        # Dates the register refuses today may come from before that check; show, don't fail.
        eligibility = Eligibility(False)
    offer = placement.offer
    return FollowUp(placement, eligibility, offer, stage_of(eligibility, offer, today))


#: how a list of follow-ups loads each offer's interviews (what the dashboard and the case
#: reviews read of them: their status). The interviews, a layer above, are mapped onto
#: ``Offer.interviews`` by their own area, which registers the option at app creation.
_interview_loading: list = []


def register_interview_loading(option: Callable) -> None:
    """Called by the interviews area: () -> the loader option for ``Offer.interviews``."""
    _interview_loading[:] = [option]


def all_follow_ups(today: date, rules: Rules, *, counts_only: bool = False,
                   interviewer_id: int | None = None) -> list[FollowUp]:  # fmt: skip
    """Every placement's follow-up; ``counts_only`` loads of the participant just the birth
    date the eligibility needs, not the identity (the attrition figures of 15,000
    placements then decrypt one column instead of every one). Otherwise the code as well,
    and what the dashboard reads of each offer, its interviews and reminders, in one query
    each rather than one per offer. ``interviewer_id``: only the placements whose offer is
    assigned to that interviewer. Read once per transaction until something is written (the
    head of unit's page asks twice: the offers table and the attrition)."""
    key = ("follow_ups", today, rules, counts_only, interviewer_id)
    return read_once(key, lambda: _read_follow_ups(today, rules, counts_only, interviewer_id))


def _read_follow_ups(today: date, rules: Rules, counts_only: bool,
                     interviewer_id: int | None) -> list[FollowUp]:  # fmt: skip
    participant = selectinload(Placement.participant)
    offer = selectinload(Placement.offer)
    if counts_only:
        participant = participant.load_only(Participant.id, Participant.birth_date)
    else:
        participant = participant.load_only(Participant.code, Participant.birth_date)
        loading = [option() for option in _interview_loading]
        offer = offer.options(*loading, selectinload(Offer.reminders))
    query = select(Placement).options(participant, offer)
    if interviewer_id is not None:
        query = query.join(Offer, Offer.placement_id == Placement.id).where(
            Offer.interviewer_id == interviewer_id
        )
    return [follow_up(p, today, rules) for p in db.session.scalars(query)]


@dataclass
class Workload:
    interviewer: User
    #: follow-ups assigned this year that did not end without an interview
    assigned: int
    interviewed: int
    target: tuple[int, int]

    @property
    def balance(self) -> str:
        low, high = self.target
        return "below" if self.assigned < low else "above" if self.assigned > high else "within"


def workload(year: int, target: tuple[int, int]) -> list[Workload]:
    assigned = assignments_in(year)
    interviewed = dict(
        db.session.execute(
            select(Offer.interviewer_id, func.count(Offer.id))
            .where(
                Offer.outcome == Outcome.INTERVIEWED.value,
                extract("year", Offer.interviewed_on) == year,
            )
            .group_by(Offer.interviewer_id)
        ).all()
    )
    return [
        Workload(user, assigned.get(user.id, 0), interviewed.get(user.id, 0), target)
        for user in interviewers()
    ]


@dataclass
class Dashboard:
    opening_soon: list[FollowUp] = field(default_factory=list)
    due: list[FollowUp] = field(default_factory=list)
    overdue: list[FollowUp] = field(default_factory=list)
    awaiting_answer: list[FollowUp] = field(default_factory=list)
    accepted_unheld: list[FollowUp] = field(default_factory=list)


def dashboard(today: date, rules: Rules) -> Dashboard:
    board = Dashboard()
    for item in all_follow_ups(today, rules):
        opens = item.eligibility.window_opens
        if item.stage is Stage.UPCOMING and opens - today <= OPENING_SOON:
            board.opening_soon.append(item)
        elif item.stage is Stage.DUE:
            board.due.append(item)
        elif item.stage is Stage.OVERDUE:
            board.overdue.append(item)
        elif item.stage is Stage.AWAITING_ANSWER:
            board.awaiting_answer.append(item)
        elif item.stage is Stage.ACCEPTED and not any(
            interview.status != "cancelled" for interview in item.offer.interviews
        ):
            board.accepted_unheld.append(item)
    board.opening_soon.sort(key=lambda i: i.eligibility.window_opens)
    board.due.sort(key=lambda i: i.eligibility.window_closes)
    board.overdue.sort(key=lambda i: i.eligibility.window_closes)
    board.awaiting_answer.sort(key=lambda i: i.offer.offered_on)
    board.accepted_unheld.sort(key=lambda i: i.offer.answered_on)
    return board


@dataclass
class AttritionYear:
    """One cohort: the placements whose offer window opened in ``year``."""

    year: int
    eligible: int = 0
    offered: int = 0
    interviewed: int = 0
    reasons: Counter = field(default_factory=Counter)
    #: the window closed and nobody was offered an interview
    not_offered: int = 0
    #: still open: window not closed without an offer, or the offer not yet concluded
    in_progress: int = 0

    @property
    def not_interviewed(self) -> int:
        return sum(self.reasons.values()) + self.not_offered


def attrition(today: date, rules: Rules) -> list[AttritionYear]:
    years: dict[int, AttritionYear] = {}
    for item in all_follow_ups(today, rules, counts_only=True):
        if not item.eligibility.eligible:
            continue
        year = item.eligibility.window_opens.year
        row = years.setdefault(year, AttritionYear(year))
        row.eligible += 1
        if item.offer is not None:
            row.offered += 1
        if item.stage is Stage.INTERVIEWED:
            row.interviewed += 1
        elif item.stage is Stage.NOT_INTERVIEWED:
            row.reasons[Attrition(item.offer.attrition_reason)] += 1
        elif item.stage is Stage.MISSED:
            row.not_offered += 1
        else:
            row.in_progress += 1
    return [years[year] for year in sorted(years)]
