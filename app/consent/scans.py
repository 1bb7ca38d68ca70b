"""Checking an uploaded scan of a signed consent form: a PDF or an image, nothing else.

The type is read from the content, never from the name or the browser's claim. Images are
opened with Pillow's size limits so that a decompression bomb is refused before it is
decoded; a PDF must begin and end like one, open in a real PDF parser (qpdf), and hold nothing that
acts when it is opened (scripts, actions, launched programs, embedded files, forms that send
data). Nothing is rendered or executed.

pikepdf and Pillow are imported on the first scan checked, not with this module, so that a
web worker carries them only once someone uploads a scan.
"""

from __future__ import annotations

import io
import warnings
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    import pikepdf

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
    from PIL import Image, UnidentifiedImageError

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
# The PDF is read with qpdf (through pikepdf), which resolves every object, including those
# packed into compressed object streams and those a damaged cross-reference table no longer
# points at, so that the check sees what a viewer sees. A hand-written scan of the raw bytes
# missed objects whose stream dictionary it misread, and refused scans whose image data
# happened to hold "/JS".


def _load_pikepdf() -> None:
    """Import pikepdf into this module's namespace on the first PDF, with its limits set.

    qpdf's limits are process-wide; this module is the only reader of PDFs in Red Thread.
    A flate stream (object streams, cross-reference streams) may inflate to 64 MB at most, so
    a small file cannot claim gigabytes of memory; a file that needs more than a thousand
    repairs is not a scan. Setting them twice (two first uploads at once) is harmless.
    """
    global pikepdf
    if "pikepdf" in globals():
        return
    import pikepdf as reader
    from pikepdf import settings

    settings.set_qpdf_limits(flate_max_memory=64 * 2**20, doc_max_warnings=1_000)
    pikepdf = reader  # only now, so that no thread reads a PDF before the limits are set


#: objects a scan may hold (a scanned page needs a handful), and the entries of all their
#: arrays and dictionaries together; past either the PDF is not checked
MAX_OBJECTS = 200_000
MAX_ITEMS = 500_000

#: names that make a PDF act, whether a key or a value: scripts, actions on opening a page or
#: field, programs to launch, other files to open or send to, files carried inside, multimedia
#: and 3D (which carry their own scripts), XFA forms, forms that send or fetch data
_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript", "/JS", "/AA", "/Launch", "/SubmitForm", "/ImportData", "/GoToR",
        "/GoToE", "/GoTo3DView", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment",
        "/RichMedia", "/RichMediaExecute", "/Rendition", "/Sound", "/Movie", "/3D", "/XFA",
    }
)  # fmt: skip
#: a link may open a web page or an e-mail on a click; "file:" (which can hand the user's
#: Windows credentials to another machine) and "javascript:" may not
_URI_SCHEMES = ("http://", "https://", "mailto:")


class _Active(Exception):
    pass


class _Unchecked(Exception):
    pass


def _refuse_active_content(data: bytes) -> None:
    """ScanProblem if the PDF holds active content, is encrypted, or cannot be read in full.

    Every object in the file is read, with the trailer: a name in _ACTIVE_NAMES anywhere, an
    action on opening the document other than going to a page, or a link to anything but a
    web page or an e-mail address is refused. An object or stream that qpdf cannot read, or a
    file past the limits above, is refused rather than trusted.
    """
    _load_pikepdf()
    limit_errors = pikepdf.settings.qpdf_limit_errors()
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise ScanProblem(_ENCRYPTED_MESSAGE) from None
    except Exception:  # whatever qpdf cannot open is refused, never trusted
        raise ScanProblem(_l("The PDF is damaged or cut short.")) from None
    try:
        with pdf:
            if pdf.is_encrypted:
                raise ScanProblem(_ENCRYPTED_MESSAGE)
            # warnings while opening are repairs a viewer makes too (a rebuilt cross-reference
            # table finds every object in the file); one while reading the objects means an
            # object the check could not see
            repairs = len(pdf.get_warnings())
            _check_objects(pdf)
            if len(pdf.get_warnings()) > repairs:
                raise _Unchecked
    except ScanProblem:
        raise
    except _Active:
        raise ScanProblem(_ACTIVE_MESSAGE) from None
    except Exception:  # an object qpdf fails to read is one the check has not seen
        raise ScanProblem(_UNCHECKED_MESSAGE) from None
    if pikepdf.settings.qpdf_limit_errors() != limit_errors:
        # a stream qpdf stopped decoding at a limit may hide objects (the count is shared by
        # every thread, so another upload's refusal can refuse this one too: safe side)
        raise ScanProblem(_UNCHECKED_MESSAGE)


def _check_objects(pdf: pikepdf.Pdf) -> None:
    size = pdf.trailer.get("/Size")
    if isinstance(size, int) and size > MAX_OBJECTS + 1:  # one more than the highest number
        raise _Unchecked
    objects = pdf.objects
    if len(objects) > MAX_OBJECTS:
        raise _Unchecked
    budget = MAX_ITEMS
    for top in (pdf.trailer, *objects):
        stack = [top]
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Name):
                if str(item) in _ACTIVE_NAMES:
                    raise _Active
            elif isinstance(item, (pikepdf.Array, pikepdf.Dictionary, pikepdf.Stream)):
                # counted before the entries are taken out, so a huge array costs no memory
                budget -= 1 + len(item.stream_dict if isinstance(item, pikepdf.Stream) else item)
                if budget < 0:
                    raise _Unchecked
                if isinstance(item, pikepdf.Array):
                    stack.extend(_inner(item))
                else:
                    _check_dictionary(item)
                    stack.extend(_inner(item.values()))


def _inner(values):
    """The values to look into: an indirect one is read as an object of its own."""
    return [value for value in values if not getattr(value, "is_indirect", False)]


def _check_dictionary(item) -> None:
    keys = set(item.keys())
    if keys & _ACTIVE_NAMES:
        raise _Active
    if "/OpenAction" in keys and not _opens_a_page(item.get("/OpenAction")):
        raise _Active
    if item.get("/S") == pikepdf.Name.URI:
        uri = item.get("/URI")
        if not isinstance(uri, pikepdf.String) or not str(uri).strip().lower().startswith(
            _URI_SCHEMES
        ):
            raise _Active


def _opens_a_page(action) -> bool:
    """Whether an /OpenAction only opens the document at a page, as scanners write it."""
    if isinstance(action, pikepdf.Dictionary):
        if action.get("/S") != pikepdf.Name.GoTo or "/Next" in action:
            return False
        action = action.get("/D")
    if isinstance(action, (pikepdf.Name, pikepdf.String)):
        return True  # a named destination
    if not isinstance(action, pikepdf.Array) or len(action) == 0:
        return False
    page, *view = list(action)
    is_page = isinstance(page, int) or (
        isinstance(page, pikepdf.Dictionary) and page.get("/Type") == pikepdf.Name.Page
    )
    return is_page and all(
        value is None or isinstance(value, (int, Decimal, pikepdf.Name)) for value in view
    )


_ENCRYPTED_MESSAGE = _l("The PDF is encrypted. Save or scan it without a password.")
_ACTIVE_MESSAGE = _l(
    "The PDF contains active content (a script, an action, an embedded file or a form that "
    "sends data). Scan the paper form again, or print the PDF to a new PDF, and upload that."
)
_UNCHECKED_MESSAGE = _l(
    "The PDF cannot be checked for active content. Scan the paper form again, or print the "
    "PDF to a new PDF, and upload that."
)
