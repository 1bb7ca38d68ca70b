"""The demo's case reviews: three interviewers, last round held, its open items carried."""

from app.casereview import queries, services
from app.core.db import db
from app.demo.casereview import load_case_review_demo
from tests.conftest import TODAY


def test_the_demo_holds_two_rounds_and_carries_the_open_items(team):
    assert load_case_review_demo(team.coordinator, [team.idle, team.anna, team.bo], TODAY) == 4
    db.session.commit()
    current, previous = queries.rounds()
    assert previous.ends_on == current.starts_on
    assert all(review.closed for review in previous.reviews)
    assert [r.state(TODAY) for r in current.reviews] == ["due", "due"]
    anna = next(r for r in current.reviews if r.interviewer_id == team.anna.id)
    carried = services.notes_of(team.coordinator, anna)["carried"]
    assert carried and not any(note.done for note in carried)
    assert queries.statuses()[1].sent == 2
