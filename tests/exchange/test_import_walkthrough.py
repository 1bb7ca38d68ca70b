"""What a walk-through of a project import with the demo files found: codings already here
not added again, reports in the reader's language, hints that follow the choice, a question
before undo and discard, qc's sources named by their files, each fact said once, and merge
paths shown whole."""

import io
import re

import pytest
from sqlalchemy import func, select

from analysis.refiqda import model as qda
from analysis.refiqda.write import write_qdpx
from app.core.db import db
from app.exchange import pending
from app.exchange.models import ProjectImport
from app.workspace.models import Coding, CodingRound
from tests.codebook.sample import a_code
from tests.exchange.flow import import_through_pages, preview_form
from tests.exchange.test_import_preview import (
    NVIVO,
    QC,
    VENDORS,
    _similar,
    source_text,
    uploaded,
    vendor,
    with_text,
)

SPANS = [(0, 5), (10, 20), (30, 40)]


def _file(code, release, tag: str) -> bytes:
    """A project with one coding of ``code`` on each of SPANS of ``release``'s text, by
    "Someone Else", under GUIDs of its own (as a file that went through another tool)."""
    user = qda.User("11111111-2222-4333-8444-555555555555", "Someone Else")
    selections = [
        qda.Selection(f"{tag}0000000-0000-4000-8000-00000000000{n}", start, end,
                      user_guid=user.guid,
                      codings=[qda.Coding(f"{tag}0000000-0000-4000-8000-0000000001{n}0",
                                          code.guid, user_guid=user.guid)])
        for n, (start, end) in enumerate(SPANS)
    ]  # fmt: skip
    source = qda.Source("55bb6892-6f30-5129-8cb8-557a1b12137b", "Utskrift", release.text,
                        selections)  # fmt: skip
    return write_qdpx(qda.Project("Annan", [user], [qda.Code(code.guid, code.name)], [source], []))


def _counted(release, code, start, end) -> int:
    """Codings that retrieval shows (shared and consensus) at this passage with this code."""
    return db.session.scalar(select(func.count()).select_from(Coding).where(
        Coding.release_id == release.id, Coding.code_id == code.id,
        Coding.start_offset == start, Coding.end_offset == end,
        Coding.round_id.is_(None) | Coding.consensus))  # fmt: skip


def test_a_coding_already_here_is_not_added_again_whoever_made_it(coded, client, auth):
    boss, anna, ben, release = coded["boss"], coded["anna"], coded["ben"], coded["release"]
    code = a_code()
    # a text of its own (the fixture's two releases hold the same one)
    with_text(release, "Jag bodde hos dem i fyra år och det var bra för mig, mest.")
    # here already: anna's shared coding, the boss's own consensus of a settled round, and
    # ben's blind coding in an open round
    settled = CodingRound(name="Avgjord", created_by_id=boss.id)
    blind = CodingRound(name="Öppen", created_by_id=boss.id)
    db.session.add_all([settled, blind])
    db.session.flush()
    on = {"release_id": release.id, "code_id": code.id}
    db.session.add_all([
        Coding(**on, coder_id=anna.id, start_offset=0, end_offset=5),
        Coding(**on, coder_id=boss.id, start_offset=10, end_offset=20, round_id=settled.id,
               consensus=True),
        Coding(**on, coder_id=ben.id, start_offset=30, end_offset=40, round_id=blind.id),
    ])  # fmt: skip
    db.session.commit()
    auth.login(user=boss)
    _, page, done = import_through_pages(client, _file(code, release, "a"), "annan.qdpx")
    # the preview says so before anything changes
    assert ('data-count="already">2 of them are already here (the same transcript, code and '
            "passage) and will not be added") in page  # fmt: skip
    report = done.get_data(as_text=True)
    assert "Imported 0 new codes and 1 coding in 1 transcript." in report
    assert "2 codings in the file were here already." in report
    # the shared and the consensus coding once each; the blind one is no shared coding, so
    # the shared layer gets the passage (and the importer learns nothing of a blind coding)
    db.session.expire_all()
    assert [_counted(release, code, *span) for span in SPANS] == [1, 1, 1]
    # only what was added is recorded as the importer's
    assert "1 coding by another coder in the file is recorded as yours" in report
    # the same passages once more, under new GUIDs again: nothing added, nobody's recorded
    _, page, done = import_through_pages(client, _file(code, release, "b"), "igen.qdpx")
    assert 'data-count="already">3 of them are already here' in page
    again = done.get_data(as_text=True)
    assert "Imported 0 new codes and 0 codings in 1 transcript." in again
    assert "recorded as yours" not in again
    db.session.expire_all()
    assert [_counted(release, code, *span) for span in SPANS] == [1, 1, 1]


needs_vendors = pytest.mark.skipif(not VENDORS.is_dir(), reason="the vendor samples are not here")


@needs_vendors
def test_the_report_is_said_in_the_language_of_its_reader(coded, client, auth):
    boss = coded["boss"]
    with_text(coded["release"], _similar(source_text(QC)))
    boss.language = "da"
    db.session.commit()
    auth.login(user=boss)
    _, _, done = import_through_pages(client, vendor(QC), "qc.qdpx")
    assert "ligner en transskription her, ikke bekræftet" in done.get_data(as_text=True)
    boss.language = "en"
    db.session.commit()
    record = db.session.scalars(select(ProjectImport)).one()
    report = client.get(f"/coding/import/{record.id}/report").get_data(as_text=True)
    assert "similar to a transcript here, not confirmed" in report
    assert "ligner" not in report and "bekræftet" not in report
    # qc names its sources only by their text files
    assert "board_2017.txt" in report and "unnamed source" not in report
    # said once: the sources left out are in their table, not again in the list of notes
    notes = report.partition("<h2>Left out or changed</h2>")[2]
    assert "board_2017.txt" not in notes and "not confirmed" not in notes


@needs_vendors
def test_qc_sources_are_named_by_their_text_files(coded):
    plan = pending.preview(coded["boss"], uploaded(coded["boss"], QC))
    assert [s.label for s in plan.sources] == ["board_2017.txt", "admin-1.txt"]


@needs_vendors
def test_each_code_shows_what_its_choice_does(coded, client, auth):
    boss = coded["boss"]
    with_text(coded["release"], source_text(QC))
    auth.login(user=boss)
    upload = client.post("/coding/import", data={"file": (io.BytesIO(vendor(QC)),
                                                          "qc.qdpx")})  # fmt: skip
    url = upload.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    hints = re.findall(r'<p class="hint" data-hint="(\w+)"( hidden)?>([^<]*)</p>', page)
    shown = [(kind, text) for kind, hidden, text in hints if not hidden]
    assert shown and not any(text.startswith("Skipped") for _, text in shown)
    assert {kind for kind, _ in shown} <= {"add", "merge"}
    assert all("data-choice-hints" in select for select in re.findall(
        r"<select[^>]*name=\"code_\d+\"[^>]*>", page))  # fmt: skip
    # one code skipped and counted again: its hint says skipped, the others do not
    plan = pending.preview(boss, db.session.scalars(select(ProjectImport)).one())
    busiest = max(plan.choosing, key=lambda row: row.codings)
    again = client.post(f"{url}/preview", data=preview_form(page) | {
        f"code_{busiest.index}": "skip"}).get_data(as_text=True)  # fmt: skip
    shown = [(k, t) for k, h, t in re.findall(
        r'<p class="hint" data-hint="(\w+)"( hidden)?>([^<]*)</p>', again) if not h]  # fmt: skip
    assert [t for k, t in shown if k == "skip"] == [f"Skipped: {busiest.codings} codings left out"]


@needs_vendors
def test_undo_and_discard_ask_first_and_an_undone_import_says_so(coded, client, auth):
    boss = coded["boss"]
    with_text(coded["release"], source_text(QC))
    auth.login(user=boss)
    _, page, done = import_through_pages(client, vendor(QC), "qc.qdpx")
    assert re.search(r'<form [^>]*/discard"[^>]*data-confirm="Discard the uploaded file\?', page)
    report = done.get_data(as_text=True)
    assert re.search(r'<form [^>]*/undo"[^>]*data-confirm="Undo the whole import\?', report)
    assert "<h1>Project imported</h1>" in report
    record = db.session.scalars(select(ProjectImport)).one()
    undone = client.post(f"/coding/import/{record.id}/undo", follow_redirects=True)
    text = undone.get_data(as_text=True)
    assert "<h1>Project import undone</h1>" in text and "<h1>Project imported</h1>" not in text


@needs_vendors
def test_the_merge_field_is_wide_enough_for_the_longest_path(coded, client, auth):
    from app.codebook.queries import codebook

    auth.login(user=coded["boss"])
    upload = client.post("/coding/import", data={"file": (io.BytesIO(vendor(QC)),
                                                          "qc.qdpx")})  # fmt: skip
    page = client.get(upload.headers["Location"]).get_data(as_text=True)
    longest = max(len(c.path) for c in codebook() if c.active)
    sizes = [int(n) for n in re.findall(r'<input[^>]*class="merge-target"[^>]*size="(\d+)"', page)
             + re.findall(r'<input[^>]*size="(\d+)"[^>]*class="merge-target"', page)]  # fmt: skip
    assert sizes and all(size >= longest for size in sizes)


@needs_vendors
def test_what_the_files_reader_left_out_is_said_in_the_readers_language(coded, client, auth):
    """NVivo's rich-text versions of its sources are left out; the report says so in the
    language of whoever reads it, not in the reader's own English."""
    boss = coded["boss"]
    boss.language = "sv"
    db.session.commit()
    auth.login(user=boss)
    _, _, done = import_through_pages(client, vendor(NVIVO), "nvivo.qdpx")
    swedish = done.get_data(as_text=True)
    assert "2 formaterade versioner av källor (den rena texten behölls)" in swedish
    assert "rich-text" not in swedish
    boss.language = "da"
    db.session.commit()
    record = db.session.scalars(select(ProjectImport)).one()
    danish = client.get(f"/coding/import/{record.id}/report").get_data(as_text=True)
    assert "2 formaterede versioner af kilder (den rene tekst blev beholdt)" in danish


@needs_vendors
def test_a_codebook_reader_note_is_flashed_in_the_users_language(coded, client, auth):
    """ATLAS.ti's codebook sample holds a set: it is left out, and the flash says so in
    Danish."""
    boss = coded["boss"]
    boss.language = "da"
    db.session.commit()
    auth.login(user=boss)
    data = (VENDORS.parent / "atlasti-23.4-codebook.qdc").read_bytes()
    page = client.post("/coding/codebook/import", data={"qdc-file": (io.BytesIO(data),
                       "codes.qdc")}, follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "1 sæt" in page and "1 set" not in page
