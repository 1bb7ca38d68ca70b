"""A research partner's project from qc, imported in the browser: the upload shows a preview
(nothing changed yet), "Import" brings the codings onto the matching transcript, and one
undo on the report page takes the whole import back."""

import json
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analysis.refiqda.read import read_qdpx
from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.interviews import conducted
from tests.browser.test_interview_flow import login

QC = Path(__file__).resolve().parents[3] / "shared/refi-qda/vendors/qc-1.3.2_demo.qdpx"


def test_upload_preview_import_and_undo(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    if not QC.is_file():
        pytest.skip("the vendor samples are not next to the checkout")
    from sqlalchemy import func, select

    from app.codebook.services import seed_codebook
    from app.core.db import db
    from app.interviews.models import Status
    from app.releases.models import Release
    from app.workspace.models import Coding

    text = read_qdpx(QC.read_bytes())[0].sources[0].text
    with live_app.app_context():
        sync_guides()
        seed_forms()
        sven = make_user(roles=[Role.INTERVIEWER], username="sven")
        kim = make_user(roles=[Role.COORDINATOR], username="kim")
        participant = make_participant(birth_date=date(2001, 3, 3))
        interview = conducted(sven, participant, make_offer, give_consent, language="en")
        interview.status = Status.RELEASED.value
        content = [{"text": text, "speaker": None, "start": None, "end": None}]
        db.session.add(Release(interview=interview, version=1, content=json.dumps(content),
                               summary="{}", released_by_id=sven.id))  # fmt: skip
        seed_codebook(kim)
        db.session.commit()

    def codings() -> int:
        with live_app.app_context():
            return db.session.scalar(select(func.count()).select_from(Coding))

    login(page, live_server, "kim")
    page.goto(f"{live_server}/coding")
    upload = page.locator("form", has=page.get_by_role("button", name="Import a project"))
    upload.locator("input[type=file]").set_input_files(str(QC))
    upload.get_by_role("button", name="Import a project").click()
    expect(page.get_by_role("heading", name="Check before importing")).to_be_visible()
    expect(page.locator('[data-count="coming"]')).to_contain_text("205 codings")
    expect(page.locator('tr[data-source="exact"]')).to_have_count(1)
    assert codings() == 0  # the preview changed nothing
    # each code's hint follows its choice, as the choice changes
    row = page.locator('tr[data-choice="add"]', has=page.locator('[data-hint="add"]')).first
    expect(row.locator('[data-hint="add"]')).to_be_visible()
    expect(row.locator('[data-hint="skip"]')).to_be_hidden()
    row.locator("select").select_option("skip")
    expect(row.locator('[data-hint="skip"]')).to_be_visible()
    expect(row.locator('[data-hint="add"]')).to_be_hidden()
    row.locator("select").select_option("add")
    page.locator("[data-import]").click()
    expect(page.locator("[data-imported]")).to_contain_text("205 codings in 1 transcript")
    assert codings() == 205
    # the undo asks first; cancelled, nothing happens
    page.locator("[data-undo]").click()
    dialog = page.locator("dialog[data-confirm-dialog]")
    expect(dialog).to_contain_text("Undo the whole import?")
    dialog.get_by_role("button", name="Cancel").click()
    assert codings() == 205
    page.locator("[data-undo]").click()
    dialog.get_by_role("button", name="Yes, go on").click()
    expect(page.locator("[data-undone]")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Project import undone")
    assert codings() == 0
    assert not page.console_errors
