import os
from pathlib import Path

from playwright.sync_api import expect

from app.core.users import Role
from tests.browser.menu import reveal
from tests.conftest import PASSWORD


def test_login_navigation_and_language_switch(live_app, live_server, page, make_user, tmp_path):
    with live_app.app_context():
        make_user(roles=[Role.ADMIN], username="admin1", display_name="Ada Admin")

    page.goto(f"{live_server}/home")
    assert page.url.startswith(f"{live_server}/login")
    page.get_by_label("User name").fill("admin1")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_text("Wrong user name or password, or the account is locked")
    ).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/home")
    nav = page.get_by_role("navigation", name="Main menu")
    expect(reveal(nav, "Users")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()

    page.get_by_label("Language").select_option("da")
    page.get_by_role("button", name="Change").click()
    page.wait_for_function("document.documentElement?.lang === 'da'")
    assert page.url == f"{live_server}/home"
    nav = page.get_by_role("navigation", name="Hovedmenu")
    expect(reveal(nav, "Brugere")).to_be_visible()
    shots = Path(os.environ.get("REDTHREAD_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "home-da.png"), full_page=True)

    nav.get_by_role("link", name="Brugere").click()
    expect(page.get_by_role("heading", name="Brugere")).to_be_visible()
    page.screenshot(path=str(shots / "users-da.png"), full_page=True)
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.console_errors == []


def test_interviewer_sees_no_admin_pages(live_app, live_server, page, make_user):
    with live_app.app_context():
        make_user(roles=[Role.INTERVIEWER], username="int1")
    page.goto(f"{live_server}/login")
    page.get_by_label("User name").fill("int1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/home")
    assert (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Users").count()
        == 0
    )
    response = page.goto(f"{live_server}/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
