"""What the case-review pages read: the round overview, one interviewer's agenda computed when
it is opened, the statuses for the head of unit, and each user's dated items (calendar feed
and home-page reminders). Participants appear by their pseudonymous code only."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.casereview.models import CaseNote, CaseReview, CaseReviewStatus, ReviewRound
from app.casereview.services import cadence, documentation_days
from app.core.calendar import local_date
from app.core.db import db
from app.core.users import Role, User
from app.interviews.models import EthicsFlag, Interview
from app.offers.models import Offer
from app.offers.reports import OPEN, Stage, all_follow_ups, workload
from app.participants.models import Participant, Placement
from app.participants.services import interviewers, rules
from app.reviews.models import ReviewAction

#: follow-ups still ahead of the interviewer: their window dates belong on the agenda
OPEN_STAGES = OPEN


def rounds() -> list[ReviewRound]:
    return list(db.session.scalars(select(ReviewRound).order_by(ReviewRound.starts_on.desc())))


def current_round(today: date) -> ReviewRound | None:
    """The round today falls in, else the latest one before it."""
    return db.session.scalar(
        select(ReviewRound)
        .where(ReviewRound.starts_on <= today)
        .order_by(ReviewRound.starts_on.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class OverviewRow:
    interviewer: User
    review: CaseReview | None
    #: not_scheduled, due, overdue or done
    state: str


STATE_LABELS = {
    "not_scheduled": _l("Not scheduled"),
    "due": _l("Due"),
    "overdue": _l("Overdue"),
    "done": _l("Done"),
}


def overview(round_: ReviewRound, today: date) -> list[OverviewRow]:
    """Every active interviewer and where their review of the round stands. A review not
    scheduled counts as overdue once the round is over."""
    by_interviewer = {review.interviewer_id: review for review in round_.reviews}
    shown = {user.id: user for user in interviewers()}
    # an interviewer who left still shows with the review they had
    for review in round_.reviews:
        shown.setdefault(review.interviewer_id, review.interviewer)
    rows = []
    for user in sorted(shown.values(), key=lambda u: u.display_name):
        review = by_interviewer.get(user.id)
        if review is not None:
            state = review.state(today)
        else:
            state = "overdue" if today >= round_.ends_on else "not_scheduled"
        rows.append(OverviewRow(user, review, state))
    return rows


@dataclass(frozen=True)
class Row:
    code: str
    day: date | None = None
    participant_id: int | None = None
    interview_id: int | None = None
    #: what the day is: for windows, "opens" or "closes"
    what: str = ""


@dataclass
class Agenda:
    next_review_on: date
    windows: list[Row] = field(default_factory=list)
    unanswered: list[Row] = field(default_factory=list)
    unbooked: list[Row] = field(default_factory=list)
    undocumented: list[Row] = field(default_factory=list)
    unverified: list[Row] = field(default_factory=list)
    unreleased: list[Row] = field(default_factory=list)
    flags: list[Row] = field(default_factory=list)
    assigned_this_year: int = 0
    interviewed_this_year: int = 0
    target: tuple[int, int] = (1, 2)

    @property
    def balance(self) -> str:
        low, high = self.target
        n = self.assigned_this_year
        return "below" if n < low else "above" if n > high else "within"

    def counts(self) -> dict[str, int]:
        """The figures a status to the head of unit carries: numbers only."""
        return {key: len(getattr(self, key)) for key in COUNT_KEYS if key != "assigned"} | {
            "assigned": self.assigned_this_year
        }


COUNT_LABELS = {
    "windows": _l("Windows opening or closing before the next review"),
    "unanswered": _l("Offers without an answer"),
    "unbooked": _l("Accepted offers without a booked interview"),
    "undocumented": _l("Interviews held but not documented in time"),
    "unverified": _l("Transcripts waiting for verification"),
    "unreleased": _l("Releases waiting for review"),
    "flags": _l("Open ethics flags"),
    "assigned": _l("Interviews assigned this year"),
}
COUNT_KEYS = tuple(COUNT_LABELS)


def _interviews(interviewer_id: int, *statuses: str):
    return db.session.execute(
        select(Interview.id, Interview.conducted_on, Participant.id.label("pid"), Participant.code)
        .join(Offer, Interview.offer_id == Offer.id)
        .join(Placement, Offer.placement_id == Placement.id)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(Interview.interviewer_id == interviewer_id, Interview.status.in_(statuses))
        .order_by(Interview.conducted_on, Participant.code)
    ).all()


def agenda(review: CaseReview, today: date) -> Agenda:
    """The interviewer's cases as they stand today, for the review. Reuses the dashboard's
    follow-ups, so a window or a stage means here what it means there."""
    uid = review.interviewer_id
    # from today, not from the review's day: a window that opens before a review scheduled
    # next week is on the agenda too
    start = today
    result = Agenda(next_review_on=review.scheduled_on + cadence())
    horizon = result.next_review_on
    for item in all_follow_ups(today, rules(), stages=OPEN_STAGES):
        offer = item.offer
        mine = (offer is not None and offer.interviewer_id == uid) or any(
            worker.user_id == uid for worker in item.placement.workers
        )
        if not mine or item.stage not in OPEN_STAGES or not item.eligibility.eligible:
            continue
        code = item.participant.code
        pid = item.placement.participant_id
        opens, closes = item.eligibility.window_opens, item.eligibility.window_closes
        if start <= opens < horizon:
            result.windows.append(Row(code, opens, pid, what="opens"))
        if start <= closes < horizon and item.stage is not Stage.ACCEPTED:
            result.windows.append(Row(code, closes, pid, what="closes"))
        if offer is None or offer.interviewer_id != uid:
            continue
        if item.stage is Stage.AWAITING_ANSWER:
            result.unanswered.append(Row(code, offer.offered_on, pid))
        elif item.stage is Stage.ACCEPTED and not any(
            i.status != "cancelled" for i in offer.interviews
        ):
            result.unbooked.append(Row(code, offer.answered_on, pid))
    late = today - timedelta(days=documentation_days())
    for row in _interviews(uid, "conducted"):
        if row.conducted_on is not None and row.conducted_on <= late:
            result.undocumented.append(Row(row.code, row.conducted_on, row.pid, row.id))
    result.unverified = [Row(r.code, None, r.pid, r.id) for r in _interviews(uid, "transcribed")]
    result.unreleased = [Row(r.code, None, r.pid, r.id) for r in _interviews(uid, "verified")]
    flags = db.session.execute(
        select(EthicsFlag.due_on, Interview.id, Participant.id.label("pid"), Participant.code)
        .join(Interview, EthicsFlag.interview_id == Interview.id)
        .join(Offer, Interview.offer_id == Offer.id)
        .join(Placement, Offer.placement_id == Placement.id)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(
            EthicsFlag.resolved_at.is_(None),
            (EthicsFlag.responsible_id == uid) | (Interview.interviewer_id == uid),
        )
        .order_by(EthicsFlag.due_on)
    ).all()
    result.flags = [Row(r.code, r.due_on, r.pid, r.id) for r in flags]
    for key in ("windows", "unanswered", "unbooked"):
        getattr(result, key).sort(key=lambda r: (r.day or date.min, r.code))
    target = current_app.config["INTERVIEW_TARGET"]
    result.target = target
    for load in workload(today.year, target):
        if load.interviewer.id == uid:
            result.assigned_this_year = load.assigned
            result.interviewed_this_year = load.interviewed
    return result


def shown_count(n: int) -> str:
    """A count for the head of unit: small ones (1 or 2) say "< 3"."""
    return "< 3" if 0 < n < 3 else str(n)


@dataclass
class RoundStatus:
    round: ReviewRound
    reviews: int
    sent: int
    totals: dict[str, int]
    remarks: list[str]


def statuses() -> list[RoundStatus]:
    """Per round: how many reviews, how many statuses sent, their summed counts and remarks.
    No interviewer and no participant is named."""
    result = []
    for round_ in rounds():
        sent = db.session.scalars(
            select(CaseReviewStatus)
            .join(CaseReview, CaseReviewStatus.review_id == CaseReview.id)
            .where(CaseReview.round_id == round_.id)
            .order_by(CaseReviewStatus.sent_at)
        ).all()
        totals = dict.fromkeys(COUNT_KEYS, 0)
        for status in sent:
            for key, value in json.loads(status.counts).items():
                if key in totals:
                    totals[key] += int(value)
        remarks = [status.remark for status in sent if status.remark]
        result.append(RoundStatus(round_, len(round_.reviews), len(sent), totals, remarks))
    return result


@dataclass(frozen=True)
class Dated:
    """One dated item of a user: a calendar event and a home-page reminder."""

    uid: str
    kind: str
    day: date
    #: for a booked interview, the start
    at: datetime | None = None
    code: str | None = None


KIND_LABELS = {
    "review": _l("Case review"),
    "interview": _l("Interview"),
    "window": _l("Offer window closes"),
    "item": _l("Case review item due"),
    "flag": _l("Ethics flag follow-up due"),
    "action": _l("Review action due"),
}


def dated_items(user: User, today: date) -> list[Dated]:
    """The user's reviews, booked interviews, window deadlines and due items, from
    ``today`` on (open items past their day as well). Codes only, never names or texts."""
    items: list[Dated] = []
    reviews = db.session.scalars(
        select(CaseReview).where(
            (CaseReview.interviewer_id == user.id) | (CaseReview.coordinator_id == user.id),
            CaseReview.closed_on.is_(None),
        )
    )
    items += [Dated(f"review-{r.id}", "review", r.scheduled_on) for r in reviews]
    if user.has_role(Role.INTERVIEWER):
        booked = db.session.execute(
            select(Interview.id, Interview.scheduled_at, Participant.code)
            .join(Offer, Interview.offer_id == Offer.id)
            .join(Placement, Offer.placement_id == Placement.id)
            .join(Participant, Placement.participant_id == Participant.id)
            .where(Interview.interviewer_id == user.id, Interview.status == "booked")
        ).all()
        items += [
            Dated(f"interview-{r.id}", "interview", local_date(r.scheduled_at), r.scheduled_at,
                  r.code)
            for r in booked
        ]  # fmt: skip
    coordinator = user.has_role(Role.COORDINATOR)
    # the register is read whole (eligibility needs decrypted birth dates) only for a
    # coordinator, who sees every window; an interviewer's are those of their own offers,
    # read alone (this runs at every view of the home page)
    waiting = frozenset({Stage.DUE, Stage.OVERDUE, Stage.AWAITING_ANSWER, Stage.ACCEPTED})
    follow_ups = (
        all_follow_ups(today, rules(), stages=waiting) if coordinator
        else all_follow_ups(today, rules(), interviewer_id=user.id)
        if user.has_role(Role.INTERVIEWER) else []
    )  # fmt: skip
    for item in follow_ups:
        offer = item.offer
        if item.stage not in {Stage.DUE, Stage.OVERDUE, Stage.AWAITING_ANSWER, Stage.ACCEPTED}:
            continue
        if item.stage is Stage.ACCEPTED and offer.interviews:
            continue
        if coordinator or (offer is not None and offer.interviewer_id == user.id):
            closes = item.eligibility.window_closes
            items.append(Dated(f"window-{item.placement.id}", "window", closes,
                               code=item.participant.code))  # fmt: skip
    notes = db.session.execute(
        select(CaseNote.id, CaseNote.due_on, Participant.code)
        .join(CaseReview, CaseNote.review_id == CaseReview.id)
        .outerjoin(Participant, CaseNote.participant_id == Participant.id)
        .where(
            CaseNote.due_on.is_not(None),
            CaseNote.done_on.is_(None),
            (CaseReview.interviewer_id == user.id) | (CaseReview.coordinator_id == user.id),
        )
    ).all()
    items += [Dated(f"item-{r.id}", "item", r.due_on, code=r.code) for r in notes]
    flags = db.session.execute(
        select(EthicsFlag.id, EthicsFlag.due_on, Participant.code)
        .join(Interview, EthicsFlag.interview_id == Interview.id)
        .join(Offer, Interview.offer_id == Offer.id)
        .join(Placement, Offer.placement_id == Placement.id)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(EthicsFlag.resolved_at.is_(None), EthicsFlag.responsible_id == user.id)
    ).all()
    items += [Dated(f"flag-{r.id}", "flag", r.due_on, code=r.code) for r in flags]
    actions = db.session.execute(
        select(ReviewAction.id, ReviewAction.due_on).where(
            ReviewAction.owner_id == user.id,
            ReviewAction.status.in_(("open", "in_progress")),
        )
    ).all()
    items += [Dated(f"action-{r.id}", "action", r.due_on) for r in actions]
    return sorted(items, key=lambda d: (d.day, d.kind, d.code or ""))


def reminders(user: User, today: date) -> list[Dated]:
    """What falls due within a week (or is past due and still open), for the home page."""
    week = today + timedelta(days=7)
    return [d for d in dated_items(user, today) if d.day <= week and (
        d.day >= today or d.kind in {"item", "flag", "action", "review"})]  # fmt: skip
