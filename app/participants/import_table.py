"""Reading a placement register file (CSV or XLSX) into headers and rows, without touching
the database, refusing what cannot be read safely: unknown encodings, zip bombs, path
tricks, too many rows, columns or characters (XML entities are refused by defusedxml, which
openpyxl uses when it is installed). A formula cell is kept as a ``Formula`` so that the
row is refused rather than its formula's text imported.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELL = 1000
#: what an XLSX may unpack to, in all and per member, and the most compression we believe
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 200
EXTENSIONS = (".csv", ".txt", ".xlsx")


class ImportProblem(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Formula(str):
    """A spreadsheet formula, kept only to be refused: nothing is ever evaluated."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None


def read_table(data: bytes, filename: str) -> Table:
    """Headers and rows of the first sheet or the CSV text."""
    if len(data) > MAX_BYTES:
        raise ImportProblem(_l("The file is larger than %(mb)s MB.", mb=MAX_BYTES // 2**20))
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix not in EXTENSIONS:
        raise ImportProblem(_l("Upload a CSV or XLSX file."))
    if suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
        if suffix != ".xlsx":
            raise ImportProblem(_l("The file is a spreadsheet; give it the .xlsx ending."))
        table = _read_xlsx(data)
    else:
        table = _read_csv(data)
    if not table.headers or not any(h.strip() for h in table.headers):
        raise ImportProblem(_l("The file is empty: the first row must name the columns."))
    if len(table.headers) > MAX_COLUMNS:
        raise ImportProblem(
            lazy_ngettext("The file has more than %(num)d column.",
                          "The file has more than %(num)d columns.", MAX_COLUMNS)
        )  # fmt: skip
    if len(table.rows) > MAX_ROWS:
        raise ImportProblem(
            lazy_ngettext("The file has more than %(num)d row.",
                          "The file has more than %(num)d rows.", MAX_ROWS)
        )  # fmt: skip
    if not table.rows:
        raise ImportProblem(_l("The file has column names but no rows."))
    return table


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportProblem(
            _l("The file is not UTF-8 or Windows-1252 text. Save it as “CSV UTF-8” and try again.")
        )
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, label = "utf-8-sig", "UTF-8 (BOM)"
    else:
        encoding, label = "utf-8", "UTF-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        try:
            text, label = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            raise ImportProblem(
                _l("The file's characters could not be read. Save it as “CSV UTF-8”.")
            ) from None
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ImportProblem(_l("The file contains control characters; it is not a CSV file."))
    return text, label


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            if any(cell.strip() for cell in row):
                rows.append(row[: MAX_COLUMNS + 1])
            if len(rows) > MAX_ROWS + 1:  # stop reading: read_table refuses the file
                break
    except csv.Error as exc:
        raise ImportProblem(_l("The CSV file is malformed: %(error)s", error=str(exc))) from None
    if not rows:
        raise ImportProblem(_l("The file is empty: the first row must name the columns."))
    headers = [cell.strip() for cell in rows[0]]
    return Table(headers, rows[1:], "csv", encoding, delimiter)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportProblem(_l("The file is not a valid XLSX spreadsheet.")) from None
    total = 0
    with archive:
        for info in archive.infolist():
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in info.filename or \
                    re.match(r"[A-Za-z]:", info.filename):  # fmt: skip
                raise ImportProblem(_l("The spreadsheet contains a suspicious file path."))
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise ImportProblem(_l("The spreadsheet unpacks to far more than it holds."))


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl and defusedxml raise many kinds; all mean "unreadable"
        raise ImportProblem(_l("The file is not a valid XLSX spreadsheet.")) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows():
            values = [
                Formula(cell.value) if cell.data_type == "f" else cell.value
                for cell in row[: MAX_COLUMNS + 1]
            ]
            if any(v not in (None, "") for v in values):
                rows.append(values)
            if len(rows) > MAX_ROWS + 1:
                break
    except ImportProblem:
        raise
    except Exception:
        raise ImportProblem(_l("The file is not a valid XLSX spreadsheet.")) from None
    finally:
        book.close()
    if not rows:
        raise ImportProblem(_l("The file is empty: the first row must name the columns."))
    headers = ["" if v is None else str(v).strip() for v in rows[0]]
    return Table(headers, rows[1:], "xlsx")
