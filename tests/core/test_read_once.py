"""``read_once``: a costly reading is worked out once per transaction, and forgotten as soon
as anything is written or the transaction ends, so that nothing stale is ever read."""

from datetime import date

from sqlalchemy import update

from app.core.db import db, read_once
from app.core.users import User


def test_read_once_per_transaction_until_a_write(app, make_user):
    user = make_user()
    db.session.commit()
    calls = []

    def count():
        calls.append(1)
        return len(calls)

    assert read_once("k", count) == 1 and read_once("k", count) == 1
    assert read_once("other", count) == 2
    user.display_name = "Changed"
    db.session.flush()  # a write: read again
    assert read_once("k", count) == 3
    db.session.execute(update(User).where(User.id == user.id).values(display_name="Again"))
    assert read_once("k", count) == 4  # a bulk write without a flush forgets it too
    db.session.commit()
    assert read_once("k", count) == 5  # a new transaction
    user.display_name = "Pending"  # changed, not yet flushed: never read past
    assert read_once("k", count) == 6 and read_once("k", count) == 7


def test_a_page_reads_the_follow_ups_once(app, make_user):
    from app.offers import reports
    from app.participants.eligibility import Rules

    rules = Rules()
    first = reports.all_follow_ups(date(2026, 12, 7), rules)
    assert reports.all_follow_ups(date(2026, 12, 7), rules) is first
    assert reports.all_follow_ups(date(2026, 12, 8), rules) is not first
