"""Two coders with the same transcript open: a coding one of them applies (and then undoes)
appears in (and leaves) the other's open workspace without a reload; in a blind round the
workspace never asks, and another coder's coding never shows."""

import json
from datetime import date

import pytest
from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.interviews import conducted
from tests.browser.selection import select_word
from tests.browser.test_interview_flow import login
from tests.browser.test_transcript_flow import until

LINES = ["Jag bodde hos [Person 1] och kände mig hemma där.", "Vi åt blåbär varje söndag."]


@pytest.fixture
def live_app(app_factory):
    # the workspace asks every second here, not every five: the test waits for it
    return app_factory(WTF_CSRF_ENABLED=True, CODING_POLL_SECONDS=1)


def _released(make_user, make_participant, make_offer, give_consent):
    """A released interview with consent to every scope, and the starting codebook."""
    from app.codebook.services import seed_codebook
    from app.core.db import db
    from app.interviews.models import Status
    from app.releases.models import Release

    sync_guides()
    seed_forms()
    sven = make_user(roles=[Role.INTERVIEWER], username="sven")
    boss = make_user(roles=[Role.COORDINATOR])
    participant = make_participant(birth_date=date(2001, 3, 3))
    interview = conducted(sven, participant, make_offer, give_consent)
    interview.status = Status.RELEASED.value
    content = [{"text": line, "speaker": None, "start": None, "end": None} for line in LINES]
    release = Release(interview=interview, version=1, content=json.dumps(content),
                      summary="{}", released_by_id=sven.id)  # fmt: skip
    db.session.add(release)
    seed_codebook(boss)
    db.session.commit()
    return release.id


def _blind_round(release_id, code_name) -> int:
    """An open round of Rut and Ben on the release, in which Ben has coded "hemma"."""
    from sqlalchemy import select

    from app.codebook.models import Code
    from app.core.db import db
    from app.core.users import User
    from app.releases.models import Release
    from app.rounds.services import create_round
    from app.workspace import services as workspace

    users = {u.username: u for u in db.session.scalars(select(User))}
    release = db.session.get(Release, release_id)
    boss = next(u for u in users.values() if u.has_role(Role.COORDINATOR))
    coders = [users["rut"], users["ben"]]
    coding_round = create_round(boss, name="Blind", unit="segment", coders=coders,
                                releases=[release])  # fmt: skip
    code = db.session.scalars(select(Code).where(Code.named(code_name))).first()
    start = release.text.index("hemma")
    workspace.apply(users["ben"], release, code.id, start, start + 5, coding_round=coding_round)
    db.session.commit()
    return coding_round.id


def _open(browser, server, username, release_id):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server, username)
    page.goto(f"{server}/coding/releases/{release_id}")
    until(page, "document.querySelector('[data-coding]').dataset.ready === '1'")
    return context, page, errors


def test_a_coding_by_another_appears_without_a_reload(
    live_app, live_server, browser, make_user, make_participant, make_offer, give_consent
):
    from app.codebook.queries import codebook

    with live_app.app_context():
        release_id = _released(make_user, make_participant, make_offer, give_consent)
        make_user(roles=[Role.RESEARCHER], username="rut", display_name="Rut Forskare")
        make_user(roles=[Role.RESEARCHER], username="ben", display_name="Ben Forskare")
        code_name = next(c for c in codebook() if c.codable).name

    rut_context, rut, rut_errors = _open(browser, live_server, "rut", release_id)
    ben_context, ben, ben_errors = _open(browser, live_server, "ben", release_id)
    poll = "JSON.parse(document.getElementById('coding-data').textContent).poll_seconds"
    assert rut.evaluate(poll) == 1
    try:
        select_word(ben, "hemma")
        until(ben, "document.querySelector('[data-selection]').textContent.includes('5')")
        ben.locator("[data-code-list]").get_by_role("button", name=code_name, exact=True).click()
        until(ben, "document.querySelectorAll('[data-text] .coded').length === 1")

        # Rut's page, never reloaded, shows Ben's coding within a poll or two.
        until(rut, "document.querySelectorAll('[data-text] .coded').length === 1", seconds=15)
        coded = rut.locator("[data-text] .coded")
        assert coded.first.inner_text() == "hemma"
        expect(rut.locator("[data-status]")).to_have_text(
            "The codings of others were brought up to date."
        )
        coded.first.click()  # the panel of what is here fills in after the click
        expect(rut.locator("[data-here]")).to_contain_text("by Ben Forskare")
        # Ben's coding is his: Rut reads its memo but cannot change or remove it.
        assert rut.locator("[data-here] button").count() == 0
        coders = rut.get_by_role("combobox", name="Show coder").locator("option")
        assert "Ben Forskare" in coders.all_inner_texts()  # a new coder to filter by

        # Ben undoes it: it leaves Rut's page too.
        ben.get_by_role("button", name="Undo").click()
        until(ben, "document.querySelectorAll('[data-text] .coded').length === 0")
        until(rut, "document.querySelectorAll('[data-text] .coded').length === 0", seconds=15)

        # In a blind round the page never asks, and Ben's round coding never shows for Rut.
        with live_app.app_context():
            round_id = _blind_round(release_id, code_name)
        asked = []
        rut.on("request", lambda r: asked.append(r.url) if "/codings" in r.url else None)
        rut.goto(f"{live_server}/coding/releases/{release_id}?round={round_id}")
        until(rut, "document.querySelector('[data-coding]').dataset.ready === '1'")
        rut.wait_for_timeout(2500)  # two and a half polling intervals
        assert asked == [] and rut.locator("[data-text] .coded").count() == 0
        assert rut_errors == [] and ben_errors == []
    finally:
        rut_context.close()
        ben_context.close()
