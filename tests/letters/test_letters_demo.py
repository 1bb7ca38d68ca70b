"""The demo's latest approved review has its letter drafted, a few recipients, and those
left out each with a reason."""

from sqlalchemy import select

from app.core.db import db
from app.core.users import User
from app.demo import load_demo
from app.letters import queries
from app.letters.queries import Reason
from app.reviews.models import ReviewSession


def test_the_demo_drafts_the_latest_approved_letter(app):
    load_demo()
    db.session.commit()
    session = db.session.scalar(
        select(ReviewSession).where(ReviewSession.status == "approved")
        .order_by(ReviewSession.year.desc())
    )  # fmt: skip
    entries = queries.entries(session)
    recipients = [e for e in entries if e.recipient]
    assert 3 <= len(recipients) <= 5
    reasons = {e.reason for e in entries if not e.recipient}
    assert Reason.SAID_NO in reasons and Reason.WITHDREW not in reasons
    drafts = queries.drafts(session)
    assert set(drafts) == {e.language for e in recipients}
    assert all("- " in d.body for d in drafts.values())
    assert User.by_username("kerstin").id == next(iter(drafts.values())).created_by_id
