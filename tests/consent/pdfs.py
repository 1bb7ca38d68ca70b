"""Small, well-formed PDFs for the consent-scan tests, written byte by byte so that a test says
exactly what the file holds (nothing here depends on the reader under test)."""

import io
import struct
import zlib

from PIL import Image

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> >>"


def document(extra: dict[int, bytes] | None = None, **replace: bytes) -> dict[int, bytes]:
    """A one-page document's objects by number: 1 catalog, 2 pages, 3 page, then ``extra``;
    ``catalog=``, ``page=`` replace those."""
    objects = {1: replace.get("catalog", CATALOG), 2: PAGES, 3: replace.get("page", PAGE)}
    objects.update(extra or {})
    return objects


def _body(number: int, value) -> bytes:
    """An object; a (dictionary, data) pair is a stream holding ``data`` as it stands."""
    if isinstance(value, tuple):
        dictionary, data = value
        value = dictionary[:-2] + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"%d 0 obj\n%s\nendobj\n" % (number, value)


def classic(objects: dict, trailer: bytes = b"", size: int | None = None) -> bytes:
    """A PDF 1.4 with a cross-reference table; object 1 is the catalog."""
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += _body(number, objects[number])
    size = size or max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        trailer,
        xref,
    )
    return out


def packed(objects: dict, stream_dict: bytes = b"", loose=(), deflate=zlib.compress) -> bytes:
    """A PDF 1.5 whose objects sit in one compressed object stream, found through a
    cross-reference stream (the way the security review built its bypass). ``stream_dict``
    is added to the object stream's dictionary; the objects numbered in ``loose`` are written
    outside it; ``deflate`` turns the stream's content into its data."""
    numbers = [number for number in sorted(objects) if number not in loose]
    body, offsets = b"", []
    for number in numbers:
        offsets.append(b"%d %d" % (number, len(body)))
        body += objects[number] + b"\n"
    head = b" ".join(offsets) + b"\n"
    data = deflate(head + body)
    holder, xref_number = max(objects) + 1, max(objects) + 2
    out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    rows = {}
    for number in loose:
        rows[number] = (1, len(out), 0)
        out += _body(number, objects[number])
    holder_at = len(out)
    out += (
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d %s >>\n"
        b"stream\n"
        % (holder, len(numbers), len(head), len(data), stream_dict)
        + data
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows.update({0: (0, 0, 65535), holder: (1, holder_at, 0), xref_number: (1, xref_at, 0)})
    rows.update({number: (2, holder, index) for index, number in enumerate(numbers)})
    table = b"".join(struct.pack(">BIH", *rows.get(n, (0, 0, 0))) for n in range(xref_number + 1))
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref_number, xref_number + 1, len(table))
        + table
        + b"\nendstream\nendobj\n"
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def scanned_pages(count: int = 2) -> bytes:
    """Grey pages as a scanner's PDF holds them: one image per page (Pillow writes it)."""
    out = io.BytesIO()
    pages = [Image.new("L", (850, 1100), "white") for _ in range(count)]
    for number, page in enumerate(pages):
        page.paste(40 * number, (100, 100, 750, 140))  # a line of "text" on each page
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    return out.getvalue()


#: the smallest well-formed PDF: one empty page
MINIMAL = classic(document())
