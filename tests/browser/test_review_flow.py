"""A coordinator prepares the year's review session and builds its pack; a member, in
Danish, prepares, writes a note and an action, and finds it on the action board."""

# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)
from playwright.sync_api import expect

from tests.browser.menu import follow
from tests.browser.test_interview_flow import login, t
from tests.browser.test_transcript_flow import until
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)


def test_prepare_build_hold_and_follow_up(live_app, live_server, page, corpus):
    from app.core.db import db

    with live_app.app_context():
        member = db.session.merge(corpus["member"])
        member.language = "da"
        db.session.commit()
        boss_name, member_name = corpus["boss"].username, member.username
        member_label = member.display_name

    def da(message, **values):
        return t(live_app, "da", message, **values)

    login(page, live_server, boss_name)
    page.goto(f"{live_server}/reviews/")
    page.get_by_role("link", name="New session").click()
    page.get_by_label("Title").fill("Annual review 2026")
    page.get_by_label("Date of the meeting").fill("2026-12-10")
    page.get_by_label(member_label).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The session was saved.")).to_be_visible()
    page.get_by_role("button", name="Build the pack").click()
    until(page, "document.body.innerText.includes('Open the pack')")
    page.get_by_role("link", name="Open the pack").click()
    expect(page.get_by_role("heading", name="Belonging")).to_be_visible()
    # the trends are not drawn (no year's coded interviews can be shown, so no share), nor
    # the themes found together (the one pair lies 2 below Belonging's count): the pack
    # says why in their place; the bars per year are drawn
    assert page.locator("img[alt*='Counts under 3']").count() == 1
    expect(page.get_by_text("This chart is not drawn").first).to_be_visible()
    assert page.locator("blockquote.quote").count() >= 3
    page.get_by_role("link", name="Back to the session").click()
    page.get_by_role("button", name="Log out").click()

    login(page, live_server, member_name)
    follow(page.get_by_role("navigation", name=da("Main menu")), da("Review sessions"))
    page.get_by_role("link", name="Annual review 2026").click()
    expect(page.get_by_role("heading", name=da("Your preparation"))).to_be_visible()
    page.locator("#note-1").fill("They felt proud to be asked.")
    page.locator("#item-1").get_by_role("button", name=da("Add the note")).click()
    expect(page.get_by_text("They felt proud to be asked.")).to_be_visible()
    page.get_by_label(da("What is to be done")).fill("Offer a second conversation")
    page.get_by_label(da("Owner")).select_option(label=member_label)
    page.get_by_label(da("Due date")).fill("2027-03-01")
    page.get_by_role("button", name=da("Add the action")).click()
    expect(page.get_by_text(da("The action was added."))).to_be_visible()
    follow(page.get_by_role("navigation", name=da("Main menu")), da("Actions"))
    expect(page.get_by_text("Offer a second conversation")).to_be_visible()
    assert page.console_errors == []
