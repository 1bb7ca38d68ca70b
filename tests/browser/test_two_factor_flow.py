import os
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from app.core.users import Role
from tests.browser.menu import reveal
from tests.conftest import PASSWORD


@pytest.fixture
def live_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True, REQUIRE_2FA_ROLES=frozenset({Role.INTERVIEWER}))


def log_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_enrol_with_an_authenticator_and_log_in_with_a_code(
    live_app, live_server, page, make_user, tmp_path
):
    with live_app.app_context():
        make_user(roles=[Role.INTERVIEWER], username="ivar")

    log_in(page, live_server, "ivar")
    # An interviewer sees identity data: the set-up comes before anything else.
    page.wait_for_url(f"{live_server}/account/two-factor")
    expect(page.locator("svg.qr")).to_be_visible()
    shots = Path(os.environ.get("REDTHREAD_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "two-factor-setup.png"), full_page=True)
    page.goto(f"{live_server}/home")
    assert page.url == f"{live_server}/account/two-factor"

    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("Code").fill(totp.now())
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor login").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator("[data-recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(shots / "recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="I have saved the codes: continue").click()
    page.wait_for_url(f"{live_server}/home")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server}/login")

    # Logging in again takes the password, then a code; the set-up's code cannot be reused,
    # so this uses the next time step's code (accepted for clock drift).
    log_in(page, live_server, "ivar")
    page.wait_for_url(f"{live_server}/login/code")
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/home")
    nav = page.get_by_role("navigation", name="Main menu")
    expect(reveal(nav, "My participants")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # A recovery code works once in place of the phone.
    log_in(page, live_server, "ivar")
    page.wait_for_url(f"{live_server}/login/code")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/home")
    expect(page.get_by_text("9 are left")).to_be_visible()
    assert page.console_errors == []
