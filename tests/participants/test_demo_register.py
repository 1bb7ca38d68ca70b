"""The demo register exercises every eligibility outcome, stage and attrition reason."""

from app.core.calendar import today
from app.demo import load_demo
from app.offers import reports
from app.offers.models import Attrition
from app.participants.eligibility import Ineligible
from app.participants.services import rules


def test_demo_register_covers_every_outcome(app):
    load_demo()
    items = reports.all_follow_ups(today(), rules())
    assert 75 <= len(items) <= 90
    reasons = {item.eligibility.reason for item in items if not item.eligibility.eligible}
    assert reasons == set(Ineligible)
    assert {item.stage for item in items} == set(reports.Stage)
    closed = {
        item.offer.attrition_reason for item in items if item.offer and item.offer.attrition_reason
    }
    assert closed == {reason.value for reason in Attrition}
    assert any(item.eligibility.guardian_consent_required for item in items)
    board = reports.dashboard(today(), rules())
    for name in ("opening_soon", "due", "overdue", "awaiting_answer", "accepted_unheld"):
        assert getattr(board, name), f"the demo dashboard has no {name}"
    years = reports.attrition(today(), rules())
    assert len(years) >= 3


def test_demo_has_interviews_with_memos(app):
    from sqlalchemy import select

    from app.core.db import db
    from app.interviews.models import Interview

    load_demo()
    interviews = db.session.scalars(select(Interview)).all()
    statuses = {i.status for i in interviews}
    assert {"booked", "documented"} <= statuses
    documented = next(i for i in interviews if i.status == "documented")
    assert documented.memos and documented.offer.outcome == "interviewed"


def test_demo_bookings_do_not_share_a_room_at_one_time_and_follow_the_interviewer(app):
    """The week's bookings share one room, so they follow each other; and a young person
    with no language preference is interviewed in the interviewer's language, with that
    language's guide (a Danish interviewer does not get the Swedish guide)."""
    from sqlalchemy import select

    from app.core.db import db
    from app.interviews.models import Interview

    load_demo()
    booked = [i for i in db.session.scalars(select(Interview)) if i.status == "booked"]
    assert len(booked) >= 2
    slots = [(i.scheduled_at, i.place) for i in booked]
    assert len(set(slots)) == len(slots), slots
    for interview in booked:
        preferred = interview.participant.language
        assert interview.language == (preferred or interview.interviewer.language), interview.id
        assert interview.guide_version.language == interview.language, interview.id
