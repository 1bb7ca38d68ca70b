"""Two browsers editing the same transcript or memo: the second save is refused with a
clear message, nothing the first one saved is overwritten, and nothing the second one typed
is lost."""

from datetime import UTC, date, datetime

from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.test_interview_flow import login
from tests.browser.test_transcript_flow import until

TEXT = b"Interviewer: How are you today?\nYoung person: Fine, thank you.\n"


def _consented_interview(make_user, make_participant, make_offer, give_consent):
    """Kim, an interviewer, and an interview booked for her with consent to every scope."""
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode

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
    return kim, interview


def test_the_second_of_two_editors_is_refused_and_nothing_is_lost(
    live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.transcripts import versions
    from app.transcripts.models import Transcript

    with live_app.app_context():
        kim, interview = _consented_interview(make_user, make_participant, make_offer,
                                              give_consent)  # fmt: skip
        interviews.conduct(kim, interview, date(2026, 11, 10))
        transcript = versions.import_transcript(kim, interview, TEXT, "notes.txt")
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
        until(second, "!document.querySelector('[data-conflict]').hidden")
        panel = second.locator("[data-conflict]")
        assert "saved in another window" in panel.inner_text()
        # Both versions of the segments that differ are shown; the typed text stays put.
        assert "How are you today, Alva?" in panel.inner_text()
        assert "Fine. Tired, but fine." in panel.inner_text()
        assert second.locator("[data-text]").nth(1).input_value() == "Fine. Tired, but fine."
        # Typing on saves nothing while the choice is open.
        second.locator("[data-text]").nth(1).fill("Fine. Tired, but fine, really.")
        second.wait_for_timeout(2000)
        with live_app.app_context():
            saved = db.session.get(Transcript, transcript_id)
            texts = [s.text for s in saved.segments]
            assert texts == ["How are you today, Alva?", "Fine, thank you."]
            assert saved.revision == 1

        # Keep mine: this window's transcript is saved over the version it was shown.
        second.get_by_role("button", name="Keep mine").click()
        until(second, "document.querySelector('[data-status]').textContent === 'Saved'")
        assert panel.is_hidden()
        with live_app.app_context():
            saved = db.session.get(Transcript, transcript_id)
            assert [s.text for s in saved.segments] == [
                "How are you today?", "Fine. Tired, but fine, really."]  # fmt: skip

        # The first window now meets the conflict and takes the saved version instead.
        first.locator("[data-text]").nth(1).fill("Something else.")
        until(first, "!document.querySelector('[data-conflict]').hidden")
        first.get_by_role("button", name="Use the saved version").click()
        assert first.locator("[data-text]").nth(1).input_value() == "Fine. Tired, but fine, really."
        first.locator("[data-text]").first.fill("How are you today, Alva?")
        until(first, "document.querySelector('[data-status]').textContent === 'Saved'")
        with live_app.app_context():
            saved = db.session.get(Transcript, transcript_id)
            assert [s.text for s in saved.segments] == [
                "How are you today, Alva?", "Fine. Tired, but fine, really."]  # fmt: skip
    finally:
        for page in editors:
            page.context.close()


def _memo_pages(live_app, live_server, browser, make_user, make_participant, make_offer,
                give_consent, scripts=(True, True)):  # fmt: skip
    """An interview with its memo page open in two browsers (same person, two desks), each
    with or without its scripts as ``scripts`` says."""
    with live_app.app_context():
        _, interview = _consented_interview(make_user, make_participant, make_offer,
                                            give_consent)  # fmt: skip
        interview_id = interview.id
    pages = []
    for script in scripts:
        context = browser.new_context(locale="en-GB", java_script_enabled=script)
        page = context.new_page()
        errors = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.console_errors = errors
        login(page, live_server, "kim")
        page.goto(f"{live_server}/interviews/{interview_id}/memos")
        if script:
            page.locator("#network form[data-autosave-ready]").wait_for()
        pages.append(page)
    return interview_id, pages


def _saved_memo(live_app, interview_id):
    from sqlalchemy import select

    from app.core.db import db
    from app.interviews.models import Memo

    with live_app.app_context():
        memo = db.session.scalar(
            select(Memo).where(Memo.interview_id == interview_id, Memo.section_key == "network")
        )
        return (memo.text, memo.revision) if memo else None


def test_a_memo_typed_in_a_second_window_is_never_lost(
    live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
):
    """Window A saves; window B, loaded before, types: B's autosave is refused, B's text stays
    in B's editor beside A's, autosave stops, a reload keeps it, and "Keep both" saves the
    two for B to edit into one, which then saves against the newest revision."""
    interview_id, (first, second) = _memo_pages(
        live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
    )
    mine_a, mine_b = "A: her aunt Eva helps.", "B: she sees her brother on Sundays."
    try:
        first.locator("#network textarea").fill(mine_a)
        until(first, "document.querySelector('#network .memo-status').textContent === 'Saved'")

        editor = second.locator("#network textarea")
        editor.fill(mine_b)
        theirs = second.locator("#network [data-theirs]")
        theirs.filter(has_text=mine_a).wait_for()  # the conflict, shown side by side
        assert editor.input_value() == mine_b
        expect(
            second.locator("#network").get_by_text("saved in another window while")
        ).to_be_visible()
        expect(
            second.locator("#network").get_by_role("button", name="Save memo")
        ).not_to_be_visible()
        # Typing on while in conflict saves nothing over A's text.
        editor.fill(mine_b + " And Mum.")
        second.wait_for_timeout(2500)
        assert _saved_memo(live_app, interview_id) == (mine_a, 1)

        # A reload keeps B's text (this tab's storage) and the conflict.
        second.reload()
        second.locator("#network form[data-autosave-ready]").wait_for()
        assert editor.input_value() == mine_b + " And Mum."
        assert theirs.inner_text() == mine_a
        expect(
            second.locator("#network").get_by_text("saved in another window while")
        ).to_be_visible()
        assert _saved_memo(live_app, interview_id) == (mine_a, 1)

        second.locator("#network").get_by_role("button", name="Keep both").click()
        second.get_by_text("The memo was saved.").wait_for()
        both = (
            "--- Text typed while another window saved (kept from a conflict) ---\n"
            + mine_b
            + " And Mum.\n\n"
            "--- Text saved first in another window ---\n" + mine_a
        )
        assert _saved_memo(live_app, interview_id) == (both, 2)
        assert second.locator("#network textarea").input_value() == both
        expect(second.locator("#network [data-theirs]")).not_to_be_visible()

        # B edits the two into one; autosave saves it over the revision B now holds.
        merged = "Her aunt Eva helps; she sees her brother and Mum on Sundays."
        second.locator("#network form[data-autosave-ready]").wait_for()
        second.locator("#network textarea").fill(merged)
        until(second, "document.querySelector('#network .memo-status').textContent === 'Saved'")
        assert _saved_memo(live_app, interview_id) == (merged, 3)

        # A, still at revision 1, is now the one shown both texts; "Keep mine" wins on purpose.
        first.locator("#network textarea").fill(mine_a + " Often.")
        first.locator("#network [data-theirs]").filter(has_text=merged).wait_for()
        first.locator("#network").get_by_role("button", name="Keep mine").click()
        first.get_by_text("The memo was saved.").wait_for()
        assert _saved_memo(live_app, interview_id) == (mine_a + " Often.", 4)
        assert first.console_errors == [] and second.console_errors == []
    finally:
        for page in (first, second):
            page.context.close()


def test_without_scripts_save_memo_after_another_window_keeps_the_typed_text(
    live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
):
    """The plain form: "Save memo" from a page loaded before the other window saved answers
    with both texts (not a reload with only the other's), and "Keep both" saves the two."""
    interview_id, (first, second) = _memo_pages(
        live_app, live_server, browser, make_user, make_participant, make_offer, give_consent,
        scripts=(True, False),
    )  # fmt: skip
    try:
        first.locator("#network textarea").fill("A: her aunt Eva helps.")
        until(first, "document.querySelector('#network .memo-status').textContent === 'Saved'")
        second.locator("#network textarea").fill("B: she sees her brother.")
        second.locator("#network").get_by_role("button", name="Save memo").click()
        assert second.locator("#network textarea").input_value() == "B: she sees her brother."
        assert second.locator("#network [data-theirs]").inner_text() == "A: her aunt Eva helps."
        expect(
            second.locator("#network").get_by_text("saved in another window while")
        ).to_be_visible()
        assert _saved_memo(live_app, interview_id) == ("A: her aunt Eva helps.", 1)
        second.locator("#network").get_by_role("button", name="Keep both").click()
        second.get_by_text("The memo was saved.").wait_for()
        text, revision = _saved_memo(live_app, interview_id)
        assert revision == 2 and "B: she sees her brother." in text
        assert "A: her aunt Eva helps." in text
    finally:
        for page in (first, second):
            page.context.close()
