"""The catalogue of hostile files, each sent through the real upload route by a person
allowed to use it: no crash, no 500, a clear error each time, nothing changed."""

import csv
import io
import re
import time

import pytest
from sqlalchemy import select

from analysis import refiqda
from app.core.db import db
from app.participants.models import Participant
from tests.analysis.test_refiqda import make_project
from tests.exchange.flow import import_through_pages
from tests.fuzz import hostile
from tests.fuzz.conftest import NOTHING, changes, snapshot
from tests.fuzz.strategies import members
from tests.fuzz.test_parsers import DOCX, PDF, QDC, QDPX, REGISTER_XLSX

ROUTES = {
    # route: (URL pattern, file field)
    "register": ("/participants/import", "file"),
    "transcript": ("/transcripts/interview/{interview}/import", "file"),
    "audio": ("/transcripts/interview/{interview}/audio", "audio"),
    "codebook": ("/coding/codebook/import", "qdc-file"),
    "project": ("/coding/import", "file"),
    "scan": ("/consent/interview/{waiting}/record", "record-scan"),
}


def send(client, site, route: str, name: str, data: bytes):
    """POST the file as the browser would; returns (response, text the person sees)."""
    url, field = ROUTES[route]
    url = url.format(interview=site.interview_id, waiting=site.waiting_id)
    form = {field: (io.BytesIO(data), name)}
    if route == "scan":
        form |= {"record-giver": "young_person", "record-scopes": ["participation"],
                 "record-form_id": str(site.form_id), "record-method": "signed_paper",
                 "record-given_on": "2026-11-10"}  # fmt: skip
    response = client.post(url, data=form, content_type="multipart/form-data")
    page = response
    if response.status_code == 302:  # the flash is read on the page it leads to
        page = client.get(response.headers["Location"])
    return response, page.get_data(as_text=True)


def errors_shown(html: str) -> list[str]:
    """Flashed errors and form field errors, as the person reads them."""
    found = re.findall(r'<p class="flash flash-error">(.*?)</p>', html, re.S)
    for block in re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html, re.S):
        found += re.findall(r"<li>(.*?)</li>", block, re.S)
    return [re.sub(r"\s+", " ", text).strip() for text in found if text.strip()]


XLSX_SLIPS = hostile.zip_slip(members(REGISTER_XLSX))
DOCX_MEMBERS = members(DOCX)
QDPX_MEMBERS = members(QDPX)
WAV = b"RIFF" + (10_000).to_bytes(4, "little") + b"WAVEfmt " + bytes(200)

CASES = [
    # register of placements (CSV, XLSX)
    ("register", "latin.csv", hostile.INVALID_UTF8, "could not be read"),
    (
        "register",
        "utf16.csv",
        hostile.utf16_with_bom("Namn;Född\r\nÅsa;2001-01-01\r\n"),
        "not UTF-8 or Windows-1252",
    ),
    ("register", "huge.csv", hostile.HUGE_LINE, "malformed"),
    ("register", "empty.csv", b"", "empty"),
    ("register", "picture.csv", hostile.png_header_bomb(), "not UTF-8 or Windows-1252"),
    ("register", "sheet.csv", REGISTER_XLSX, "give it the .xlsx ending"),
    ("register", "text.xlsx", b"Namn;F\r\nA;B\r\n", "not a valid XLSX"),
    ("register", "bomb.xlsx", hostile.zip_bomb(), "unpacks to far more"),
    ("register", "many.xlsx", hostile.zip_many(), "not a valid XLSX"),
    (
        "register",
        "laughs.xlsx",
        hostile.replace_member(
            REGISTER_XLSX, "xl/workbook.xml", hostile.billion_laughs("workbook")
        ),
        "not a valid XLSX",
    ),
    (
        "register",
        "xxe.xlsx",
        hostile.replace_member(
            REGISTER_XLSX,
            "xl/workbook.xml",
            hostile.external_entity("workbook", "file:///etc/passwd"),
        ),
        "not a valid XLSX",
    ),
    *[
        ("register", f"slip{n}.xlsx", data, "suspicious file path")
        for n, data in enumerate(XLSX_SLIPS)
    ],
    # transcripts brought in as files
    ("transcript", "latin.txt", hostile.INVALID_UTF8, "is not valid UTF-8"),
    ("transcript", "huge.txt", hostile.HUGE_LINE, "too long"),
    ("transcript", "empty.txt", b"", "no transcript text"),
    ("transcript", "picture.txt", hostile.png_header_bomb(), "not a text file"),
    ("transcript", "sound.docx", WAV, "not a Word (.docx) document"),
    ("transcript", "bomb.docx", hostile.zip_bomb("word/document.xml"), "unpacks to far more"),
    (
        "transcript",
        "laughs.docx",
        hostile.replace_member(DOCX, "word/document.xml", hostile.billion_laughs("w:document")),
        "damaged",
    ),
    (
        "transcript",
        "xxe.docx",
        hostile.replace_member(
            DOCX, "word/document.xml", hostile.external_entity("document", "file:///etc/passwd")
        ),
        "damaged",
    ),
    *[
        ("transcript", f"slip{n}.docx", data, "unsafe file path")
        for n, data in enumerate(hostile.zip_slip(DOCX_MEMBERS))
    ],
    ("transcript", "cues.vtt", b"WEBVTT\n\n" + hostile.HUGE_LINE[:100_000], "no transcript text"),
    ("transcript", "report.exe", b"MZ\x90\x00", "Import a .txt, .docx, .vtt or .srt file"),
    # audio
    ("audio", "empty.wav", b"", "not audio"),
    ("audio", "text.wav", b"Interviewer: Hello\n" * 100, "not audio"),
    ("audio", "picture.mp3", hostile.png_header_bomb(), "holds no audio"),
    ("audio", "bomb.m4a", hostile.zip_bomb(), "not audio"),
    ("audio", "cut.wav", WAV, "cut short"),
    ("audio", "huge.ogg", hostile.HUGE_LINE, "not audio"),
    # REFI-QDA codebooks
    (
        "codebook",
        "laughs.qdc",
        hostile.billion_laughs("CodeBook"),
        "XML entities or external references",
    ),
    (
        "codebook",
        "xxe-file.qdc",
        hostile.external_entity("CodeBook", "file:///etc/passwd"),
        "XML entities or external references",
    ),
    (
        "codebook",
        "xxe-http.qdc",
        hostile.external_entity("CodeBook", "http://127.0.0.1:9/x"),
        "XML entities or external references",
    ),
    (
        "codebook",
        "xxe-dtd.qdc",
        hostile.parameter_entity("CodeBook", "http://127.0.0.1:9/d"),
        "XML entities or external references",
    ),
    ("codebook", "latin.qdc", hostile.INVALID_UTF8, "not well-formed"),
    ("codebook", "huge.qdc", hostile.HUGE_LINE, "larger than"),
    ("codebook", "empty.qdc", b"", "not well-formed"),
    ("codebook", "project.qdc", QDPX, "not well-formed"),
    ("codebook", "codebook.xml", QDC, "Choose a .qdc file"),
    # REFI-QDA projects
    *[
        ("project", f"slip{n}.qdpx", data, "paths outside the project")
        for n, data in enumerate(hostile.zip_slip(QDPX_MEMBERS))
    ],
    ("project", "bomb.qdpx", hostile.zip_bomb("project.qde", 120), "expands to more than"),
    ("project", "many.qdpx", hostile.zip_many(), "expands to more than"),
    (
        "project",
        "laughs.qdpx",
        hostile.replace_member(QDPX, "project.qde", hostile.billion_laughs("Project")),
        "XML entities or external references",
    ),
    (
        "project",
        "xxe.qdpx",
        hostile.replace_member(
            QDPX, "project.qde", hostile.external_entity("Project", "file:///etc/passwd")
        ),
        "XML entities or external references",
    ),
    ("project", "empty.qdpx", b"", "not a .qdpx project"),
    ("project", "codebook.qdpx", QDC, "not a .qdpx project"),
    # scans of signed consent forms
    ("scan", "bomb.png", hostile.png_header_bomb(), "too large to be a scanned page"),
    ("scan", "text.pdf", b"Interviewer: Hello\n", "must be a PDF, JPEG or PNG"),
    ("scan", "cut.pdf", PDF[:-7] + b"\n" * 3000, "damaged or cut short"),
    ("scan", "archive.png", hostile.zip_bomb(), "must be a PDF, JPEG or PNG"),
    ("scan", "huge.pdf", hostile.HUGE_LINE, "must be a PDF, JPEG or PNG"),
    ("scan", "empty.pdf", b"", "Attach the scan"),
]


@pytest.mark.parametrize(("route", "name", "data", "message"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])  # fmt: skip
def test_a_hostile_file_is_refused_clearly_and_changes_nothing(
    client, site, route, name, data, message
):
    before = snapshot()
    began = time.monotonic()
    response, html = send(client, site, route, name, data)
    assert response.status_code in (200, 302), response.status_code
    assert time.monotonic() - began < 30, "nothing may expand into minutes of work"
    assert changes(before) == NOTHING, "a refused upload changed the database or the files"
    shown = errors_shown(html)
    assert any(message in text for text in shown), shown
    assert "Traceback" not in html and "/etc/passwd" not in html.replace("file:///", "")


def test_the_catalogue_on_disk_matches_the_makers(hostile):
    names = {p.name for p in hostile.iterdir()}
    assert {"billion-laughs.xml", "zip-bomb.zip", "zip-slip-1.zip", "huge-line.txt"} <= names
    assert (hostile / "empty.txt").stat().st_size == 0


def test_readable_files_in_unusual_encodings_are_accepted(client, site):
    """UTF-16 with a byte-order mark is a real way to save text: it is read, not refused."""
    text = "Interviewer: Hur mår du?\nYoung person: Bra, tack. Åsa hälsar.\n"
    response, html = send(client, site, "transcript", "utf16.txt", hostile.utf16_with_bom(text))
    assert response.status_code == 302 and not errors_shown(html)
    assert "Åsa hälsar" in html
    codebook = "\ufeff" + QDC.decode("utf-8").replace("UTF-8", "UTF-16", 1)
    response, html = send(client, site, "codebook", "utf16.qdc", codebook.encode("utf-16-le"))
    assert response.status_code == 302 and not errors_shown(html)
    assert "codes were added" in html


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_formula_cells_are_refused_or_kept_as_text_and_escaped_in_every_export(client, site):
    header = "Namn;Födelsedatum;Placering start;Placering slut;Boende vid avslut"
    dates = "2006-02-11;2012-03-01;2023-08-31;Familjehem"
    # A cell that is a formula once spaces are trimmed is refused, with its row.
    for formula in ("=1+1", "\t=1+1", "\r=1+1", "'=1+1"):
        cell = '"' + formula + '"'
        _response, preview = send(client, site, "register", "r.csv",
                                  f"{header}\r\n{cell};{dates}\r\n".encode())  # fmt: skip
        assert "contains a formula" in preview
    # Text that only starts like one is a name like any other: stored as written.
    names = ["+46 Andersson", "-Bo- Ek", "@Åsa Berg", hostile.FORMULAS[2]]
    rows = "\r\n".join(f'"{name}";{dates}' for name in names)
    response, _html = send(client, site, "register", "r.csv", f"{header}\r\n{rows}\r\n".encode())
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "All 4 rows are ready to import." in preview, errors_shown(preview)
    mapping = {"name": "0", "birth_date": "1", "started_on": "2", "ended_on": "3",
               "setting_at_end": "4"}  # fmt: skip
    done = client.post(response.headers["Location"] + "/run", data=mapping)
    assert done.status_code == 302
    stored = {p.name for p in select_participants()}
    assert set(names) <= stored
    # Every export escapes what a spreadsheet would evaluate.
    for url in ("/participants/export.csv", "/follow-up/attrition.csv"):
        exported = client.get(url)
        assert exported.status_code == 200 and exported.mimetype == "text/csv"
        cells = [cell for row in _read_csv(exported.data) for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], url
    register = _read_csv(client.get("/participants/export.csv").data)
    assert {"'" + name for name in names} <= {cell for row in register for cell in row}


def select_participants():
    return db.session.scalars(select(Participant)).all()


def test_a_project_made_here_still_imports(client, site):
    """The hostile cases above are not refused because the route refuses everything."""
    upload, preview, report = import_through_pages(client, refiqda.write_qdpx(make_project()))
    # an upload leads to its preview, and the import to its report page
    assert upload.status_code == 302 and preview and not errors_shown(preview)
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "data-imported" in html and not errors_shown(html)
