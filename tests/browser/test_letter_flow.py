"""A coordinator approves the review's minutes, drafts the letter to the young people,
edits it into plain words, prints one person's letter and records it as sent."""

# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)
import re

from docx import Document
from playwright.sync_api import expect

from tests.browser.test_interview_flow import login
from tests.letters.test_letters import YES, approved_session, interviewed, team  # noqa: F401


def test_approve_draft_edit_print_and_record(live_app, live_server, page, team, interviewed):
    from app.core.db import db

    coordinator, _ = team
    person, _interview = interviewed(YES)
    session = approved_session(coordinator, approve=False)
    name, session_id = coordinator.username, session.id
    person_id, person_name = person.id, person.name
    db.session.commit()

    login(page, live_server, name)
    page.goto(f"{live_server}/reviews/{session_id}")
    page.get_by_role("button", name="Approve the minutes").click()
    page.get_by_role("button", name="Yes, go on").click()
    page.get_by_role("link", name="Letter to the young people").click()
    expect(page.get_by_role("cell", name=person_name)).to_be_visible()
    page.get_by_role("button", name="Draft the letter").click()
    letter = page.get_by_label("The letter in Svenska")  # the interview's language
    expect(letter).to_have_value(re.compile("Young people want the social worker to stay"))
    letter.fill("Hello!\n\nWe learned a lot from you.\n\nWhat we are changing:\n- We listen more.")
    page.get_by_role("button", name="Save the letter").click()
    expect(page.get_by_text("The letter was saved.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="DOCX", exact=True).click()
    printed = Document(str(download.value.path()))
    text = "\n".join(p.text for p in printed.paragraphs)
    assert person_name in text and "We listen more." in text and "Storgatan 1" in text
    page.get_by_label(f"{person.code} · {person_name}").check()
    page.get_by_role("button", name="Record as sent").click()
    expect(page.get_by_text("Recorded as sent: 1 letter(s).")).to_be_visible()
    with live_app.app_context():
        from app.letters.models import LetterSent

        assert db.session.scalar(db.select(LetterSent)).participant_id == person_id
    assert page.console_errors == []
