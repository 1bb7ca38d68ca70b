"""Case reviews: rounds, reviews, notes, the status to the head of unit, calendar feeds.

Every function takes the acting user, checks what it may do, and flushes; the request (or
the caller) commits. Nothing is changed before every check has passed.
"""

import hashlib
import json
import secrets
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.casereview.models import (
    CalendarFeed,
    CaseNote,
    CaseReview,
    CaseReviewError,
    CaseReviewStatus,
    ReviewRound,
    Section,
)
from app.core import audit
from app.core.db import db
from app.core.permissions import PermissionDenied, authorize, can
from app.core.users import Role, User
from app.interviews.models import EthicsFlag, Interview
from app.offers.models import Offer, Outcome
from app.participants.models import Participant, Placement

#: interview states in which the interviewer still has work on the case
ACTIVE_INTERVIEW = ("booked", "conducted", "documented", "transcribed", "verified")


def cadence() -> timedelta:
    """The time between two reviews with the same interviewer (CASE_REVIEW_WEEKS)."""
    return timedelta(weeks=current_app.config["CASE_REVIEW_WEEKS"])


def documentation_days() -> int:
    """Days after an interview by which it should be documented (CASE_REVIEW_DOCUMENT_DAYS)."""
    return current_app.config["CASE_REVIEW_DOCUMENT_DAYS"]


def create_round(actor, *, starts_on: date) -> ReviewRound:
    """Open a round of the configured length from ``starts_on``; rounds never overlap."""
    authorize(actor, "casereview.manage")
    ends_on = starts_on + cadence()
    overlapping = db.session.scalar(
        select(func.count(ReviewRound.id)).where(
            ReviewRound.starts_on < ends_on, ReviewRound.ends_on > starts_on
        )
    )
    if overlapping:
        raise CaseReviewError(
            _l("Another round already covers part of these weeks. Start the round after it."),
            "starts_on",
        )
    round_ = ReviewRound(starts_on=starts_on, ends_on=ends_on, created_by_id=actor.id)
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "casereview.round", "case_review_round", round_.id, starts_on=starts_on)
    return round_


def has_cases(interviewer: User) -> bool:
    """Whether the interviewer has anything to review: an open assigned offer, an interview
    still in progress, or an open ethics flag they answer for."""
    open_offers = select(func.count(Offer.id)).where(
        Offer.interviewer_id == interviewer.id, Offer.outcome == Outcome.OPEN.value
    )
    interviews = select(func.count(Interview.id)).where(
        Interview.interviewer_id == interviewer.id, Interview.status.in_(ACTIVE_INTERVIEW)
    )
    flags = select(func.count(EthicsFlag.id)).where(
        EthicsFlag.responsible_id == interviewer.id, EthicsFlag.resolved_at.is_(None)
    )
    return any(db.session.scalar(query) for query in (open_offers, interviews, flags))


def schedule_review(actor, round_: ReviewRound, interviewer: User, *, on: date) -> CaseReview:
    """Schedule the interviewer's one review of the round on ``on`` (a day of the round)."""
    authorize(actor, "casereview.manage")
    if not interviewer.active or not interviewer.has_role(Role.INTERVIEWER):
        raise CaseReviewError(_l("Only an active interviewer has case reviews."), "interviewer")
    if not round_.starts_on <= on < round_.ends_on:
        raise CaseReviewError(_l("Choose a day within the round."), "scheduled_on")
    if any(review.interviewer_id == interviewer.id for review in round_.reviews):
        raise CaseReviewError(
            _l("%(name)s already has a review in this round.", name=interviewer.display_name),
            "interviewer",
        )
    still_open = db.session.scalar(
        select(func.count(CaseReview.id)).where(
            CaseReview.interviewer_id == interviewer.id, CaseReview.closed_on.is_(None)
        )
    )
    if still_open:
        raise CaseReviewError(
            _l("%(name)s has an earlier review that is not closed. Close it first.",
               name=interviewer.display_name),
            "interviewer",
        )  # fmt: skip
    if not has_cases(interviewer):
        raise CaseReviewError(
            _l("%(name)s has no cases to review: no open offer, interview or ethics flag.",
               name=interviewer.display_name),
            "interviewer",
        )  # fmt: skip
    review = CaseReview(
        round=round_, interviewer_id=interviewer.id, coordinator_id=actor.id, scheduled_on=on
    )
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "casereview.schedule", "case_review", review.id, on=on)
    return review


def close_review(actor, review: CaseReview, *, on: date) -> None:
    """Close a held review; its notes are frozen and its open items go to the next one."""
    authorize(actor, "casereview.manage")
    review.close(on)
    db.session.flush()
    audit.record(actor, "casereview.close", "case_review", review.id, on=on)


def may_see(user, review: CaseReview) -> bool:
    """The coordinator and the review's own interviewer; nobody else."""
    if user.has_role(Role.COORDINATOR):
        return True
    return user.has_role(Role.INTERVIEWER) and review.interviewer_id == user.id


def check_sees(actor, review: CaseReview) -> None:
    if not may_see(actor, review):
        raise PermissionDenied("casereview.view")


def notes_of(actor, review: CaseReview) -> dict[str, list[CaseNote]]:
    """The review's own notes by section, and the open items of the interviewer's earlier
    reviews (``carried``), which come back until they are done."""
    check_sees(actor, review)
    earlier = db.session.scalars(
        select(CaseNote)
        .join(CaseReview, CaseNote.review_id == CaseReview.id)
        .where(
            CaseReview.interviewer_id == review.interviewer_id,
            CaseReview.scheduled_on < review.scheduled_on,
            or_(CaseNote.done_on.is_(None), CaseNote.done_review_id == review.id),
        )
        .order_by(CaseNote.due_on, CaseNote.id)
    ).all()
    return {
        "carried": list(earlier),
        Section.SINCE.value: [n for n in review.notes if n.section == Section.SINCE.value],
        Section.UNTIL.value: [n for n in review.notes if n.section == Section.UNTIL.value],
    }


def _open_review(actor, review: CaseReview) -> None:
    check_sees(actor, review)
    if review.closed:
        raise CaseReviewError(_l("The review is closed: its notes can no longer change."))


def add_note(
    actor,
    review: CaseReview,
    *,
    section: Section,
    text: str,
    due_on: date | None,
    participant_id: int | None = None,
    interview_id: int | None = None,
) -> CaseNote:
    """Write a note of an open review; it may point at one of the interviewer's cases."""
    _open_review(actor, review)
    if participant_id is not None and participant_id not in {
        p for p, _code in case_choices(review.interviewer_id)
    }:
        raise CaseReviewError(_l("Choose one of the interviewer's participants."), "participant")
    if interview_id is not None and interview_id not in {
        i for i, _code in interview_choices(review.interviewer_id)
    }:
        raise CaseReviewError(_l("Choose one of the interviewer's interviews."), "interview")
    note = CaseNote(review=review, section=section.value, text=text, due_on=due_on,
                    participant_id=participant_id, interview_id=interview_id,
                    created_by_id=actor.id)  # fmt: skip
    db.session.add(note)
    db.session.flush()
    audit.record(actor, "casereview.note", "case_review", review.id, note=note.id)
    return note


def mark_done(actor, review: CaseReview, note: CaseNote, *, on: date) -> None:
    """Mark a note done at ``review`` (the one it was written at, or a later one)."""
    _open_review(actor, review)
    if note.review.interviewer_id != review.interviewer_id:
        raise PermissionDenied("casereview.view")
    if note.done:
        raise CaseReviewError(_l("The item is already done."))
    note.done_on, note.done_review_id = on, review.id
    db.session.flush()
    audit.record(actor, "casereview.note_done", "case_review", review.id, note=note.id)


def case_choices(interviewer_id: int) -> list[tuple[int, str]]:
    """(participant id, code) of the participants the interviewer has offers for."""
    rows = db.session.execute(
        select(Participant.id, Participant.code)
        .join(Placement, Placement.participant_id == Participant.id)
        .join(Offer, Offer.placement_id == Placement.id)
        .where(Offer.interviewer_id == interviewer_id, Offer.outcome != "not_interviewed")
        .distinct()
        .order_by(Participant.code)
    ).all()
    return [(row.id, row.code) for row in rows]


def interview_choices(interviewer_id: int) -> list[tuple[int, str]]:
    """(interview id, participant code) of the interviewer's interviews in progress."""
    rows = db.session.execute(
        select(Interview.id, Participant.code)
        .join(Offer, Interview.offer_id == Offer.id)
        .join(Placement, Offer.placement_id == Placement.id)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(Interview.interviewer_id == interviewer_id, Interview.status != "cancelled")
        .order_by(Participant.code)
    ).all()
    return [(row.id, row.code) for row in rows]


def send_status(actor, review: CaseReview, *, counts: dict[str, int], remark: str) -> None:
    """Send the head of unit the counts of a closed review and a remark; names nobody."""
    authorize(actor, "casereview.manage")
    if not review.closed:
        raise CaseReviewError(_l("Close the review before sending its status."))
    if status_sent(review):
        raise CaseReviewError(_l("The status of this review has already been sent."))
    status = CaseReviewStatus(review=review, counts=json.dumps(counts), remark=remark,
                              sent_by_id=actor.id)  # fmt: skip
    db.session.add(status)
    db.session.flush()
    audit.record(actor, "casereview.status", "case_review", review.id)


def status_sent(review: CaseReview) -> bool:
    return bool(
        db.session.scalar(
            select(func.count(CaseReviewStatus.id)).where(CaseReviewStatus.review_id == review.id)
        )
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_feed(actor) -> str:
    """Make (or replace) the actor's calendar address; returns the secret, shown once.
    The old address stops working at once: only the new hash is kept."""
    authorize(actor, "calendar.manage")
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == actor.id))
    action = "calendar.reset" if feed is not None else "calendar.create"
    if feed is None:
        feed = CalendarFeed(user_id=actor.id)
        db.session.add(feed)
    feed.token_hash = _hash(token)
    db.session.flush()
    audit.record(actor, action, "user", actor.id)
    return token


def stop_feed(actor) -> bool:
    """Turn the actor's calendar address off (a lost phone, a new job); False when there was
    none. Subscribed calendar programs get "not found" from then on."""
    authorize(actor, "calendar.manage")
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == actor.id))
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    audit.record(actor, "calendar.stop", "user", actor.id)
    return True


def has_feed(user) -> bool:
    query = select(func.count(CalendarFeed.id)).where(CalendarFeed.user_id == user.id)
    return bool(db.session.scalar(query))


def feed_owner(token: str) -> User | None:
    """The active user whose calendar address holds ``token``; None for any other token."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None or not feed.user.active:
        return None
    return feed.user


def may_review(user) -> bool:
    return can(user, "casereview.manage")
