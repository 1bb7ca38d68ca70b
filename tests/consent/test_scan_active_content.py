"""A consent scan that is a PDF with active content is refused; a scan is always served as
an attachment the browser does not sniff, render inline or run."""
# ruff: noqa: F811 (the fixture imported from another test module is used as an argument)

import io
import zlib

import pytest
from flask_babel import force_locale
from PIL import Image

from app.consent import scans
from app.consent.scans import ScanProblem
from app.consent.services import ConsentError
from tests.consent.test_consent import PDF, record, setup  # noqa: F401 (a fixture)

ACTIVE = "contains active content"


def pdf(body: bytes, version: bytes = b"1.4") -> bytes:
    return b"%PDF-" + version + b"\n" + body + b"\ntrailer <<>>\n%%EOF\n"


def packed(objects: bytes, filter_: bytes = b"/FlateDecode") -> bytes:
    """A PDF 1.5 whose objects are packed into a compressed object stream."""
    body = zlib.compress(objects) if filter_ == b"/FlateDecode" else objects
    return pdf(
        b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter " + filter_ + b" /Length "
        + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream\nendobj",
        b"1.5",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pdf(b"1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj"), ACTIVE),
        (pdf(b"1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj"), ACTIVE),
        (pdf(b"1 0 obj << /Names << /JavaScript 3 0 R >> >> endobj"), ACTIVE),
        (pdf(b"1 0 obj << /S /J#61vaScr#69pt /J#53 (x) >> endobj"), ACTIVE),
        (pdf(b"3 0 obj << /Type /Page /AA << /O 4 0 R >> >> endobj"), ACTIVE),
        (pdf(b"4 0 obj << /S /Launch /F (cmd.exe) >> endobj"), ACTIVE),
        (pdf(b"1 0 obj << /Names << /EmbeddedFiles 6 0 R >> >> endobj"), ACTIVE),
        (pdf(b"6 0 obj << /Type /EmbeddedFile /Length 3 >> endobj"), ACTIVE),
        (pdf(b"7 0 obj << /S /SubmitForm /F (https://evil.example/) >> endobj"), ACTIVE),
        (pdf(b"1 0 obj << /AcroForm << /XFA 8 0 R >> >> endobj"), ACTIVE),
        (packed(b"1 0 << /S /JavaScript /JS (app.alert(1)) >>"), ACTIVE),
        (packed(b"1 0 << /Type /Catalog >>", b"/LZWDecode"), "cannot be checked"),
        (pdf(b"trailer << /Encrypt 9 0 R >>"), "encrypted"),
    ],
)
def test_a_pdf_with_active_content_is_refused(data, message):
    with pytest.raises(ScanProblem, match=message):
        scans.content_type(data)


def scanned_pages(count=2) -> bytes:
    out = io.BytesIO()
    pages = [Image.new("L", (850, 1100), "white") for _ in range(count)]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        PDF,
        scanned_pages(),
        pdf(b"1 0 obj << /Type /Catalog /OpenAction [3 0 R /Fit] >> endobj"),
        pdf(b"1 0 obj << /Type /Font /BaseFont /JSMincho /AAA 1 >> endobj"),
    ],
    ids=["minimal", "pillow-scan", "open-at-page", "similar-names"],
)
def test_a_plain_scan_is_accepted(data):
    assert scans.content_type(data) == "application/pdf"


def test_active_content_is_refused_with_a_translated_message(setup, app):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    evil = pdf(b"1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj")
    with pytest.raises(ConsentError) as refused:
        record(interviewer, interview, scan=("consent.pdf", evil))
    with app.test_request_context(), force_locale("sv"):
        assert "aktivt innehåll" in str(refused.value.message)


def test_a_scan_is_served_as_a_sandboxed_attachment(setup, client, auth):
    _coordinator, interviewer, interview_for = setup
    entry = record(interviewer, interview_for())
    auth.login(user=interviewer)
    scan = client.get(f"/consent/record/{entry.id}/scan")
    assert scan.status_code == 200
    assert scan.headers["Content-Disposition"].startswith("attachment;")
    assert scan.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in [d.strip() for d in scan.headers["Content-Security-Policy"].split(";")]
    page = client.get(f"/consent/record/{entry.id}/receipt")
    assert "sandbox" not in page.headers["Content-Security-Policy"]
