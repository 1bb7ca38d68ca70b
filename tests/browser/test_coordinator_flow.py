"""A coordinator imports a register, offers an interview, assigns it and reads the attrition
report, in the browser, in Swedish; then checks the dashboard in Danish and English."""

import os
from pathlib import Path

from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect

from app.core.users import Role
from tests.browser.menu import follow
from tests.conftest import PASSWORD

REGISTER = (
    "Namn;Födelsedatum;Personnummer;Placering start;Placering slut;Boende vid avslut;"
    "Socialsekreterare\r\n"
    "Åsa Öberg;2006-02-11;20060211-0017;2012-03-01;2024-06-30;Familjehem;Jonas Ek\r\n"
    "Elias Nyström;11.07.2007;;1/3 2014;31.10.2023;HVB;\r\n"
).encode("cp1252")


def t(app, language: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(message, **values)


def test_coordinator_imports_offers_and_reports(live_app, live_server, page, make_user, tmp_path):
    with live_app.app_context():
        make_user(roles=[Role.COORDINATOR], username="kerstin", language="sv")
        make_user(roles=[Role.INTERVIEWER], username="jonas", display_name="Jonas Ek")
    shots = Path(os.environ.get("REDTHREAD_SCREENSHOTS", tmp_path))

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    page.goto(f"{live_server}/login")
    page.locator("#username").fill("kerstin")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/home")
    assert page.locator("html").get_attribute("lang") == "sv"

    nav = page.get_by_role("navigation", name=sv("Main menu"))
    follow(nav, sv("Register"))
    page.get_by_role("link", name=sv("Import a register file")).click()
    upload = {"name": "register.csv", "mimeType": "text/csv", "buffer": REGISTER}
    page.locator("input[type=file]").set_input_files(upload)
    page.get_by_role("button", name=sv("Upload and preview")).click()
    with live_app.test_request_context(), force_locale("sv"):
        ready = ngettext("The row is ready to import.", "All %(num)d rows are ready to import.", 2)
    expect(page.get_by_text(ready)).to_be_visible()
    expect(page.get_by_text("Windows-1252")).to_be_visible()
    page.screenshot(path=str(shots / "import-preview-sv.png"), full_page=True)
    with live_app.test_request_context(), force_locale("sv"):
        import_all = ngettext("Import the row", "Import all %(num)d rows", 2)
    page.get_by_role("button", name=import_all).click()
    with live_app.test_request_context(), force_locale("sv"):
        imported = ngettext("%(num)d row was imported.", "%(num)d rows were imported.", 2)
    expect(page.get_by_text(imported)).to_be_visible()
    page.get_by_role("link", name=sv("Open the register")).click()
    expect(page.get_by_role("cell", name="Åsa Öberg")).to_be_visible()
    expect(page.get_by_role("cell", name="Elias Nyström")).to_be_visible()
    page.screenshot(path=str(shots / "register-sv.png"), full_page=True)

    follow(nav, sv("Deadlines and offers"))
    due = page.locator("section", has=page.get_by_role("heading", name=sv("Due to be offered now")))
    due.get_by_role("link").first.click()
    page.get_by_label(sv("Offered on")).fill("2026-07-02")
    page.get_by_label(sv("How")).select_option("letter")
    page.get_by_role("button", name=sv("Record offer")).click()
    expect(page.get_by_text(sv("The offer was recorded."))).to_be_visible()
    page.get_by_label(sv("Answer"), exact=True).select_option("accepted")
    page.get_by_label(sv("Answered on")).fill("2026-07-20")
    page.get_by_role("button", name=sv("Save answer")).click()
    suggestion = sv(
        "Suggested: %(name)s, the young person's own former social worker.", name="Jonas Ek"
    )
    expect(page.get_by_text(suggestion)).to_be_visible()
    page.get_by_role("button", name=sv("Assign")).click()
    expect(page.get_by_text(sv("The interviewer was assigned."))).to_be_visible()
    page.screenshot(path=str(shots / "follow-up-sv.png"), full_page=True)

    follow(nav, sv("Attrition"))
    chart = page.locator("figure img")
    chart.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", chart.element_handle())
    page.screenshot(path=str(shots / "attrition-sv.png"), full_page=True)

    for language in ("da", "en"):
        page.get_by_label(sv("Language") if language == "da" else "Sprog").select_option(language)
        page.locator(".language-form button").click()
        page.wait_for_function(f"document.documentElement?.lang === '{language}'")
        heading = t(live_app, language, "Attrition report")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.goto(f"{live_server}/follow-up/")
    expect(page.get_by_role("heading", name="Follow-up", exact=True)).to_be_visible()
    assert page.console_errors == []
