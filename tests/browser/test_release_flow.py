"""An interviewer, in Swedish, reviews what identifies people in a verified transcript,
merges the two placeholders the detector gave one foster mother by naming both
[Fostermamma], adds what the search missed, checks the preview of the final text and
releases it; a researcher then reads only the released text."""

from datetime import UTC, date, datetime

from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.menu import follow
from tests.browser.test_interview_flow import login, t

SRT = """1
00:00:01,000 --> 00:00:05,000
Intervjuare: Hur var det att bo hos Birgitta i Kil?

2
00:00:05,500 --> 00:00:12,000
Den unga: Birgittas kök var varmt. Holmgren, som vi kallade henne, körde mig varje dag.
""".encode()


def test_review_merge_preview_release_and_read_as_researcher(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.participants.models import RelatedPerson
    from app.transcripts import editing, versions

    with live_app.app_context():
        sync_guides()
        seed_forms()
        sven = make_user(roles=[Role.INTERVIEWER], username="sven", language="sv")
        make_user(roles=[Role.RESEARCHER], username="rut", language="en")
        participant = make_participant(birth_date=date(2001, 3, 3))
        participant.people.append(RelatedPerson(relation="foster_parent",
                                                name="Birgitta Holmgren"))  # fmt: skip
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=sven.id)
        interview = interviews.book(
            sven, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=sven, language="sv",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, sven)
        interviews.conduct(sven, interview, date(2026, 11, 10))
        transcript = versions.import_transcript(sven, interview, SRT, "samtal.srt")
        editing.verify(sven, transcript)
        db.session.commit()
        interview_id, code = interview.id, participant.code

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    login(page, live_server, "sven")
    page.goto(f"{live_server}/interviews/{interview_id}")
    page.get_by_role("link", name=sv("Pseudonymise and release")).click()
    assert page.locator("mark.pii-person").first.inner_text() == "Birgitta"
    assert page.locator("mark.pii-location").first.inner_text() == "Kil"
    # The surname alone got a placeholder of its own: giving both one name merges them.
    page.get_by_label(sv("Rename %(placeholder)s", placeholder="[Person 1]")).fill("Fostermamma")
    page.get_by_label(sv("Rename %(placeholder)s", placeholder="[Person 2]")).fill("Fostermamma")
    page.locator("input[name='additions-0-surface']").fill("varje dag")
    page.locator("select[name='additions-0-kind']").select_option("DATE")
    page.get_by_role("button", name=sv("Preview the release")).click()

    # The preview: the final text, with the merge and the addition marked.
    expect(page.get_by_role("heading", name=sv("Check before release"))).to_be_visible()
    changes = page.locator("ul.release-changes").inner_text()
    assert sv("Merged") in changes and "[Fostermamma]" in changes and "varje dag" in changes
    preview = page.locator("ol.released")
    assert "[Fostermamma]s kök" in preview.inner_text() and "Holmgren" not in preview.inner_text()
    assert preview.locator("mark.pii-merged").count() == 3
    assert preview.locator("mark.pii-added").inner_text() == "[Datum 1]"
    # Releasing needs the confirmation; without it nothing is released.
    page.get_by_role("button", name=sv("Release this version")).click()
    assert page.get_by_text(
        sv("Confirm that the text above is to be released."), exact=True
    ).is_visible()
    page.get_by_label(sv("I have read the text above: release it as it is. A released version "
                         "cannot be changed afterwards.")).check()  # fmt: skip
    page.get_by_role("button", name=sv("Release this version")).click()
    expect(page.get_by_text(sv("Version %(n)s was released.", n=1))).to_be_visible()
    released = page.locator("ol.released").inner_text()
    assert "[Fostermamma]s kök" in released and "[Fostermamma], som vi" in released
    assert "Birgitta" not in released and "Holmgren" not in released
    assert "varje dag" not in released
    page.get_by_role("button", name=sv("Log out")).click()

    login(page, live_server, "rut")
    follow(page.get_by_role("navigation", name="Main menu"), "Released transcripts")
    page.get_by_role("row", name=code).get_by_role("link").click()
    text = page.locator("ol.released").inner_text()
    assert "[Fostermamma]" in text and "[Ort 1]" in text
    assert "Birgitta" not in text and "Kil" not in text and "Holmgren" not in text
    assert page.console_errors == []
