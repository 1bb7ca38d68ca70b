"""Rounds and reviews: the cadence, one review per interviewer, the overview, refusals."""

from datetime import date, timedelta

import pytest

from app.casereview import queries, services
from app.casereview.models import CaseReviewError
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from tests.conftest import TODAY

START = date(2026, 11, 16)


def test_a_round_lasts_the_configured_cadence_and_rounds_never_overlap(app, team):
    first = services.create_round(team.coordinator, starts_on=START)
    assert first.ends_on == START + timedelta(weeks=6)
    with pytest.raises(CaseReviewError, match="Another round already covers"):
        services.create_round(team.coordinator, starts_on=START + timedelta(weeks=3))
    app.config["CASE_REVIEW_WEEKS"] = 4
    second = services.create_round(team.coordinator, starts_on=first.ends_on)
    assert second.ends_on == first.ends_on + timedelta(weeks=4)
    with pytest.raises(PermissionDenied):
        services.create_round(team.anna, starts_on=date(2027, 6, 1))


def test_one_review_per_interviewer_per_round_and_no_overlap(team):
    round_ = services.create_round(team.coordinator, starts_on=START)
    review = services.schedule_review(team.coordinator, round_, team.anna, on=TODAY)
    assert review.coordinator_id == team.coordinator.id
    with pytest.raises(CaseReviewError, match="already has a review in this round"):
        services.schedule_review(team.coordinator, round_, team.anna, on=TODAY + timedelta(1))
    later = services.create_round(team.coordinator, starts_on=round_.ends_on)
    with pytest.raises(CaseReviewError, match="earlier review that is not closed"):
        services.schedule_review(team.coordinator, later, team.anna, on=later.starts_on)
    services.close_review(team.coordinator, review, on=TODAY)
    assert services.schedule_review(team.coordinator, later, team.anna, on=later.starts_on)


def test_a_review_needs_cases_and_a_day_in_the_round(team):
    round_ = services.create_round(team.coordinator, starts_on=START)
    with pytest.raises(CaseReviewError, match="Ida Idle has no cases to review"):
        services.schedule_review(team.coordinator, round_, team.idle, on=TODAY)
    with pytest.raises(CaseReviewError, match="within the round"):
        services.schedule_review(team.coordinator, round_, team.bo, on=round_.ends_on)
    with pytest.raises(CaseReviewError, match="active interviewer"):
        services.schedule_review(team.coordinator, round_, team.leader, on=TODAY)


def test_the_overview_says_who_is_due_overdue_and_done(team):
    round_ = services.create_round(team.coordinator, starts_on=START)
    anna = services.schedule_review(team.coordinator, round_, team.anna, on=START)
    bo = services.schedule_review(team.coordinator, round_, team.bo, on=TODAY + timedelta(7))
    db.session.commit()
    states = {row.interviewer.id: row.state for row in queries.overview(round_, TODAY)}
    assert states == {team.anna.id: "overdue", team.bo.id: "due", team.idle.id: "not_scheduled"}
    services.close_review(team.coordinator, anna, on=TODAY)
    states = {row.interviewer.id: row.state for row in queries.overview(round_, TODAY)}
    assert states[team.anna.id] == "done"
    after = {row.interviewer.id: row.state for row in queries.overview(round_, round_.ends_on)}
    assert after == {team.anna.id: "done", team.bo.id: "overdue", team.idle.id: "overdue"}
    assert bo.state(TODAY) == "due"
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert {"casereview.round", "casereview.schedule", "casereview.close"} <= set(actions)


def test_a_review_is_not_closed_before_its_day(team):
    round_ = services.create_round(team.coordinator, starts_on=START)
    review = services.schedule_review(team.coordinator, round_, team.anna, on=TODAY)
    with pytest.raises(CaseReviewError, match="before the day"):
        services.close_review(team.coordinator, review, on=TODAY - timedelta(1))


def test_the_pages_schedule_and_show_refusals(client, auth, team):
    auth.login(user=team.coordinator)
    response = client.post("/case-reviews/", data={"starts_on": "2026-11-16"})
    assert response.status_code == 302
    round_url = response.headers["Location"]
    page = client.post(round_url, data={"interviewer": team.idle.id, "scheduled_on": "2026-11-23"})
    assert "Ida Idle has no cases to review" in page.get_data(as_text=True)
    done = client.post(round_url, data={"interviewer": team.anna.id, "scheduled_on": "2026-11-23"})
    assert done.status_code == 302
    html = client.get("/case-reviews/").get_data(as_text=True)
    assert "Anna Interviewer" in html and "Not scheduled" in html
