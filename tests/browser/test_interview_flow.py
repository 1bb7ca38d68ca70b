"""An interviewer books an interview, writes memos from the guide (saved as they type) and
raises an ethics flag, in Danish; the coordinator sees and resolves it, in English, and the
flags page reads in Swedish."""

from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.menu import follow
from tests.conftest import PASSWORD


def t(app, language: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(message, **values)


def login(page, server, username):
    page.goto(f"{server}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server}/home")


def test_interview_memos_and_ethics_flag(
    live_app, live_server, page, make_user, make_participant, make_offer
):
    from app.core.db import db

    with live_app.app_context():
        sync_guides()
        seed_forms()
        db.session.commit()
        make_user(roles=[Role.COORDINATOR], username="kerstin", language="en")
        mette = make_user(roles=[Role.INTERVIEWER], username="mette", language="da",
                          display_name="Mette Kjærgaard")  # fmt: skip
        participant = make_participant(name="Freja Olsen")
        make_offer(participant.placements[0], answer="accepted", interviewer_id=mette.id)
        participant_id = participant.id

    def da(message, **values):
        return t(live_app, "da", message, **values)

    login(page, live_server, "mette")
    nav = page.get_by_role("navigation", name=da("Main menu"))
    follow(nav, da("My participants"))
    page.get_by_role("link", name=participant.code).click()
    assert page.url.endswith(f"/participants/{participant_id}")
    page.get_by_role("link", name=da("Book the interview")).click()
    page.get_by_label(da("Date")).fill("2026-11-20")
    page.get_by_label(da("Time")).fill("14:30")
    page.get_by_label(da("Place")).fill("Familiehuset")
    page.get_by_label(da("Language of the interview and guide")).select_option("da")
    page.get_by_role("button", name=da("Book"), exact=True).click()
    expect(page.get_by_text(da("The interview was booked."))).to_be_visible()

    # Consent first: without it no memo can be written.
    page.get_by_role("link", name=da("Consent and withdrawal")).click()
    page.get_by_label(da("Given verbally, before a witness")).check()
    page.get_by_label(da("Witness"), exact=True).fill("Kollega Jens")
    page.get_by_role("button", name=da("Record consent")).click()
    expect(page.get_by_text(da("The consent was recorded."))).to_be_visible()
    page.get_by_role("link", name=da("Back to the interview")).click()
    page.get_by_role("link", name=da("Guide and memos")).click()
    # typed before the page's script listens, a memo would wait for the form's own button
    page.locator("#life_now form[data-autosave-ready]").wait_for()
    memo = page.locator("#life_now textarea")
    memo.fill("Går på HF og har et fritidsjob. »Jeg klarer mig.«")
    status = page.locator("#life_now .memo-status")
    status.filter(has_text=da("Saved")).wait_for()
    page.reload()
    assert "Jeg klarer mig" in page.locator("#life_now textarea").input_value()

    page.get_by_role("link", name=da("Back to the interview")).click()
    page.get_by_label(da("What was said")).fill("Lillebror bliver slået derhjemme.")
    page.get_by_label(da("The follow-up it demands")).fill("Underretning i dag.")
    page.get_by_label(da("Due")).fill("2026-11-24")
    page.get_by_role("button", name=da("Raise flag")).click()
    expect(page.get_by_text(da("The ethics flag was raised."))).to_be_visible()
    page.get_by_role("button", name=da("Log out")).click()

    login(page, live_server, "kerstin")
    page.goto(f"{live_server}/follow-up/")
    flags = page.locator("section", has=page.get_by_role("heading", name="Open ethics flags"))
    flags.get_by_role("link").first.click()
    expect(page.get_by_text("Lillebror bliver slået derhjemme.")).to_be_visible()
    page.get_by_label("What was done").fill("Underretning sendt 23/11.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("The ethics flag was resolved.")).to_be_visible()
    page.get_by_label("Language").select_option("sv")
    page.locator(".language-form button").click()
    page.wait_for_function("document.documentElement?.lang === 'sv'")
    expect(page.get_by_role("heading", name=t(live_app, "sv", "Ethics flags"))).to_be_visible()
    assert page.console_errors == []
