"""Checking an uploaded scan of a signed consent form: a PDF or an image, nothing else.

The type is read from the content, never from the name or the browser's claim. Images are
opened with Pillow's size limits so that a decompression bomb is refused before it is
decoded; a PDF must at least begin and end like one, and hold nothing that acts when it is
opened (scripts, actions, launched programs, embedded files, forms that send data). Nothing is
rendered or executed.
"""

import io
import re
import warnings
import zlib

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a page scanned at 600 dpi is about 35 million


class ScanProblem(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def content_type(data: bytes) -> str:
    """The scan's MIME type, or ScanProblem saying why it is not accepted."""
    if not data:
        raise ScanProblem(_l("The scan is empty."))
    if len(data) > MAX_BYTES:
        raise ScanProblem(_l("The scan is larger than %(mb)s MB.", mb=MAX_BYTES // 2**20))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ScanProblem(_l("The PDF is damaged or cut short."))
        _refuse_active_content(data)
        return "application/pdf"
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        return _image_type(data)
    raise ScanProblem(_l("The scan must be a PDF, JPEG or PNG file."))


def _image_type(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ScanProblem(_l("The image is too large to be a scanned page."))
                kind = image.format
                image.verify()
    except ScanProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanProblem(_l("The image is too large to be a scanned page.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ScanProblem(_l("The image is damaged or not a JPEG or PNG file.")) from None
    return {"JPEG": "image/jpeg", "PNG": "image/png"}[kind]


# --- active content in a PDF ----------------------------------------------------------------

#: names that make a PDF act: scripts, actions on opening a page or field, programs to launch,
#: files carried inside, multimedia, XFA forms, forms that send or fetch data
_ACTIVE_NAMES = frozenset(
    {
        b"JavaScript", b"JS", b"AA", b"Launch", b"EmbeddedFile", b"EmbeddedFiles",
        b"RichMedia", b"XFA", b"SubmitForm", b"ImportData", b"GoToE", b"GoToR", b"Sound",
        b"Movie",
    }
)  # fmt: skip
#: a name token; "#xx" escapes are decoded before it is compared (``/J#61vaScript``)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
#: what one stream may inflate to, and all of them together, while they are checked
_MAX_STREAM = 16 * 1024 * 1024
_MAX_INFLATED = 64 * 1024 * 1024


def _names(data: bytes):
    """(name, the offset just after it) for each name token in ``data``."""
    for match in _NAME.finditer(data):
        yield _ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), match.group(1)), match.end()


def _active(data: bytes) -> bool:
    for name, end in _names(data):
        if name in _ACTIVE_NAMES:
            return True
        if name == b"OpenAction" and not data[end : end + 64].lstrip().startswith(b"["):
            return True  # an action on opening; only a page to open at ("[3 0 R /Fit]") is kept
    return False


def _refuse_active_content(data: bytes) -> None:
    """ScanProblem if the PDF holds active content or hides what it holds.

    The names are read in the file and in every compressed stream that is not an image
    (objects can be packed into compressed object streams); a stream that cannot be
    checked, or an encrypted file, is refused rather than trusted.
    """
    if _active(data):
        raise ScanProblem(_ACTIVE_MESSAGE)
    if any(name == b"Encrypt" for name, _end in _names(data)):
        raise ScanProblem(_l("The PDF is encrypted. Save or scan it without a password."))
    budget = _MAX_INFLATED
    for match in _STREAM.finditer(data):
        header = data[max(0, match.start() - 2048) : match.start()]
        header = header[header.rfind(b"obj") + 1 :]
        names = {name for name, _end in _names(header)}
        if b"Image" in names or b"FlateDecode" not in names:
            if b"ObjStm" in names:  # packed objects under a filter that is not read here
                raise ScanProblem(_UNCHECKED_MESSAGE)
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], min(_MAX_STREAM, budget) + 1)
        except zlib.error:
            if b"ObjStm" in names:
                raise ScanProblem(_UNCHECKED_MESSAGE) from None
            continue
        if len(inflated) > min(_MAX_STREAM, budget):
            raise ScanProblem(_UNCHECKED_MESSAGE)
        budget -= len(inflated)
        if _active(inflated):
            raise ScanProblem(_ACTIVE_MESSAGE)


_ACTIVE_MESSAGE = _l(
    "The PDF contains active content (a script, an action, an embedded file or a form that "
    "sends data). Scan the paper form again, or print the PDF to a new PDF, and upload that."
)
_UNCHECKED_MESSAGE = _l(
    "The PDF cannot be checked for active content. Scan the paper form again, or print the "
    "PDF to a new PDF, and upload that."
)
