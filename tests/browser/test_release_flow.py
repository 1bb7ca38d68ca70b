"""An interviewer, in Swedish, reviews what identifies people in a verified transcript,
renames [Person 1] by role, and releases it; a researcher then reads only the released text."""

from datetime import UTC, date, datetime

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.test_interview_flow import login, t
from tests.releases.test_releases import SRT


def test_review_rename_release_and_read_as_researcher(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.transcripts import services as transcripts

    with live_app.app_context():
        sync_guides()
        seed_forms()
        sven = make_user(roles=[Role.INTERVIEWER], username="sven", language="sv")
        make_user(roles=[Role.RESEARCHER], username="rut", language="en")
        participant = make_participant(birth_date=date(2001, 3, 3))
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=sven.id)
        interview = interviews.book(
            sven, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=sven, language="sv",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, sven)
        interviews.conduct(sven, interview, date(2026, 11, 10))
        transcript = transcripts.import_transcript(sven, interview, SRT, "samtal.srt")
        transcripts.verify(sven, transcript)
        db.session.commit()
        interview_id, code = interview.id, participant.code

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    login(page, live_server, "sven")
    page.goto(f"{live_server}/interviews/{interview_id}")
    page.get_by_role("link", name=sv("Pseudonymise and release")).click()
    assert page.locator("mark.pii-person").first.inner_text() == "Birgitta"
    assert page.locator("mark.pii-location").first.inner_text() == "Kil"
    page.get_by_label(sv("Rename %(placeholder)s", placeholder="[Person 1]")).fill("Fostermamma")
    page.locator("input[name='additions-0-surface']").fill("varje dag")
    page.locator("select[name='additions-0-kind']").select_option("DATE")
    page.get_by_role("button", name=sv("Release this version")).click()
    assert page.get_by_text(sv("Version %(n)s was released.", n=1)).is_visible()
    released = page.locator("ol.released").inner_text()
    assert "[Fostermamma]s kök" in released and "Birgitta" not in released
    assert "varje dag" not in released
    page.get_by_role("button", name=sv("Log out")).click()

    login(page, live_server, "rut")
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Released transcripts").click()  # fmt: skip
    page.get_by_role("row", name=code).get_by_role("link").click()
    text = page.locator("ol.released").inner_text()
    assert "[Fostermamma]" in text and "[Ort 1]" in text
    assert "Birgitta" not in text and "Kil" not in text and "070-123" not in text
    assert page.console_errors == []
