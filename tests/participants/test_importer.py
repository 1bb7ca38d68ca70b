"""Reading register files: encodings, separators, dates, mapping, row checks, hostile files."""

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from app.participants.import_columns import guess_mapping
from app.participants.import_table import ImportProblem, read_table
from app.participants.import_values import ValueProblem, parse_date
from app.participants.importer import parse_rows

HEADER = "Namn;Födelsedatum;Personnummer;Placering start;Placering slut;Boende vid avslut"
GOOD_ROW = "Åsa Öberg;2006-02-11;20060211-0017;2012-03-01;2023-08-31;Familjehem"


def csv_bytes(*rows: str, encoding="utf-8") -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode(encoding)


def parse(data: bytes, name="register.csv"):
    table = read_table(data, name)
    return table, parse_rows(table, guess_mapping(table.headers), region="SE")


@pytest.mark.parametrize(
    ("encoding", "prefix", "label"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 (BOM)"),
        ("cp1252", b"", "Windows-1252"),
    ],
)
def test_encodings_keep_swedish_and_danish_letters(encoding, prefix, label):
    data = prefix + csv_bytes(
        HEADER, GOOD_ROW.replace("Åsa Öberg", "Åsa Øberg-Ærø"), encoding=encoding
    )
    table, rows = parse(data)
    assert table.encoding == label
    assert table.headers[1] == "Födelsedatum"
    assert rows[0].values["name"] == "Åsa Øberg-Ærø"
    assert rows[0].errors == []


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_detected(sep):
    table, rows = parse(csv_bytes(HEADER.replace(";", sep), GOOD_ROW.replace(";", sep)))
    assert table.delimiter == sep
    assert rows[0].values["birth_date"] == date(2006, 2, 11)


def test_utf16_is_refused_with_a_clear_message():
    with pytest.raises(ImportProblem, match="not UTF-8 or Windows-1252"):
        read_table(csv_bytes(HEADER, GOOD_ROW, encoding="utf-16"), "r.csv")


@pytest.mark.parametrize(
    "data",
    [b"", b"\r\n\r\n", csv_bytes(HEADER)],
    ids=["empty", "blank lines", "header only"],
)
def test_empty_files_are_refused(data):
    with pytest.raises(ImportProblem):
        read_table(data, "r.csv")


def test_other_file_types_and_binary_content_are_refused():
    with pytest.raises(ImportProblem, match="CSV or XLSX"):
        read_table(b"%PDF-1.7", "register.pdf")
    with pytest.raises(ImportProblem, match="control characters"):
        read_table(b"Name;Birth\x01date\n", "r.csv")
    with pytest.raises(ImportProblem, match=r"\.xlsx"):
        read_table(b"PK\x03\x04rest", "r.csv")


def test_a_huge_line_is_refused_not_crashed_on():
    data = csv_bytes(HEADER, "x" * 200_000 + ";2006-02-11")
    with pytest.raises(ImportProblem, match="malformed"):
        read_table(data, "r.csv")


def test_too_large_files_are_refused():
    with pytest.raises(ImportProblem, match="larger than"):
        read_table(b"a" * (10 * 1024 * 1024 + 1), "r.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-31", date(2024, 5, 31)),
        ("2024-5-3", date(2024, 5, 3)),
        ("20240531", date(2024, 5, 31)),
        ("31.05.2024", date(2024, 5, 31)),
        ("31-05-2024", date(2024, 5, 31)),
        ("31/05/2024", date(2024, 5, 31)),
        ("31/5 2024", date(2024, 5, 31)),
        ("31 maj 2024", date(2024, 5, 31)),
        ("31. maj 2024", date(2024, 5, 31)),
        ("5 januari 2010", date(2010, 1, 5)),
        ("5. marts 2010", date(2010, 3, 5)),
        ("29.02.2024", date(2024, 2, 29)),
        (datetime(2024, 5, 31, 0, 0), date(2024, 5, 31)),
        (date(2024, 5, 31), date(2024, 5, 31)),
    ],
)
def test_swedish_danish_and_iso_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31.13.2024", "not a real date"),
        ("29.02.2023", "not a real date"),
        ("2024-02-30", "not a real date"),
        ("31.05.24", "four digits"),
        ("05/31/2024", "not a real date"),
        ("next tuesday", "not a date"),
        ("31 mayo 2024", "not a date"),
    ],
)
def test_impossible_and_ambiguous_dates_are_errors(text, message):
    with pytest.raises(ValueProblem, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Name", "Birth date", "Placement start", "Phone"], [0, 1, 3, 2]),
        (["Navn", "Fødselsdato", "CPR-nummer", "Anbringelse start"], [0, 1, None, 3]),
        (["  NAMN ", "Födelsedatum", "Personnummer", "Placeringsstart"], [0, 1, None, 3]),
    ],
)
def test_mapping_is_guessed_from_header_names(headers, expected):
    mapping = guess_mapping(headers)
    assert [mapping.get(k) for k in ("name", "birth_date", "phone", "started_on")] == expected


def test_a_missing_required_column_is_named():
    table = read_table(csv_bytes("Namn;Födelsedatum", "A;2001-01-01"), "r.csv")
    with pytest.raises(ImportProblem, match="Placement start"):
        parse_rows(table, guess_mapping(table.headers), region="SE")


def rows_errors(*rows):
    _table, parsed = parse(csv_bytes(HEADER, *rows))
    return [" | ".join(str(e) for e in row.errors) for row in parsed]


def test_each_row_gets_its_own_errors():
    errors = rows_errors(
        GOOD_ROW,
        "Bo;2006-02-11;;2012-03-01;2011-08-31;Familjehem",
        "Cia;2013-02-11;;2012-03-01;2023-08-31;Familjehem",
        ";2006-02-11;;2012-03-01;2023-08-31;Slott",
        "Dan;2006-02-11;20060211-0016;2012-03-01;2023-08-31;HVB",
        "Eva;2006-02-12;20060211-0017;2012-03-01;2023-08-31;HVB",
        "Fia;2006-02-11;20060211-0017;2012-03-01;2023-08-31;HVB",
        '=HYPERLINK("http://x");2006-02-11;;2012-03-01;;Annat',
    )
    assert errors[0] == ""
    assert "ends before it starts" in errors[1]
    assert "born after the placement starts" in errors[2]
    assert "Name: missing" in errors[3] and "is not a setting" in errors[3]
    assert "not a valid personnummer" in errors[4]
    assert "does not match the birth date" in errors[5]
    assert "same ID number as on line 2" in errors[6]
    assert "formula" in errors[7]


def test_values_are_normalised():
    _table, rows = parse(
        csv_bytes(
            HEADER + ";Telefon;Vårdnadsöverflyttning;Socialsekreterare;Syskon",
            "Åsa;2006-02-11;0602110017;1/3 2012;;SiS-hem;070-174 06 10;ja;Anna Berglund;Liv, Ove",
        )
    )
    values = rows[0].values
    assert rows[0].errors == []
    assert values["id_number"] == "20060211-0017"
    assert values["phone"] == "+46 70 174 06 10"
    assert values["custody_transferred"] is True
    assert values["setting_at_end"] == "institution"
    assert values["social_workers"] == ["Anna Berglund"]
    assert values["siblings"] == ["Liv", "Ove"]
    assert "ended_on" not in values


def test_a_name_with_a_slash_stays_one_name():
    _table, rows = parse(
        csv_bytes(
            HEADER + ";Socialsekreterare;Syskon;Familjehemsföräldrar",
            "Åsa;2006-02-11;0602110017;1/3 2012;;SiS-hem;Anna/Lisa Berglund;Liv-Ove;"
            '"Karin / Per Ek\nEva Ek"',
        )
    )
    values = rows[0].values
    assert rows[0].errors == []
    assert values["social_workers"] == ["Anna/Lisa Berglund"]
    assert values["siblings"] == ["Liv-Ove"]
    assert values["foster_parents"] == ["Karin / Per Ek", "Eva Ek"]


def test_a_danish_cpr_number_is_read_by_its_birth_date():
    _table, rows = parse(
        csv_bytes(
            "Navn;Fødselsdato;CPR-nummer;Anbringelse start;Anbringelsesform",
            "Søren;21.10.1962;211062-1234;1.1.1970;Plejefamilie",
        )
    )
    assert rows[0].errors == []
    assert rows[0].values["id_number"] == "211062-1234"


def xlsx(rows, formula_cell=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if formula_cell:
        sheet[formula_cell] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_real_dates_is_read():
    data = xlsx(
        [
            ["Name", "Birth date", "Placement start", "Placement end", "Setting at the end"],
            ["Åsa", datetime(2006, 2, 11), datetime(2012, 3, 1), "31.08.2023", "Family home"],
        ]
    )
    table, rows = parse(data, "register.xlsx")
    assert table.file_format == "xlsx"
    assert rows[0].errors == []
    assert rows[0].values["started_on"] == date(2012, 3, 1)
    assert rows[0].values["ended_on"] == date(2023, 8, 31)


def test_a_formula_in_a_spreadsheet_is_an_error_and_never_evaluated():
    data = xlsx(
        [
            ["Name", "Birth date", "Placement start", "Setting at the end"],
            ["Åsa", "2006-02-11", "2012-03-01", "Family home"],
        ],
        formula_cell="A2",
    )
    _table, rows = parse(data, "register.xlsx")
    assert any("formula" in str(e) for e in rows[0].errors)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_slip_is_refused():
    with pytest.raises(ImportProblem, match="suspicious"):
        read_table(zip_bytes({"../../evil.sh": b"rm -rf /"}), "r.xlsx")


def test_zip_bomb_is_refused():
    with pytest.raises(ImportProblem, match="unpacks"):
        read_table(zip_bytes({"xl/worksheets/sheet1.xml": b"0" * (120 * 1024 * 1024)}), "r.xlsx")


def test_xml_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    good = zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["A"]])))
    members = {name: good.read(name) for name in good.namelist()}
    members["xl/worksheets/sheet1.xml"] = bomb
    with pytest.raises(ImportProblem, match="not a valid XLSX"):
        read_table(zip_bytes(members), "r.xlsx")


def test_a_broken_spreadsheet_is_refused():
    with pytest.raises(ImportProblem, match="not a valid XLSX"):
        read_table(b"this is not a zip", "r.xlsx")
    with pytest.raises(ImportProblem, match="not a valid XLSX"):
        read_table(zip_bytes({"hello.txt": b"hi"}), "r.xlsx")


def test_codes_and_far_dates_are_checked_in_the_preview():
    table = read_table(
        csv_bytes(
            "Kod;" + HEADER,
            "X-1;" + GOOD_ROW,
            "P-2026-1234567890;Bo;2006-02-11;;2012-03-01;2023-08-31;Familjehem",
            "P-2019-004;Cia;2006-02-11;;2012-03-01;9999-01-01;Familjehem",
        ),
        "r.csv",
    )
    rows = parse_rows(table, guess_mapping(table.headers), region="SE", today=date(2026, 11, 23))
    assert "not a code like P-2025-017" in str(rows[0].errors[0])
    assert "not a code like P-2025-017" in str(rows[1].errors[0])
    assert "between 1900-01-01 and today" in str(rows[2].errors[0])


def test_rows_beyond_the_limit_are_not_all_read(monkeypatch):
    from app.participants import import_table

    monkeypatch.setattr(import_table, "MAX_ROWS", 10)
    with pytest.raises(ImportProblem, match="more than 10 rows"):
        read_table(csv_bytes(HEADER, *([GOOD_ROW] * 50)), "r.csv")
