"""Reading an existing placement register from CSV or XLSX, without touching the database.

``read_table`` turns the bytes of an upload into headers and rows, refusing what it cannot
read safely (unknown encodings, zip bombs, path tricks; XML entities are refused by
defusedxml, which openpyxl uses when it is installed). ``parse_rows`` checks every row against
a column mapping and returns each row's values and errors; the import service then imports
all rows or none.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.participants.eligibility import Setting
from app.participants.identity import (
    CODE_PATTERN,
    IdNumberError,
    normalise_id_number,
    normalise_phone,
)

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


# --- columns ---------------------------------------------------------------------------------


#: how each kind of column is written, as the import page and the template explain it
FORMATS = {
    "code": _l("P-year-number, such as P-2024-017; left empty, a code is given"),
    "text": _l("Text"),
    "lines": _l("Text; line breaks are kept"),
    "date": _l("A date: 2024-05-31, 20240531, 31.05.2024, 31/5 2024 or 31 maj 2024"),
    "id_number": _l(
        "Personnummer (YYYYMMDD-NNNN) or CPR number (DDMMYY-NNNN), matching the birth date"
    ),
    "phone": _l("A phone number, with or without the country code"),
    "email": _l("An e-mail address"),
    "setting": _l("Family home, institution or other"),
    "yes_no": _l("Yes or no; empty means no"),
    "names": _l("Names, separated by semicolons or line breaks"),
}


@dataclass(frozen=True)
class Column:
    """One column of a register file: the single definition that the import page, the
    template file and the parser all read."""

    key: str
    label: object
    required: bool
    #: header names this column is recognised by (lower case, sv/da/en; export labels too)
    aliases: tuple[str, ...]
    #: what the column holds, for the person filling in the file
    meaning: object
    #: a key of FORMATS, which also decides how a cell is read
    kind: str
    #: a value that imports: a text, a translatable text, or a text per country (SE, DK)
    example: object = ""

    @property
    def format(self):
        return FORMATS[self.kind]

    def example_for(self, region: str) -> str:
        example = self.example.get(region, "") if isinstance(self.example, dict) else self.example
        return str(example)


COLUMNS = [
    Column("code", _l("Code"), False, ("code", "kod", "kode", "pseudonym"),
           _l("The young person's code in the register"), "code", "P-2024-017"),
    Column("name", _l("Name"), True, ("name", "namn", "navn", "full name", "fulde navn"),
           _l("The young person's full name"), "text", "Alva Lindberg"),
    Column("birth_date", _l("Birth date"), True,
           ("birth date", "date of birth", "födelsedatum", "fødselsdato", "född", "født"),
           _l("The young person's birth date"), "date", "2008-04-02"),
    Column("id_number", _l("ID number"), False,
           ("id number", "personnummer", "cpr", "cpr-nummer", "cpr-nr", "id-nummer", "personnr"),
           _l("The young person's personnummer or CPR number"), "id_number",
           {"SE": "20080402-2382", "DK": "020408-4001"}),
    Column("phone", _l("Phone"), False,
           ("phone", "telephone", "mobile", "telefon", "mobil", "telefonnummer", "mobilnummer"),
           _l("The young person's phone number"), "phone",
           {"SE": "070-174 06 55", "DK": "20 12 34 56"}),
    Column("email", _l("E-mail"), False, ("e-mail", "email", "e-post", "epost", "mail"),
           _l("The young person's e-mail address"), "email", "alva.lindberg@example.org"),
    Column("address", _l("Address"), False, ("address", "adress", "adresse", "postadress"),
           _l("The young person's postal address"), "lines", "Storgatan 1\n652 24 Karlstad"),
    Column("guardian", _l("Guardian"), False,
           ("guardian", "vårdnadshavare", "forældremyndighedsindehaver", "værge"),
           _l("The guardian's name, for a young person under 18"), "text", "Maria Lindberg"),
    Column("started_on", _l("Placement start"), True,
           ("placement start", "start", "placering start", "placeringsstart",
            "anbringelse start"),
           _l("The day the placement started"), "date", "2016-09-01"),
    Column("ended_on", _l("Placement end"), False,
           ("placement end", "end", "placering slut", "placeringsslut", "anbringelse slut",
            "slut"),
           _l("The day the placement ended; empty while it goes on"), "date", "2024-06-30"),
    Column("setting_at_end", _l("Setting at the end"), True,
           ("setting at the end", "setting at end", "boende vid avslut",
            "boendeform vid avslut", "anbringelsessted ved afslutning", "anbringelsesform"),
           _l("Where the child lived when the placement ended"), "setting", _l("Family home")),
    Column("custody_transferred", _l("Custody transferred"), False,
           ("custody transferred", "vårdnadsöverflyttning", "vårdnad överflyttad",
            "forældremyndighed overdraget"),
           _l("Whether custody was transferred to the foster parents"), "yes_no", _l("no")),
    Column("social_workers", _l("Social workers"), False,
           ("social workers", "social worker", "socialsekreterare", "handläggare",
            "sagsbehandlere"),
           _l("The child's social workers; a name that matches a user links that user"),
           "names", "Karin Berg"),
    Column("foster_parents", _l("Foster parents"), False,
           ("foster parents", "familjehemsföräldrar", "familjehem", "plejeforældre",
            "plejefamilie"),
           _l("The foster parents' names"), "names", "Eva Holm; Per Holm"),
    Column("birth_parents", _l("Birth parents"), False,
           ("birth parents", "biologiska föräldrar", "föräldrar", "biologiske forældre",
            "forældre"),
           _l("The birth parents' names"), "names", "Sara Lindberg"),
    Column("siblings", _l("Siblings"), False, ("siblings", "syskon", "søskende"),
           _l("The siblings' names"), "names", "Leo Lindberg"),
    Column("other_people", _l("Other people in the child's story"), False,
           ("other people", "andra personer", "andre personer"),
           _l("Other people who matter in the child's story"), "names", "Farmor Ingrid"),
]  # fmt: skip
COLUMN_KEYS = [column.key for column in COLUMNS]


def template_csv(region: str) -> bytes:
    """A register file to fill in: the column names in the reader's language and one example
    row, as UTF-8 with a byte order mark and semicolons, which Excel opens as columns in
    Sweden and Denmark (and this importer reads back)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(column.label) for column in COLUMNS])
    writer.writerow([column.example_for(region) for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _normal(text) -> str:
    return re.sub(r"[\s_]+", " ", str(text or "")).strip().casefold()


def guess_mapping(headers: list[str], labels: dict[str, list[str]] | None = None) -> dict:
    """column key -> index of the header it most likely is; ``labels`` adds translated names."""
    mapping = {}
    normal = [_normal(h) for h in headers]
    for column in COLUMNS:
        names = {*column.aliases, *(_normal(n) for n in (labels or {}).get(column.key, []))}
        for index, header in enumerate(normal):
            if header in names and index not in mapping.values():
                mapping[column.key] = index
                break
    return mapping


# --- values ----------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "januar", "january", "jan"),
            ("februari", "februar", "february", "feb"),
            ("mars", "marts", "march", "mar"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augusti", "august", "aug"),
            ("september", "sept", "sep"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_SWEDISH_SHORT = re.compile(r"(\d{1,2})/(\d{1,2}) (\d{4})")
_WORDS = re.compile(r"(\d{1,2})\.? ([^\W\d]+)\.? (\d{4})")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2}|\d{2}-\d{1,2}-\d{1,2}")


class ValueProblem(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_date(value) -> date:
    """A date from ISO, compact, day-first (sv/da) or worded (31 maj 2024) forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = re.sub(r"\s+", " ", str(value)).strip().casefold()
    parts = None
    if m := _ISO.fullmatch(text) or _COMPACT.fullmatch(text):
        parts = int(m[1]), int(m[2]), int(m[3])
    elif m := _DAY_FIRST.fullmatch(text) or _SWEDISH_SHORT.fullmatch(text):
        parts = int(m[3]), int(m[2]), int(m[1])
    elif (m := _WORDS.fullmatch(text)) and m[2] in MONTHS:
        parts = int(m[3]), MONTHS[m[2]], int(m[1])
    elif _TWO_DIGIT_YEAR.fullmatch(text):
        raise ValueProblem(_l("write the year with four digits: %(value)s", value=str(value)))
    if parts is None:
        raise ValueProblem(_l("“%(value)s” is not a date (use 2024-05-31)", value=str(value)))
    try:
        return date(*parts)
    except ValueError:
        raise ValueProblem(_l("“%(value)s” is not a real date", value=str(value))) from None


SETTINGS = {
    Setting.FAMILY_HOME: (
        "family home", "foster home", "foster family", "familjehem", "jourhem",
        "nätverkshem", "plejefamilie", "netværksplejefamilie", "familiepleje",
    ),
    Setting.INSTITUTION: (
        "institution", "institution (residential care)", "residential care", "hvb", "hvb-hem",
        "sis", "sis-hem", "institution (hvb)", "døgninstitution", "opholdssted",
        "institution (døgninstitution)",
    ),
    Setting.OTHER: ("other", "annat", "andet", "eget boende", "egen bolig", "own home"),
}  # fmt: skip
_SETTING_BY_NAME = {name: setting for setting, names in SETTINGS.items() for name in names}
YES = {"yes", "y", "ja", "j", "x", "1", "true", "sant"}
NO = {"no", "n", "nej", "0", "false", "falskt", "-", ""}


def parse_setting(value, labels: dict[str, Setting] | None = None) -> Setting:
    key = _normal(value)
    setting = _SETTING_BY_NAME.get(key) or (labels or {}).get(key)
    if setting is None:
        raise ValueProblem(
            _l("“%(value)s” is not a setting (family home, institution, other)", value=str(value))
        )
    return setting


def parse_yes_no(value) -> bool:
    key = _normal(value)
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueProblem(_l("“%(value)s” is not yes or no", value=str(value)))


def split_names(value) -> list[str]:
    """The people named in one cell: separated by semicolons, commas or line breaks.

    Not by "/": it belongs to names ("Anna/Lisa", a chosen double name) as often as it
    separates them, and a name cut in two would link a person to the wrong people.
    """
    return [name.strip() for name in re.split(r"[;,\n]", str(value or "")) if name.strip()]


# --- rows ------------------------------------------------------------------------------------


@dataclass
class Row:
    #: the row's line in the file, counting the header as line 1
    line: int
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def error(self, column: Column, message) -> None:
        self.errors.append(_l("%(column)s: %(problem)s", column=column.label, problem=message))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Our own exports (and others') guard cells against formula injection with an apostrophe.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


EARLIEST = date(1900, 1, 1)


def parse_rows(
    table: Table, mapping: dict, *, region: str, today: date | None = None, setting_labels=None
) -> list[Row]:
    """Check every row; a row's ``values`` are ready for the register when it has no errors."""
    missing = [c for c in COLUMNS if c.required and mapping.get(c.key) is None]
    if missing:
        names = ", ".join(str(c.label) for c in missing)
        raise ImportProblem(_l("Choose a column for: %(names)s", names=names))
    seen_ids: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    rows = []
    for offset, cells in enumerate(table.rows):
        row = Row(line=offset + 2)
        for column in COLUMNS:
            index = mapping.get(column.key)
            raw = cells[index] if index is not None and index < len(cells) else None
            text = _text(raw)
            if isinstance(raw, Formula) or text.startswith("="):
                row.error(column, _l("contains a formula; enter the value instead"))
                continue
            if len(text) > MAX_CELL:
                row.error(column, _l("longer than %(n)s characters", n=MAX_CELL))
                continue
            if not text:
                if column.required:
                    row.error(column, _l("missing"))
                continue
            try:
                row.values[column.key] = _parse(column.kind, raw, text, region, setting_labels)
            except ValueProblem as problem:
                row.error(column, problem.message)
        _check_row(row, seen_ids, seen_codes, today or date.today())
        rows.append(row)
    return rows


def _parse(kind: str, raw, text: str, region: str, setting_labels):
    if kind == "date":
        return parse_date(raw if isinstance(raw, date) else text)
    if kind == "setting":
        return parse_setting(text, setting_labels)
    if kind == "yes_no":
        return parse_yes_no(text)
    if kind == "names":
        return split_names(text)
    if kind == "phone":
        try:
            return normalise_phone(text, region)
        except IdNumberError as problem:
            raise ValueProblem(problem.message) from None
    if kind == "email":
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueProblem(_l("“%(value)s” is not an e-mail address", value=text)) from None
    if kind == "code":
        code = text.upper()
        if not CODE_PATTERN.fullmatch(code) or len(code) > 16:
            raise ValueProblem(_l("“%(value)s” is not a code like P-2025-017", value=text))
        return code
    if kind == "lines":  # an address keeps its lines, as the register does
        lines = (" ".join(line.split()) for line in text.splitlines())
        return "\n".join(line for line in lines if line)
    return re.sub(r"\s+", " ", text)


def _check_row(row: Row, seen_ids: dict, seen_codes: dict, today: date) -> None:
    values, by_key = row.values, {c.key: c for c in COLUMNS}
    for key in ("birth_date", "started_on", "ended_on"):
        if key in values and not EARLIEST <= values[key] <= today:
            row.error(by_key[key], _l("the date must be between 1900-01-01 and today"))
            del values[key]
    birth, start, end = values.get("birth_date"), values.get("started_on"), values.get("ended_on")
    if start and end and end < start:
        row.error(by_key["ended_on"], _l("the placement ends before it starts"))
    if birth and start and birth > start:
        row.error(by_key["birth_date"], _l("the child is born after the placement starts"))
    if "id_number" in values and birth:
        try:
            values["id_number"] = normalise_id_number(values["id_number"], birth)
        except IdNumberError as problem:
            row.error(by_key["id_number"], problem.message)
            del values["id_number"]
        else:
            number = values["id_number"]
            if number in seen_ids:
                row.error(
                    by_key["id_number"],
                    _l("the same ID number as on line %(line)s", line=seen_ids[number]),
                )
            seen_ids.setdefault(number, row.line)
    code = values.get("code")
    if code:
        if code in seen_codes:
            row.error(
                by_key["code"], _l("the same code as on line %(line)s", line=seen_codes[code])
            )
        seen_codes.setdefault(code, row.line)
