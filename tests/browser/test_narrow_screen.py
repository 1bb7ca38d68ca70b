"""A phone 390 px wide, with the demo's data: the register, the follow-up board and the
overview never scroll sideways; a wide table scrolls inside its own labelled, focusable box;
the menu folds behind one button."""

import os
from pathlib import Path

from playwright.sync_api import expect

from app.core.users import Role
from tests.browser.test_interview_flow import t

WIDTH, HEIGHT = 390, 844

# Every table either fits the screen or lies in a labelled, focusable region that scrolls.
TABLES_FIT = """() => Array.from(document.querySelectorAll('main table')).every((table) => {
    const box = table.closest('[role=region]');
    if (!box) return table.getBoundingClientRect().right <= window.innerWidth;
    return box.getAttribute('aria-label') && box.tabIndex === 0
        && getComputedStyle(box).overflowX === 'auto'
        && box.getBoundingClientRect().right <= window.innerWidth;
})"""


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_register_board_and_overview_fit_a_phone(live_app, live_server, browser, tmp_path):
    from app.core.db import db
    from app.demo import load_demo

    with live_app.app_context():
        passwords = load_demo()
        db.session.commit()
        _roles, password = passwords["kerstin"]
    context = browser.new_context(locale="sv-SE", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_server}/login")
        page.locator("#username").fill("kerstin")
        page.locator("#password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server}/home")

        shots = Path(os.environ.get("REDTHREAD_SCREENSHOTS", tmp_path))
        for path in ("/home", "/participants", "/follow-up/"):
            page.goto(f"{live_server}{path}")
            page.wait_for_function("document.querySelector('nav[data-menu]').dataset.enhanced")
            assert page_width(page) <= WIDTH, path
            assert page.evaluate(TABLES_FIT), path
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(shots / f"{name}-390-sv.png"), full_page=True)
        # the demo's register and board are wide enough to need their scrolling boxes
        page.goto(f"{live_server}/participants")
        region = page.get_by_role("region", name=t(live_app, "sv", "Participants"))
        assert region.evaluate("box => box.scrollWidth > box.clientWidth")
        page.goto(f"{live_server}/follow-up/")
        assert page.locator("main [role=region]").count() >= 2

        # The menu: one button; open, it lists the groups, and still nothing scrolls sideways.
        nav = page.get_by_role("navigation", name=t(live_app, "sv", "Main menu"))
        toggle = nav.get_by_role("button", name=t(live_app, "sv", "Menu"))
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert nav.locator("#main-menu").is_hidden()
        shown = [b.inner_text() for b in nav.get_by_role("button").all() if b.is_visible()]
        assert shown == [t(live_app, "sv", "Menu")]
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        group = nav.get_by_role("button", name=t(live_app, "sv", "Follow-up"))
        group.click()
        register = nav.get_by_role("link", name=t(live_app, "sv", "Register"), exact=True)
        expect(register).to_be_visible()
        assert page_width(page) <= WIDTH
        page.screenshot(path=str(shots / "menu-390-sv.png"))
        # Esc folds the open group first, then the menu, each time back to its button.
        page.keyboard.press("Escape")
        assert group.get_attribute("aria-expanded") == "false"
        assert group.evaluate("button => button === document.activeElement")
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert toggle.evaluate("button => button === document.activeElement")
        # On a wide screen the groups are in one row, each opening below its button.
        page.set_viewport_size({"width": 1280, "height": 800})
        assert toggle.is_hidden()
        group.click()
        expect(register).to_be_visible()
        page.screenshot(path=str(shots / "menu-1280-sv.png"))
        assert errors == []
    finally:
        context.close()


def test_without_javascript_every_group_is_a_visible_list(
    live_app, live_server, browser, make_user
):
    from tests.browser.test_interview_flow import login

    with live_app.app_context():
        make_user(roles=[Role.COORDINATOR, Role.ADMIN], username="kim")
    context = browser.new_context(
        locale="en-GB", java_script_enabled=False, viewport={"width": WIDTH, "height": HEIGHT}
    )
    page = context.new_page()
    try:
        login(page, live_server, "kim")
        nav = page.get_by_role("navigation", name="Main menu")
        assert nav.get_by_role("button").count() == 0  # nothing that would do nothing
        links = nav.get_by_role("link").all()
        assert len(links) >= 15 and all(link.is_visible() for link in links)
        expect(nav.locator(".menu-heading", has_text="Administration")).to_be_visible()
        assert page_width(page) <= WIDTH
    finally:
        context.close()
