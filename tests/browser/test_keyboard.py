"""Keyboard only: a person who uses no mouse codes a passage, plays a transcript segment,
records consent, builds a review pack and answers a confirmation dialog. Every element is
reached with Tab or Shift+Tab (and arrows where a widget has them); nothing is clicked and no
field is filled that the keyboard did not reach. At every stop the focus is visible: an
outline at least 2 px wide whose colour has at least 3:1 contrast with the page."""

# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)
import json
from datetime import UTC, date, datetime

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.test_transcript_flow import until
from tests.conftest import PASSWORD
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)

# What the element with focus is called: its label, aria-label or text, spaces collapsed.
FOCUSED_NAMES = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return [];
    const squash = (s) => (s || '').replace(/\\s+/g, ' ').trim();
    const names = [el.getAttribute('aria-label'), el.textContent, el.value, el.title];
    if (el.labels) for (const label of el.labels) names.push(label.textContent);
    return names.map(squash).filter(Boolean);
}"""
FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName, type: el.type, id: el.id, style: style.outlineStyle,
            width: parseFloat(style.outlineWidth),
            colour: style.outlineColor};
}"""
PAGE_COLOURS = [(255, 255, 255), (0xF4, 0xF4, 0xF6)]  # --paper and --wash


def luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_focus_visible(page):
    seen = page.evaluate(FOCUS_STYLE)
    assert seen["style"] != "none" and seen["width"] >= 2, repr(seen)
    rgb = tuple(int(v) for v in seen["colour"].split("(")[1].split(")")[0].split(",")[:3])
    assert all(contrast(rgb, background) >= 3 for background in PAGE_COLOURS), seen


def tab_to(page, name, back=False, limit=120):
    """Press Tab (or Shift+Tab) until the element called ``name`` has focus."""
    # The page's deferred scripts (the confirmation dialog, the menu) run before "load": a
    # Tab and Enter before then would submit a form without its dialog.
    page.wait_for_load_state("load")
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("document.activeElement !== document.body"):
            assert_focus_visible(page)
        if name in page.evaluate(FOCUSED_NAMES):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def log_in(page, server, username):
    page.goto(f"{server}/login")
    tab_to(page, "User name")
    page.keyboard.type(username)
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/home")


def _interview(make_user, make_participant, make_offer, give_consent=None, language="en"):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode

    sync_guides()
    seed_forms()
    kim = make_user(roles=[Role.INTERVIEWER], username="kim")
    participant = make_participant(birth_date=date(2001, 3, 3))
    offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=kim.id)
    interview = interviews.book(
        kim, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
        mode=Mode.IN_PERSON, interviewer=kim, language=language,
    )  # fmt: skip
    db.session.commit()
    if give_consent:
        give_consent(interview, kim)
    return kim, interview


def test_code_a_passage_with_the_keyboard(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    from sqlalchemy import select

    from app.codebook.queries import codebook
    from app.codebook.services import seed_codebook
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Status
    from app.releases.models import Release
    from app.workspace.models import Coding

    lines = ["Min socialsekreterare lyssnade på mig.", "Vi åt blåbär varje söndag."]
    with live_app.app_context():
        kim, interview = _interview(make_user, make_participant, make_offer, give_consent, "sv")
        make_user(roles=[Role.RESEARCHER], username="rut")
        boss = make_user(roles=[Role.COORDINATOR])
        interviews.conduct(kim, interview, date(2026, 11, 10))
        interview.status = Status.RELEASED.value
        content = [{"text": line, "speaker": None, "start": None, "end": None} for line in lines]
        release = Release(interview=interview, version=1, content=json.dumps(content),
                          summary="{}", released_by_id=kim.id)  # fmt: skip
        db.session.add(release)
        seed_codebook(boss)
        db.session.commit()
        release_id = release.id
        chosen = [c for c in codebook() if c.codable][1]
        code_id, code_name = chosen.id, chosen.name

    log_in(page, live_server, "rut")
    page.goto(f"{live_server}/coding/releases/{release_id}")
    until(page, "document.querySelector('[data-coding]').dataset.ready === '1'")
    tab_to(page, "Text to code")
    # The caret starts at the text's beginning: two words with Ctrl+Shift+Right.
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    until(page, "document.querySelector('[data-selection]').textContent.includes('21')")
    tab_to(page, "Search the codebook")
    page.keyboard.type(code_name[:4])
    page.keyboard.press("ArrowDown")  # into the code list
    buttons = page.locator("[data-code-list] button[data-code]")
    for _ in range(buttons.count()):
        if page.evaluate(FOCUSED_NAMES)[:1] == [code_name]:
            break
        page.keyboard.press("ArrowDown")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    until(page, "document.querySelectorAll('[data-text] .coded').length === 1")
    with live_app.app_context():
        (made,) = db.session.scalars(select(Coding)).all()
        text = db.session.get(Release, release_id).text
        assert text[made.start_offset : made.end_offset] == "Min socialsekreterare"
        assert made.code_id == code_id
    assert page.console_errors == []


def test_play_a_segment_with_the_keyboard(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent, tmp_path
):
    from app.core.db import db
    from app.interviews import services as interviews
    from app.transcripts import recordings, versions
    from tests.transcripts.conftest import speak

    vtt = (
        b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello, my name is Anna.\n\n"
        b"00:00:02.000 --> 00:00:04.000\nI lived with my foster family.\n"
    )
    speech = speak("Hello, my name is Anna. I lived with my foster family.", tmp_path / "a.wav")
    with live_app.app_context():
        kim, interview = _interview(make_user, make_participant, make_offer, give_consent)
        interviews.conduct(kim, interview, date(2026, 11, 10))
        with speech.open("rb") as audio:
            recordings.upload_recording(kim, interview, audio, "a.wav")
        transcript = versions.import_transcript(kim, interview, vtt, "a.vtt")
        db.session.commit()
        transcript_id = transcript.id

    log_in(page, live_server, "kim")
    page.goto(f"{live_server}/transcripts/{transcript_id}")
    tab_to(page, "Play from 00:00:02")  # the second segment's play control
    page.keyboard.press("Enter")
    until(page, "!document.querySelector('audio').paused")
    assert page.evaluate("document.querySelector('audio').currentTime") >= 2
    # Escape in a segment's text pauses; the player is never needed.
    tab_to(page, "I lived with my foster family.")
    page.keyboard.press("Escape")
    until(page, "document.querySelector('audio').paused")
    assert page.console_errors == []


def test_record_consent_with_the_keyboard(
    live_app, live_server, page, make_user, make_participant, make_offer
):
    from flask import url_for

    from app.consent.models import ConsentRecord
    from app.core.db import db

    with live_app.app_context():
        _kim, interview = _interview(make_user, make_participant, make_offer)
        interview_id = interview.id
        with live_app.test_request_context():
            address = url_for("consent.interview", interview_id=interview_id)

    log_in(page, live_server, "kim")
    # The menu: a group opens with Enter, the arrows move in it, Esc closes it and gives the
    # focus back to its button.
    tab_to(page, "Interviews")
    group = page.locator("[data-menu-button][aria-controls=menu-interviews]")
    page.keyboard.press("Enter")
    assert group.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_NAMES)[:1] == ["Interview list"]
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED_NAMES)[:1] == ["Consent forms"]
    assert_focus_visible(page)
    page.keyboard.press("Escape")
    assert group.get_attribute("aria-expanded") == "false"
    assert group.evaluate("button => button === document.activeElement")

    page.goto(f"{live_server}{address}")
    for scope in ("Audio recording", "Research use"):
        tab_to(page, scope)
        page.keyboard.press("Space")
    tab_to(page, "Signed on paper (scan attached)")
    page.keyboard.press("ArrowDown")  # the radio group: the next way of giving it
    assert "Given verbally, before a witness" in page.evaluate(FOCUSED_NAMES)
    tab_to(page, "Witness")
    page.keyboard.type("Eva Ek")
    tab_to(page, "Record consent")
    page.keyboard.press("Enter")
    page.get_by_text("The consent was recorded.").wait_for()
    with live_app.app_context():
        (record,) = db.session.scalars(db.select(ConsentRecord)).all()
        assert record.method == "verbal" and record.witness == "Eva Ek"
        scopes = {grant.scope for grant in record.grants}
        assert scopes == {"participation", "audio_recording", "research_use"}
    assert page.console_errors == []


def test_build_a_pack_and_answer_a_dialog_with_the_keyboard(live_app, live_server, page, corpus):
    from app.core.db import db
    from app.reviews import sessions
    from app.reviews.models import ReviewSession

    with live_app.app_context():
        boss = db.session.merge(corpus["boss"])
        member = db.session.merge(corpus["member"])
        session = sessions.create_session(
            boss, title="Annual review 2026", year=2026, held_on=date(2026, 11, 20),
            scope_from=None, scope_to=None, members=[member],
        )  # fmt: skip
        db.session.commit()
        session_id, boss_name = session.id, boss.username

    log_in(page, live_server, boss_name)
    page.goto(f"{live_server}/reviews/{session_id}")
    tab_to(page, "Build the pack")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Open the pack").wait_for(timeout=60_000)  # the page reloads
    tab_to(page, "Open the pack")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Belonging").wait_for()
    page.go_back()

    tab_to(page, "Mark as held")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Approve the minutes").wait_for()

    # The confirmation: a modal dialog that holds the focus and gives it back when closed.
    tab_to(page, "Approve the minutes")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "Nothing can be written" in dialog.inner_text()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    for key in ("Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.closest('dialog[open]') !== null"), key
        assert_focus_visible(page)
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert page.evaluate(FOCUSED_NAMES)[:1] == ["Approve the minutes"]
    with live_app.app_context():
        assert db.session.get(ReviewSession, session_id).status == "held"

    page.keyboard.press("Enter")  # the opener has the focus again
    dialog.wait_for()
    tab_to(page, "Yes, go on")
    page.keyboard.press("Enter")
    page.locator(".flash", has_text="approved").first.wait_for(timeout=60_000)
    with live_app.app_context():
        db.session.expire_all()
        assert db.session.get(ReviewSession, session_id).status == "approved"
    assert page.console_errors == []
