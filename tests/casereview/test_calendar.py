"""Private calendar feeds: a secret address, only its hash kept, codes only, reset at once."""

import hashlib
from datetime import date, timedelta

import icalendar
from sqlalchemy import select

from app.casereview import services
from app.casereview.models import CalendarFeed, Section
from app.core.audit_entry import AuditEntry
from app.core.db import db
from tests.conftest import TODAY


def _token(html: str) -> str:
    marker = "/case-reviews/calendar/"
    start = html.index(marker) + len(marker)
    return html[start : html.index(".ics", start)]


def test_the_feed_holds_the_users_dated_items_as_codes(client, auth, team):
    round_ = services.create_round(team.coordinator, starts_on=date(2026, 11, 16))
    review = services.schedule_review(team.coordinator, round_, team.anna, on=TODAY)
    services.add_note(team.coordinator, review, section=Section.UNTIL, text="Ring Secret Name",
                      due_on=TODAY + timedelta(days=4))  # fmt: skip
    db.session.commit()
    auth.login(user=team.anna)
    html = client.post("/case-reviews/calendar").get_data(as_text=True)
    token = _token(html)
    stored = db.session.scalar(select(CalendarFeed.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    auth.logout()
    response = client.get(f"/case-reviews/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "Secret" not in body and "Anna" not in body
    cal = icalendar.Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    c = team.codes
    assert f"Interview: {c['booked']}" in events
    assert events[f"Interview: {c['booked']}"].decoded("dtstart").hour == 9
    assert events["Case review"].decoded("dtstart") == TODAY
    assert events["Case review item due"].decoded("dtstart") == TODAY + timedelta(days=4)
    assert f"Offer window closes: {c['unanswered']}" in events
    assert f"Ethics flag follow-up due: {c['unverified']}" in events
    assert f"Offer window closes: {c['opening']}" not in events  # nobody's offer yet
    assert not any("P-2024-009" in s for s in events)  # Bo's case


def test_a_reset_address_stops_working_at_once_and_both_are_audited(client, auth, team):
    auth.login(user=team.bo)
    first = _token(client.post("/case-reviews/calendar").get_data(as_text=True))
    second = _token(client.post("/case-reviews/calendar").get_data(as_text=True))
    assert first != second
    assert client.get(f"/case-reviews/calendar/{first}.ics").status_code == 404
    assert client.get(f"/case-reviews/calendar/{second}.ics").status_code == 200
    assert client.get("/case-reviews/calendar/nonsense.ics").status_code == 404
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("calendar.%"))
    ).all()
    assert actions == ["calendar.create", "calendar.reset"]
    assert db.session.scalar(select(db.func.count(CalendarFeed.id))) == 1


def test_an_address_can_be_turned_off(client, auth, team):
    auth.login(user=team.bo)
    token = _token(client.post("/case-reviews/calendar").get_data(as_text=True))
    assert "Turn my calendar address off" in client.get("/case-reviews/calendar").get_data(
        as_text=True
    )
    page = client.post("/case-reviews/calendar/stop", follow_redirects=True)
    assert "Your calendar address was turned off" in page.get_data(as_text=True)
    assert client.get(f"/case-reviews/calendar/{token}.ics").status_code == 404
    assert db.session.scalar(select(db.func.count(CalendarFeed.id))) == 0
    assert "Turn my calendar address off" not in page.get_data(as_text=True)
    assert db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "calendar.stop")
    ).all() == ["calendar.stop"]


def test_a_deactivated_users_feed_stops(client, auth, team):
    auth.login(user=team.bo)
    token = _token(client.post("/case-reviews/calendar").get_data(as_text=True))
    team.bo.active = False
    db.session.commit()
    assert client.get(f"/case-reviews/calendar/{token}.ics").status_code == 404


def test_the_home_page_reminds_of_what_is_due_within_a_week(client, auth, team):
    round_ = services.create_round(team.coordinator, starts_on=date(2026, 11, 16))
    review = services.schedule_review(team.coordinator, round_, team.anna, on=TODAY)
    services.add_note(team.coordinator, review, section=Section.UNTIL, text="Soon",
                      due_on=TODAY + timedelta(days=6))  # fmt: skip
    services.add_note(team.coordinator, review, section=Section.UNTIL, text="Later",
                      due_on=TODAY + timedelta(days=30))  # fmt: skip
    db.session.commit()
    auth.login(user=team.anna)
    html = client.get("/home").get_data(as_text=True)
    section = html[html.index('id="reminders-title"') :]
    assert "Case review item due" in section and "Ethics flag follow-up due" in section
    assert f"Interview: {team.codes['booked']}" in section
    assert section.count("Case review item due") == 1
    assert "Secret" not in html
