"""Checking an uploaded scan of a signed consent form: a PDF or an image, nothing else.

The type is read from the content, never from the name or the browser's claim. Images are
opened with Pillow's size limits so that a decompression bomb is refused before it is
decoded; a PDF must at least begin and end like one. Nothing is rendered or executed.
"""

import io
import warnings

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
