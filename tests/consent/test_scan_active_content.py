"""A consent scan that is a PDF with active content is refused; a scan is always served as
an attachment the browser does not sniff, render inline or run."""
# ruff: noqa: F811 (the fixture imported from another test module is used as an argument)

import io
import zlib

import pikepdf
import pytest
from flask_babel import force_locale

from app.consent import scans
from app.consent.scans import ScanProblem
from app.consent.services import ConsentError
from tests.consent.pdfs import CATALOG, MINIMAL, classic, document, packed, scanned_pages
from tests.consent.test_consent import record, setup  # noqa: F401 (a fixture)

ACTIVE = "contains active content"
UNCHECKED = "cannot be checked"
JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hi'\\);) >>"
OPENS_JS = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"


def annotated(annotation: bytes) -> dict[int, bytes]:
    """A page with one annotation (object 4)."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    return document({4: annotation}, page=page)


def catalog(entries: bytes) -> bytes:
    return CATALOG[:-2] + entries + b" >>"


REFUSED = {
    # the security review's bypass: a string "(obj)" in the object stream's dictionary hid
    # /ObjStm and /FlateDecode from the old scanner, and the catalog inside opened a script
    "review-bypass": (packed(document({4: JS_ACTION}, catalog=OPENS_JS), b"/Note (obj)"), ACTIVE),
    # a dictionary longer than the 2 KB the old scanner read before "stream"
    "long-stream-dictionary": (
        packed(document({4: JS_ACTION}, catalog=OPENS_JS), b"/Note (" + b"x" * 3000 + b")"),
        ACTIVE,
    ),
    "script-in-object-stream": (
        packed(document({4: b"<< /JavaScript 5 0 R >>", 5: JS_ACTION},
                        catalog=catalog(b"/Names 4 0 R"))),
        ACTIVE,
    ),
    "script-on-opening": (classic(document(catalog=catalog(b"/OpenAction " + JS_ACTION))), ACTIVE),
    "script-on-opening-indirect": (classic(document({4: JS_ACTION}, catalog=OPENS_JS)), ACTIVE),
    "document-scripts": (
        classic(document({4: b"<< /Names [(a) 5 0 R] >>", 5: JS_ACTION},
                         catalog=catalog(b"/Names << /JavaScript 4 0 R >>"))),
        ACTIVE,
    ),
    "escaped-names": (classic(document({4: b"<< /S /J#61vaScr#69pt /J#53 (x) >>"})), ACTIVE),
    "unreferenced-script": (classic(document({9: JS_ACTION})), ACTIVE),
    "page-additional-actions": (
        classic(document({4: JS_ACTION}, page=b"<< /Type /Page /Parent 2 0 R "
                         b"/MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>")),
        ACTIVE,
    ),
    "launch-link": (
        classic(annotated(b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                          b"/A << /S /Launch /F (cmd.exe) >> >>")),
        ACTIVE,
    ),
    "file-link": (
        classic(annotated(b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                          b"/A << /S /URI /URI (file://server/share/x) >> >>")),
        ACTIVE,
    ),
    "open-a-web-page": (
        classic(document(catalog=catalog(b"/OpenAction << /S /URI /URI (https://x.example/) >>"))),
        ACTIVE,
    ),
    "embedded-files": (
        classic(document({4: b"<< /Names [(a.exe) 5 0 R] >>",
                          5: b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                          6: b"<< /Length 0 >>"},
                         catalog=catalog(b"/Names << /EmbeddedFiles 4 0 R >>"))),
        ACTIVE,
    ),
    "embedded-file-without-type": (
        classic(document({4: b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
                          5: b"<< /Length 0 >>"})),
        ACTIVE,
    ),
    "file-attachment": (
        classic(annotated(b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] >>")),
        ACTIVE,
    ),
    "submit-form": (
        classic(document({4: b"<< /S /SubmitForm /F (https://evil.example/) >>"})), ACTIVE
    ),
    "xfa": (classic(document(catalog=catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>"),
                             extra={4: b"<< >>"})), ACTIVE),
    "encrypted-no-password": (None, "encrypted"),
    "encrypted-password": (None, "encrypted"),
    "not-a-pdf-inside": (b"%PDF-1.4\nnothing here\n%%EOF\n", "damaged or cut short"),
}  # fmt: skip


def encrypted(user: str) -> bytes:
    pdf = pikepdf.open(io.BytesIO(MINIMAL))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=user))
    return out.getvalue()


REFUSED["encrypted-no-password"] = (encrypted(""), "encrypted")
REFUSED["encrypted-password"] = (encrypted("secret"), "encrypted")


@pytest.mark.parametrize(("data", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_pdf_with_active_content_is_refused(data, message):
    with pytest.raises(ScanProblem, match=message):
        scans.content_type(data)


def test_an_object_stream_that_cannot_be_read_is_refused():
    """An object qpdf cannot unpack is an object the check has not seen."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /GoTo /D [3 0 R] >> >>"
    objects = document({4: link}, page=page)
    assert scans.content_type(packed(objects, loose=(1, 2, 3))) == "application/pdf"
    broken = packed(objects, loose=(1, 2, 3), deflate=lambda raw: b"not deflated" + raw)
    with pytest.raises(ScanProblem, match=UNCHECKED):
        scans.content_type(broken)


def test_an_object_stream_that_inflates_too_far_is_refused():
    """Some 80 kB that would inflate to 80 MB are stopped at qpdf's limit, not held."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    objects = document({4: b"<< /Type /Annot /Subtype /Square /Rect [0 0 9 9] >>"}, page=page)
    bomb = packed(
        objects, loose=(1, 2, 3), deflate=lambda raw: zlib.compress(raw + b" " * 80 * 2**20, 9)
    )
    assert len(bomb) < 200_000
    with pytest.raises(ScanProblem, match=UNCHECKED):
        scans.content_type(bomb)


def test_a_pdf_with_too_many_objects_is_refused(monkeypatch):
    monkeypatch.setattr(scans, "MAX_OBJECTS", 5)  # objects 1 to 5
    assert scans.content_type(classic(document({4: b"1", 5: b"2"}))) == "application/pdf"
    with pytest.raises(ScanProblem, match=UNCHECKED):
        scans.content_type(classic(document({4: b"1", 5: b"2", 6: b"3"})))


def test_a_pdf_with_too_many_items_is_refused(monkeypatch):
    monkeypatch.setattr(scans, "MAX_ITEMS", 1_000)
    many = classic(document({4: b"[" + b"0 " * 2_000 + b"]"}))
    with pytest.raises(ScanProblem, match=UNCHECKED):
        scans.content_type(many)


def saved_by_pikepdf(pages=3) -> bytes:
    """A multi-page PDF written with object streams, opening at the first page (as scanners
    write it), with a link to a web page."""
    pdf = pikepdf.open(io.BytesIO(scanned_pages(pages)))
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 50, 50],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/")),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([link]))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def opening_at(destination: bytes) -> bytes:
    return classic(document(catalog=catalog(b"/OpenAction " + destination)))


ACCEPTED = {
    "minimal": MINIMAL,
    "pillow-scan": scanned_pages(3),
    "object-streams": saved_by_pikepdf(),
    "packed-plain": packed(document(), b"/Note (obj)"),
    "open-at-page": opening_at(b"[3 0 R /Fit]"),
    "open-at-page-zoomed": opening_at(b"[3 0 R /XYZ null null 0.5]"),
    "go-to-page": opening_at(b"<< /S /GoTo /D [3 0 R /FitH 700] >>"),
    "similar-names": classic(document({4: b"<< /Type /Font /BaseFont /JSMincho /AAA 1 >>"})),
    # image data is not read as names: the old scanner refused these bytes in a JPEG
    "names-in-image-data": classic(document({4: (
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /BitsPerComponent 8 "
        b"/ColorSpace /DeviceGray /Filter /DCTDecode >>",
        b"\xff\xd8\xff /JS (x) /AA /Launch \xff\xd9",
    )})),
}  # fmt: skip


@pytest.mark.parametrize("data", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_plain_scan_is_accepted(data):
    assert scans.content_type(data) == "application/pdf"


def test_a_page_or_a_go_to_action_is_the_only_thing_to_open_at():
    for destination in (
        b"[3 0 R /Fit (x)]",
        b"[]",
        b"<< /S /GoTo /D [3 0 R] /Next << /S /GoTo /D [3 0 R] >> >>",
        b"7",
    ):
        with pytest.raises(ScanProblem, match=ACTIVE):
            scans.content_type(opening_at(destination))


def test_active_content_is_refused_with_a_translated_message(setup, app):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    evil = classic(document({4: JS_ACTION}, catalog=OPENS_JS))
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
