"""Tables for spreadsheets: CSV that opens in Excel and cannot carry a formula."""

import csv
import io
from collections.abc import Iterable

#: a cell starting with one of these is read as a formula by spreadsheet programs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with an apostrophe before anything a spreadsheet would evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """UTF-8 CSV with a byte-order mark and semicolons, as Excel in Sweden and Denmark expects."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_cell(cell) for cell in header)
    for row in rows:
        writer.writerow(safe_cell(cell) for cell in row)
    return "\ufeff" + out.getvalue()
