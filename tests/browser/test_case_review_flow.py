"""A coordinator runs a round of case reviews for three interviewers; the items not done at
one review come back at the interviewer's next."""

# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)
from playwright.sync_api import expect

from tests.browser.menu import follow
from tests.browser.test_interview_flow import login
from tests.casereview.conftest import team  # noqa: F401 (a fixture)


def test_a_round_for_three_interviewers_and_the_items_carry_over(
    live_server, page, team, make_participant, make_offer
):
    # the third interviewer gets a case, so that three can be reviewed
    make_offer(make_participant(code="P-2024-010").placements[0], interviewer_id=team.idle.id)
    coordinator = team.coordinator.username
    names = [u.display_name for u in (team.anna, team.bo, team.idle)]

    login(page, live_server, coordinator)
    follow(page.get_by_role("navigation", name="Main menu"), "Case reviews")
    page.get_by_label("First day of the round").fill("2026-11-16")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("The round was opened.")).to_be_visible()
    for n, name in enumerate(names):
        page.get_by_label("Interviewer").select_option(label=name)
        page.get_by_label("Day of the review").fill(f"2026-11-{23 + n}")
        page.get_by_role("button", name="Schedule").click()
        expect(page.get_by_text("The review was scheduled.")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_role("row", name=names[1])).to_contain_text("Due")

    page.get_by_role("row", name=names[0]).get_by_role("link").click()
    unbooked = page.locator("section[aria-labelledby=agenda-unbooked]")
    expect(unbooked.get_by_role("heading")).to_have_text(
        "Accepted offers without a booked interview (1)"
    )
    expect(unbooked.get_by_role("link", name="P-2024-002")).to_be_visible()
    for text, day in (("Call the school", "2026-12-01"), ("Send the letter", "2026-11-27")):
        page.get_by_label("Until the next review").check()
        page.get_by_label("Note", exact=True).fill(text)
        page.get_by_label("Due").fill(day)
        page.get_by_role("button", name="Add the note").click()
        expect(page.get_by_text("The note was saved.")).to_be_visible()
    page.locator("#notes-until li").filter(has_text="Send the letter").get_by_role(
        "button", name="Mark done"
    ).click()
    expect(page.get_by_text("The item was marked done.")).to_be_visible()
    page.get_by_role("button", name="Close the review").click()
    expect(page.get_by_text("The review was closed.")).to_be_visible()
    page.get_by_label("Remark for the head of unit").fill("Steady work")
    page.get_by_role("button", name="Send the status").click()
    expect(page.get_by_role("status")).to_contain_text("The status was sent to the head of unit.")

    # the next round: its first day is where the last one ends
    follow(page.get_by_role("navigation", name="Main menu"), "Case reviews")
    expect(page.get_by_label("First day of the round")).to_have_value("2026-12-28")
    page.get_by_role("button", name="Open the round").click()
    page.get_by_label("Interviewer").select_option(label=names[0])
    page.get_by_role("button", name="Schedule").click()
    page.get_by_role("row", name=names[0]).get_by_role("link").click()
    carried = page.locator("#carried")
    expect(carried).to_contain_text("Call the school")
    expect(carried).not_to_contain_text("Send the letter")
