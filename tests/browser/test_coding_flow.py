"""A research partner codes passages of a released transcript in the browser: a passage after
an emoji selected with the mouse, one with Danish letters selected with Shift and the arrow
keys, undo and redo; the codings survive a reload with exact code-point offsets."""

import json
from datetime import date

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.interviews import conducted
from tests.browser.menu import follow
from tests.browser.selection import select_word
from tests.browser.test_interview_flow import login, t
from tests.browser.test_transcript_flow import until

LINES = [
    "Jag 😀 bodde hos [Person 1] i [Ort 1] och kände mig hemma där.",
    "Vi åt blåbär, æble og rødgrød 🎉 varje söndag.",
    "Min socialsekreterare lyssnade på mig.",
]


def test_select_code_undo_and_reload(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    from sqlalchemy import select

    from app.codebook.models import Code
    from app.codebook.queries import codebook
    from app.codebook.services import seed_codebook
    from app.core.db import db
    from app.interviews.models import Status
    from app.releases.models import Release
    from app.workspace.models import Coding

    with live_app.app_context():
        sync_guides()
        seed_forms()
        sven = make_user(roles=[Role.INTERVIEWER], username="sven")
        rut = make_user(roles=[Role.RESEARCHER], username="rut", language="sv")
        boss = make_user(roles=[Role.COORDINATOR])
        participant = make_participant(birth_date=date(2001, 3, 3))
        interview = conducted(sven, participant, make_offer, give_consent)
        interview.status = Status.RELEASED.value
        who = ("young_person", "interviewer", None)
        content = [{"text": line, "speaker": speaker, "start": None, "end": None}
                   for line, speaker in zip(LINES, who, strict=True)]  # fmt: skip
        release = Release(interview=interview, version=1, content=json.dumps(content),
                          summary="{}", released_by_id=sven.id)  # fmt: skip
        db.session.add(release)
        seed_codebook(boss)
        db.session.commit()
        release_id, rut_id, code = release.id, rut.id, participant.code
        belonging = next(c for c in codebook() if c.codable)
        code_name = belonging.shown("name", "sv")[0]  # as the Swedish coder reads it

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    login(page, live_server, "rut")
    follow(page.get_by_role("navigation", name=sv("Main menu")), sv("Coding"))
    page.get_by_role("row", name=code).get_by_role("link").click()
    until(page, "document.querySelector('[data-coding]').dataset.ready === '1'")
    # Who speaks stands before each segment, drawn outside the text that is coded.
    speakers = page.locator("[data-text] .speaker-start")
    assert speakers.count() == 2
    assert speakers.first.evaluate("e => getComputedStyle(e, '::before').content") == (
        f'"{sv("Young person")}: "'
    )
    assert sv("Young person") not in page.locator("[data-text]").inner_text()
    # A long code name is cut with an ellipsis in the list; its full path is the tooltip.
    first_code = page.locator("[data-code-list] button").first
    assert first_code.evaluate("b => getComputedStyle(b).textOverflow") == "ellipsis"
    assert " › " in first_code.get_attribute("title")  # "Category › Code: definition"

    # The mouse: select "hemma" (after an emoji, so UTF-16 and code points differ).
    select_word(page, "hemma")
    until(page, "document.querySelector('[data-selection]').textContent.includes('5')")
    page.locator("[data-code-list]").get_by_role("button", name=code_name, exact=True).click()
    until(page, "document.querySelectorAll('[data-text] .coded').length === 1")

    # The keyboard: caret before "rødgrød", Shift+Right seven times, apply from the search box.
    page.evaluate("""() => {
        const box = document.querySelector('[data-text]');
        box.focus();
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf('rødgrød');
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at); range.collapse(true);
                const sel = document.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                return;
            }
        }
    }""")  # fmt: skip
    for _ in range(7):
        page.keyboard.press("Shift+ArrowRight")
    until(page, "document.querySelector('[data-selection]').textContent.includes('7')")
    page.keyboard.type("x")  # typing changes nothing in the text
    assert "rødgrød" in page.locator("[data-text]").inner_text()
    page.get_by_label(sv("Search the codebook")).fill(code_name[:5])
    page.keyboard.press("Enter")
    until(page, "document.querySelectorAll('[data-text] .coded').length === 2")
    # The status line states what is saved, in the coder's language.
    until(page, "document.querySelector('[data-status]').textContent === "
                "'Sparat: 2 koder på 2 passager.'")  # fmt: skip

    with live_app.app_context():
        stored = db.session.scalars(select(Coding).order_by(Coding.id)).all()
        text = db.session.get(Release, release_id).text
        assert [text[c.start_offset : c.end_offset] for c in stored] == ["hemma", "rødgrød"]
        assert {c.coder_id for c in stored} == {rut_id}
        assert db.session.get(Code, stored[0].code_id).texts["sv"].name == code_name

    # Undo removes the last coding, redo applies it again (the button, Ctrl+Shift+Z, Ctrl+Y);
    # a reload shows what is stored.
    def coded_count(n):
        until(page, f"document.querySelectorAll('[data-text] .coded').length === {n}")

    def stored_texts():
        with live_app.app_context():
            text = db.session.get(Release, release_id).text
            rows = db.session.scalars(select(Coding).order_by(Coding.start_offset)).all()
            return [text[c.start_offset : c.end_offset] for c in rows]

    page.get_by_role("button", name=sv("Undo")).click()
    coded_count(1)
    page.get_by_role("button", name=sv("Redo")).click()
    coded_count(2)
    until(
        page, f"document.querySelector('[data-status]').textContent === {json.dumps(sv('Redone.'))}"
    )
    assert stored_texts() == ["hemma", "rødgrød"]
    page.keyboard.press("Control+z")
    coded_count(1)
    page.keyboard.press("Control+Shift+Z")
    coded_count(2)
    page.keyboard.press("Control+z")
    coded_count(1)
    page.keyboard.press("Control+y")
    coded_count(2)
    page.keyboard.press("Control+y")  # nothing left to redo
    until(page, f"document.querySelector('[data-status]').textContent === "
                f"{json.dumps(sv('Nothing to redo.'))}")  # fmt: skip
    page.get_by_role("button", name=sv("Undo")).click()
    coded_count(1)
    until(
        page, f"document.querySelector('[data-status]').textContent === {json.dumps(sv('Undone.'))}"
    )
    assert stored_texts() == ["hemma"]
    page.reload()
    until(page, "document.querySelector('[data-coding]').dataset.ready === '1'")
    coded = page.locator("[data-text] .coded")
    assert coded.count() == 1 and coded.first.inner_text() == "hemma"
    assert page.locator("[data-stripes] .stripe").count() == 1
    # Clicking the passage shows its coding, with the memo to write.
    coded.first.click()
    memo = page.get_by_label(f"{sv('Memo')}: {code_name}")
    memo.fill("Känslan av att höra till")
    page.get_by_role("button", name=sv("Save memo")).click()
    until(
        page, f"document.querySelector('[data-status]').textContent === {json.dumps(sv('Saved'))}"
    )
    with live_app.app_context():
        assert db.session.scalars(select(Coding)).one().memo == "Känslan av att höra till"
    assert page.console_errors == []
