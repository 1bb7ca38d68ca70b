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

from app.core import cache
from app.core.db import db, read_once
from app.core.users import User
from app.offers.models import Answer, Attrition, Offer, Outcome
from app.offers.services import assignments_in
from app.participants.eligibility import Eligibility, Ineligible, Rules, Setting, assess
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


#: the stages in which someone may still have to act: what the dashboard, the start page
#: and the case reviews list (the others are done, or were never due)
OPEN = frozenset({Stage.UPCOMING, Stage.DUE, Stage.OVERDUE, Stage.AWAITING_ANSWER,
                  Stage.ACCEPTED})  # fmt: skip


#: placement ids asked for in one query (SQLite binds at most 32,766 values in a statement)
_IDS_PER_QUERY = 5000


def all_follow_ups(today: date, rules: Rules, *, interviewer_id: int | None = None,
                   stages: frozenset | None = None) -> list[FollowUp]:  # fmt: skip
    """Every placement's follow-up, with the participant's code and what the dashboard reads
    of each offer, its interviews and reminders, in one query each rather than one per
    offer. ``interviewer_id``: only the placements whose offer is assigned to that
    interviewer. ``stages`` (some of ``OPEN``): only the placements in those stages, found
    first in the kept figures (``open_placements``), so that a register of fifteen thousand
    placements is not loaded to list the few hundred still open. Read once per transaction
    until something is written (a page may ask twice)."""
    if stages is not None and not stages <= OPEN:
        raise ValueError(f"stages must be some of {sorted(OPEN)}")
    key = ("follow_ups", today, rules, interviewer_id, stages)
    return read_once(key, lambda: _read_follow_ups(today, rules, interviewer_id, stages))


def _read_follow_ups(today: date, rules: Rules, interviewer_id: int | None,
                     stages: frozenset | None) -> list[FollowUp]:  # fmt: skip
    participant = selectinload(Placement.participant).load_only(
        Participant.code, Participant.birth_date
    )
    loading = [option() for option in _interview_loading]
    offer = selectinload(Placement.offer).options(*loading, selectinload(Offer.reminders))
    query = select(Placement).options(participant, offer)
    if interviewer_id is not None:
        query = query.join(Offer, Offer.placement_id == Placement.id).where(
            Offer.interviewer_id == interviewer_id
        )
    if stages is None:
        return [follow_up(p, today, rules) for p in db.session.scalars(query)]
    open_now = open_placements(today, rules)
    ids = sorted(i for stage in stages for i in open_now[stage.value])
    found = []
    for start in range(0, len(ids), _IDS_PER_QUERY):  # within every database's bound limit
        chunk = query.where(Placement.id.in_(ids[start : start + _IDS_PER_QUERY]))
        found += [follow_up(p, today, rules) for p in db.session.scalars(chunk)]
    return [item for item in found if item.stage in stages]


def open_placements(today: date, rules: Rules) -> dict[str, list[int]]:
    """The placements in each ``OPEN`` stage today: {stage: [placement id]}, kept under the
    register's change token."""

    def count():
        found: dict[str, list[int]] = {stage.value: [] for stage in OPEN}
        for item in _counted(today, rules):
            if item.stage in OPEN:
                found[item.stage.value].append(item.placement_id)
        return found

    return cache.kept("open_placements", (today, rules), count, cache.REGISTER)


@dataclass(frozen=True)
class OfferState:
    """What the figures read of an offer."""

    offered_on: date
    answer: str | None
    outcome: str | None
    attrition_reason: str | None


@dataclass(frozen=True)
class Counted:
    """A placement as the figures count it: no identity, no code."""

    placement_id: int
    eligibility: Eligibility
    offer: OfferState | None
    stage: Stage


def _counted(today: date, rules: Rules) -> list[Counted]:
    """Every placement's eligibility and offer, read as columns (one query, no objects):
    fifteen thousand placements, each with its decrypted birth date, in a fraction of what
    loading them as placements, participants and offers takes. Once per transaction until
    something is written (the offers and the attrition are counted from the same)."""
    return read_once(("counted", today, rules), lambda: _read_counted(today, rules))


def _read_counted(today: date, rules: Rules) -> list[Counted]:
    rows = db.session.execute(
        select(Placement.id, Participant.birth_date, Placement.started_on, Placement.ended_on,
               Placement.setting_at_end, Placement.custody_transferred, Offer.id,
               Offer.offered_on, Offer.answer, Offer.outcome, Offer.attrition_reason)
        .join(Participant, Participant.id == Placement.participant_id)
        .outerjoin(Offer, Offer.placement_id == Placement.id)
    )  # fmt: skip
    found = []
    for placement_id, born, start, end, setting, custody, offer_id, *offer in rows:
        try:
            eligibility = assess(birth_date=born, start=start, end=end,
                                 setting_at_end=Setting(setting),
                                 custody_transferred=custody, rules=rules)  # fmt: skip
        except (ValueError, OverflowError):
            eligibility = Eligibility(False)  # as ``follow_up``: shown, not failed
        state = OfferState(*offer) if offer_id is not None else None
        found.append(Counted(placement_id, eligibility, state,
                             stage_of(eligibility, state, today)))  # fmt: skip
    return found


class Timing(StrEnum):
    """When an offer was made, against the placement's offer window."""

    BEFORE = "before"
    WITHIN = "within"
    AFTER = "after"
    NO_WINDOW = "no_window"


def offers_made(today: date, rules: Rules) -> dict[tuple[int, str, str | None], int]:
    """Offers per (year made, ``Timing``, answer, None while awaited), raw; kept under the
    register's change token (``app.core.cache``), so a page asks again only after the
    register changed."""

    def count():
        found: Counter = Counter()
        for item in _counted(today, rules):
            offer, window = item.offer, item.eligibility
            if offer is None:
                continue
            if not window.eligible:
                timing = Timing.NO_WINDOW
            elif offer.offered_on < window.window_opens:
                timing = Timing.BEFORE
            elif offer.offered_on <= window.window_closes:
                timing = Timing.WITHIN
            else:
                timing = Timing.AFTER
            found[(offer.offered_on.year, timing.value, offer.answer)] += 1
        return dict(found)

    return cache.kept("offers_made", (today, rules), count, cache.REGISTER)


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
    for item in all_follow_ups(today, rules, stages=OPEN):
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
    """The cohorts, raw; kept under the register's change token."""

    def count():
        years: dict[int, AttritionYear] = {}
        for item in _counted(today, rules):
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
        return [
            (r.year, r.eligible, r.offered, r.interviewed, r.not_offered, r.in_progress,
             {reason.value: n for reason, n in r.reasons.items()})
            for r in (years[year] for year in sorted(years))
        ]  # fmt: skip

    return [
        AttritionYear(year, eligible, offered, interviewed,
                      Counter({Attrition(k): n for k, n in reasons.items()}), not_offered,
                      in_progress)
        for year, eligible, offered, interviewed, not_offered, in_progress, reasons
        in cache.kept("attrition", (today, rules), count, cache.REGISTER)
    ]  # fmt: skip
