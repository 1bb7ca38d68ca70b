"""Two browsers editing the same transcript: the second save is refused with a clear
message, and nothing the first one saved is overwritten."""

from datetime import UTC, date, datetime

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.test_interview_flow import login
from tests.browser.test_transcript_flow import until

TEXT = b"Interviewer: How are you today?\nYoung person: Fine, thank you.\n"


def test_the_second_of_two_editors_is_refused_and_nothing_is_lost(
    live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.transcripts import services
    from app.transcripts.models import Transcript

    with live_app.app_context():
        sync_guides()
        seed_forms()
        kim = make_user(roles=[Role.INTERVIEWER], username="kim")
        participant = make_participant(birth_date=date(2001, 3, 3))
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=kim.id)
        interview = interviews.book(
            kim, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=kim, language="en",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, kim)
        interviews.conduct(kim, interview, date(2026, 11, 10))
        transcript = services.import_transcript(kim, interview, TEXT, "notes.txt")
        db.session.commit()
        transcript_id = transcript.id

    editors = []
    for _ in range(2):  # two browsers: separate cookies, same person at two desks
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        login(page, live_server, "kim")
        page.goto(f"{live_server}/transcripts/{transcript_id}")
        editors.append(page)
    first, second = editors
    try:
        first.locator("[data-text]").first.fill("How are you today, Alva?")
        until(first, "document.querySelector('[data-status]').textContent === 'Saved'")

        second.locator("[data-text]").nth(1).fill("Fine. Tired, but fine.")
        until(second, "document.querySelector('[data-status]').classList.contains('memo-error')")
        message = second.locator("[data-status]").inner_text()
        assert "Someone else saved this transcript meanwhile" in message
        assert "Reload the page" in message

        with live_app.app_context():
            saved = db.session.get(Transcript, transcript_id)
            texts = [s.text for s in saved.segments]
            assert texts == ["How are you today, Alva?", "Fine, thank you."]
            assert saved.revision == 1

        # After a reload the second browser sees the first one's words and can save its own.
        second.reload()
        assert second.locator("[data-text]").first.input_value() == "How are you today, Alva?"
        second.locator("[data-text]").nth(1).fill("Fine. Tired, but fine.")
        until(second, "document.querySelector('[data-status]').textContent === 'Saved'")
        with live_app.app_context():
            saved = db.session.get(Transcript, transcript_id)
            assert [s.text for s in saved.segments] == [
                "How are you today, Alva?", "Fine. Tired, but fine."]  # fmt: skip
    finally:
        for page in editors:
            page.context.close()
