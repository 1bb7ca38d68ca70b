"""An interviewer records consent with its scan, in Swedish, conducts the interview and writes
a memo; the coordinator, in Danish, withdraws research use and then taking part; the
interviewer's memos are gone and the page says why, in Swedish."""

from datetime import UTC, datetime

from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode
from tests.browser.menu import follow
from tests.browser.test_interview_flow import login
from tests.consent.pdfs import MINIMAL

PDF = MINIMAL


def test_consent_withdrawal_and_its_effects(
    live_app, live_server, page, make_user, make_participant, make_offer
):
    from app.core.db import db

    with live_app.app_context():
        sync_guides()
        seed_forms()
        kerstin = make_user(roles=[Role.COORDINATOR], username="kerstin", language="da",
                            display_name="Kerstin Holm")  # fmt: skip
        anna = make_user(roles=[Role.INTERVIEWER], username="anna", language="sv",
                         display_name="Anna Berg")  # fmt: skip
        participant = make_participant(name="Elin Sandberg")
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=anna.id)
        interview = interviews.book(
            kerstin, offer, scheduled_at=datetime(2026, 11, 18, 10, tzinfo=UTC),
            place="Familjecentralen", mode=Mode.IN_PERSON, interviewer=anna, language="sv",
        )  # fmt: skip
        db.session.commit()
        interview_id, code = interview.id, participant.code

    def t(language, message, **values):
        with live_app.test_request_context(), force_locale(language):
            return gettext(message, **values)

    def sv(message, **values):
        return t("sv", message, **values)

    def da(message, **values):
        return t("da", message, **values)

    login(page, live_server, "anna")
    page.goto(f"{live_server}/interviews/{interview_id}")
    expect(page.get_by_text(sv("No consent is in force yet."), exact=False).first).to_be_visible()
    page.get_by_role("link", name=sv("Consent and withdrawal")).click()
    record = page.locator("form[action$='/record']")
    for scope in ("Audio recording", "Automated transcription", "Research use",
                  "Quotation in the review"):  # fmt: skip
        record.get_by_label(sv(scope)).check()
    record.get_by_label(sv("Signed on paper (scan attached)")).check()
    record.get_by_label(sv("Scan of the signed form (PDF, JPEG or PNG)")).set_input_files(
        files=[{"name": "samtycke.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    record.get_by_role("button", name=sv("Record consent")).click()
    expect(page.get_by_text(sv("The consent was recorded."))).to_be_visible()
    assert page.locator("tr[data-scope=research_use] td.in-force").inner_text() == sv("yes")
    with page.expect_download() as download:
        page.get_by_role("link", name=sv("Download the scan")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name=sv("Receipt for the young person")).click()
    expect(page.get_by_text("Elin Sandberg")).to_be_visible()
    page.get_by_role("link", name=sv("Back to the consent")).click()
    page.get_by_role("link", name=sv("Back to the interview")).click()

    page.get_by_label(sv("Conducted on")).fill("2026-11-18")
    page.get_by_role("button", name=sv("Mark as conducted")).click()
    expect(page.get_by_text(sv("The interview was marked as conducted."))).to_be_visible()
    page.get_by_role("link", name=sv("Guide and memos")).click()
    # typed before the page's script listens, a memo would wait for the form's own button
    page.locator("#life_now form[data-autosave-ready]").wait_for()
    page.locator("#life_now textarea").fill("Läser till undersköterska. Stolt över det.")
    page.locator("#life_now .memo-status").filter(has_text=sv("Saved")).wait_for()
    page.get_by_role("button", name=sv("Log out")).click()

    login(page, live_server, "kerstin")
    nav = page.get_by_role("navigation", name=da("Main menu"))
    follow(nav, da("Consent"))
    page.get_by_role("link", name=code).first.click()
    withdraw = page.locator("form[action$='/withdraw']")
    withdraw.get_by_label(da("Research use")).check()
    withdraw.get_by_label(da("How it reached us")).select_option("email")
    withdraw.get_by_role("button", name=da("Record the withdrawal")).click()
    expect(
        page.get_by_text(da("The withdrawal was recorded and has taken effect."))
    ).to_be_visible()
    assert page.locator("tr[data-scope=research_use] td.in-force").inner_text() == da("no")
    assert page.locator("tr[data-scope=participation] td.in-force").inner_text() == da("yes")

    withdraw = page.locator("form[action$='/withdraw']")
    withdraw.get_by_label(da("Taking part")).check()
    withdraw.get_by_role("button", name=da("Record the withdrawal")).click()
    with live_app.test_request_context(), force_locale("da"):
        erased = ngettext("%(num)s memo erased.", "%(num)s memos erased.", 1)
    expect(page.get_by_text(erased)).to_be_visible()
    assert page.locator("form[action$='/withdraw']").count() == 0
    page.get_by_role("button", name=da("Log out")).click()

    login(page, live_server, "anna")
    response = page.goto(f"{live_server}/interviews/{interview_id}/memos")
    assert response.status == 403
    refusal = sv(
        "The consent for this interview does not cover %(scope)s, so this cannot be done. "
        "Nothing was shown or changed.",
        scope=sv("Taking part"),
    )
    expect(page.get_by_text(refusal)).to_be_visible()
    assert page.console_errors == [] or all("403" in e for e in page.console_errors)
