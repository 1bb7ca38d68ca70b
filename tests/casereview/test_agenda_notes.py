"""The prepared agenda, the notes and their carrying over, and the status to the leader."""

import json
from datetime import date, timedelta

import pytest

from app.casereview import queries, services
from app.casereview.models import CaseNote, CaseReview, CaseReviewError, CaseReviewStatus, Section
from app.core.db import db
from app.core.permissions import PermissionDenied
from tests.conftest import TODAY

START = date(2026, 11, 16)


@pytest.fixture
def review(team):
    round_ = services.create_round(team.coordinator, starts_on=START)
    made = services.schedule_review(team.coordinator, round_, team.anna, on=TODAY)
    db.session.commit()
    return made


def codes(rows):
    return [row.code for row in rows]


def test_the_agenda_lists_each_kind_of_open_work(app, team, review):
    agenda = queries.agenda(review, TODAY)
    c = team.codes
    assert agenda.next_review_on == TODAY + timedelta(weeks=6)
    assert [(r.code, r.what) for r in agenda.windows] == [(c["opening"], "opens")]
    assert codes(agenda.unanswered) == [c["unanswered"]]
    assert codes(agenda.unbooked) == [c["unbooked"]]
    # held 20 days ago: late; held 3 days ago: not yet
    assert codes(agenda.undocumented) == [c["undocumented"]]
    assert codes(agenda.unverified) == [c["unverified"]]
    assert codes(agenda.unreleased) == [c["unreleased"]]
    assert codes(agenda.flags) == [c["unverified"]]
    assert agenda.assigned_this_year == 0 or agenda.target == app.config["INTERVIEW_TARGET"]
    # a review in three weeks still lists the window that opens in two (not saved: the
    # agenda reads only who and when)
    later = CaseReview(interviewer_id=team.anna.id, scheduled_on=TODAY + timedelta(days=21))
    assert [r.code for r in queries.agenda(later, TODAY).windows] == [c["opening"]]
    app.config["CASE_REVIEW_DOCUMENT_DAYS"] = 2
    assert set(codes(queries.agenda(review, TODAY).undocumented)) == {
        c["undocumented"], c["fresh"]
    }  # fmt: skip


def test_the_agenda_page_shows_codes_and_never_names(client, auth, team, review):
    auth.login(user=team.anna)
    html = client.get(f"/case-reviews/{review.id}").get_data(as_text=True)
    for code in team.codes.values():
        if code != team.codes["fresh"] and code != team.codes["booked"]:
            assert code in html
    assert "Secret Name" not in html


def test_only_the_coordinator_and_that_interviewer_see_a_review(client, auth, team, review):
    services.add_note(team.anna, review, section=Section.SINCE, text="Met P-2024-001's school",
                      due_on=None)  # fmt: skip
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.notes_of(team.bo, review)
    with pytest.raises(PermissionDenied):
        services.add_note(team.bo, review, section=Section.UNTIL, text="x", due_on=None)
    with pytest.raises(PermissionDenied):
        services.notes_of(team.leader, review)
    assert len(services.notes_of(team.coordinator, review)["since"]) == 1
    auth.login(user=team.bo)
    assert client.get(f"/case-reviews/{review.id}").status_code == 403
    assert (
        client.post(
            f"/case-reviews/{review.id}/notes",
            data={"section": "until", "text": "sneaky", "participant": 0, "interview": 0},
        ).status_code
        == 403
    )
    assert db.session.scalar(db.select(db.func.count(CaseNote.id))) == 1


def test_a_note_points_only_at_the_interviewers_own_cases(team, review, make_participant):
    own = dict(services.case_choices(team.anna.id))
    pid = next(p for p, code in own.items() if code == team.codes["unbooked"])
    note = services.add_note(team.coordinator, review, section=Section.UNTIL, text="Book it",
                             due_on=TODAY + timedelta(days=10), participant_id=pid)  # fmt: skip
    assert note.participant.code == team.codes["unbooked"]
    bo_case = services.case_choices(team.bo.id)[0][0]
    with pytest.raises(CaseReviewError, match="interviewer's participants"):
        services.add_note(team.coordinator, review, section=Section.UNTIL, text="x",
                          due_on=None, participant_id=bo_case)  # fmt: skip


def test_open_items_come_back_at_the_next_review_and_closed_notes_are_frozen(team, review):
    keep = services.add_note(team.coordinator, review, section=Section.UNTIL, text="Call school",
                             due_on=TODAY + timedelta(days=20))  # fmt: skip
    finished = services.add_note(team.coordinator, review, section=Section.UNTIL,
                                 text="Send letter", due_on=TODAY + timedelta(days=3))  # fmt: skip
    services.mark_done(team.anna, review, finished, on=TODAY)
    services.close_review(team.coordinator, review, on=TODAY)
    with pytest.raises(CaseReviewError, match="closed"):
        services.add_note(team.coordinator, review, section=Section.SINCE, text="x", due_on=None)
    with pytest.raises(CaseReviewError, match="closed"):
        services.mark_done(team.coordinator, review, keep, on=TODAY)
    later = services.create_round(team.coordinator, starts_on=review.round.ends_on)
    following = services.schedule_review(team.coordinator, later, team.anna, on=later.starts_on)
    assert [n.text for n in services.notes_of(team.anna, following)["carried"]] == ["Call school"]
    services.mark_done(team.anna, following, keep, on=later.starts_on)
    carried = services.notes_of(team.anna, following)["carried"]
    assert [(n.text, n.done) for n in carried] == [("Call school", True)]
    services.close_review(team.coordinator, following, on=later.starts_on)
    third = services.create_round(team.coordinator, starts_on=later.ends_on)
    last = services.schedule_review(team.coordinator, third, team.anna, on=third.starts_on)
    assert services.notes_of(team.anna, last)["carried"] == []


def test_the_status_to_the_leader_names_nobody_and_is_sent_once(client, auth, team, review):
    with pytest.raises(CaseReviewError, match="Close the review"):
        services.send_status(team.coordinator, review, counts={}, remark="")
    services.close_review(team.coordinator, review, on=TODAY)
    db.session.commit()
    auth.login(user=team.coordinator)
    response = client.post(f"/case-reviews/{review.id}/status", data={"remark": "Steady work"})
    assert response.status_code == 302
    status = db.session.scalar(db.select(CaseReviewStatus))
    counts = json.loads(status.counts)
    assert counts["unbooked"] == 1 and counts["windows"] == 1 and counts["flags"] == 1
    with pytest.raises(CaseReviewError, match="already been sent"):
        services.send_status(team.coordinator, review, counts={}, remark="")
    auth.logout()
    auth.login(user=team.leader)
    html = client.get("/case-reviews/statuses").get_data(as_text=True)
    assert "Steady work" in html and "&lt; 3" in html
    assert "Anna" not in html and "P-2024" not in html and "Secret" not in html
    assert client.get(f"/case-reviews/{review.id}").status_code == 403
    auth.logout()
    auth.login(user=team.anna)
    assert client.get("/case-reviews/statuses").status_code == 403


def test_small_counts_are_shown_as_under_three():
    assert [queries.shown_count(n) for n in (0, 1, 2, 3, 10)] == ["0", "< 3", "< 3", "3", "10"]
