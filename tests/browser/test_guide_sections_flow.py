"""An interviewer who also codes for the team confirms the guide sections suggested for a
released transcript, changes one, and finds the coded passages of a guide section."""

import re
from datetime import date

from playwright.sync_api import expect

from app.core.users import Role
from tests.browser.interviews import conducted
from tests.browser.test_interview_flow import login
from tests.workspace.test_guide_sections import SRT


def released(live_app, make_user, make_participant, make_offer, give_consent):
    """A verified, released Swedish transcript with two coded passages; (transcript, code)."""
    from app.codebook import services as codebook_services
    from app.core.db import db
    from app.guides.services import sync_guides
    from app.transcripts import editing, versions
    from app.workspace import services as workspace
    from tests.codebook.sample import a_code, span_of
    from tests.releases.test_releases import release_all

    with live_app.app_context():
        sync_guides()
        sven = make_user(roles=[Role.INTERVIEWER, Role.COORDINATOR], username="sven")
        codebook_services.seed_codebook(sven)
        participant = make_participant(birth_date=date(2001, 3, 3))
        interview = conducted(sven, participant, make_offer, give_consent)
        transcript = versions.import_transcript(sven, interview, SRT, "samtal.srt")
        editing.verify(sven, transcript)
        db.session.commit()
        _, release = release_all(sven, transcript)
        code = a_code()
        for words in ("De gav aldrig upp om mig", "svart sopsäck"):
            workspace.apply(sven, release, code.id, *span_of(release, words))
        db.session.commit()
        return transcript.id, code.id


def test_confirm_guide_sections_and_retrieve_by_section(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    transcript_id, code_id = released(
        live_app, make_user, make_participant, make_offer, give_consent
    )
    login(page, live_server, "sven")
    page.goto(f"{live_server}/transcripts/{transcript_id}")
    page.locator("[data-guide-sections]").click()
    rows = page.locator("[data-guide-links] tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(4)).to_have_attribute("data-question", "belonging")
    expect(rows.nth(4)).to_have_attribute("data-confirmed", "no")
    page.locator("[data-confirm-all]").click()
    expect(page.locator(".flash").first).to_contain_text("6 segments")
    expect(rows.nth(4)).to_have_attribute("data-confirmed", "yes")

    # the question asked is rather about why: the interviewer changes it, and its confirmed
    # answer goes with it (offered, and ticked, by default)
    rows.nth(2).get_by_role("link", name=re.compile("Change")).click()
    page.get_by_label("Question of the guide").select_option("why_placed")
    expect(page.get_by_label(re.compile("Also change the segments after it"))).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash").last).to_contain_text("1 segment after it was changed")
    expect(rows.nth(2)).to_have_attribute("data-question", "why_placed")
    expect(rows.nth(3)).to_have_attribute("data-question", "why_placed")
    expect(rows.nth(4)).to_have_attribute("data-question", "belonging")

    page.goto(f"{live_server}/coding/retrieve")
    page.get_by_label("Code", exact=True).select_option(str(code_id))
    page.get_by_label("Guide section", exact=True).select_option("foster_family")
    page.get_by_role("button", name="Show passages").click()
    passages = page.locator("ol.passages > li")
    expect(passages).to_have_count(1)
    expect(passages.first.locator("mark")).to_have_text("De gav aldrig upp om mig")
    expect(passages.first.locator("[data-guide-section]")).to_contain_text("The foster family")

    # on a phone the table scrolls in its own box, which the keyboard can reach; the page does not
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/transcripts/{transcript_id}/guide")
    box = page.locator(".table-scroll").filter(has=page.locator("[data-guide-links]"))
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "region")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.console_errors
