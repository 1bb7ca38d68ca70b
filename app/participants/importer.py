"""Checking the rows of a register file, without touching the database: ``parse_rows`` reads
every row of a ``Table`` (``import_table``) under a column mapping (``import_columns``),
cell by cell (``import_values``), and returns each row's values and errors; the import
service (``imports``) then imports all rows or none.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.participants.identity import (
    CODE_PATTERN,
    IdNumberError,
    normalise_id_number,
    normalise_phone,
)
from app.participants.import_columns import COLUMNS, Column
from app.participants.import_table import MAX_CELL, Formula, ImportProblem, Table
from app.participants.import_values import (
    ValueProblem,
    parse_date,
    parse_setting,
    parse_yes_no,
    split_names,
)


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
