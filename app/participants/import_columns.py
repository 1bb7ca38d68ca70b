"""The columns of a register file: one definition (``COLUMNS``) that the import page, the
template file, the register export and the parser all read, the template itself, and the
guess of which header is which column.
"""

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

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


def normal_name(text) -> str:
    """A header or a name as compared: runs of spaces and underscores as one space, case
    folded."""
    return re.sub(r"[\s_]+", " ", str(text or "")).strip().casefold()


def guess_mapping(headers: list[str], labels: dict[str, list[str]] | None = None) -> dict:
    """column key -> index of the header it most likely is; ``labels`` adds translated names."""
    mapping = {}
    normal = [normal_name(h) for h in headers]
    for column in COLUMNS:
        names = {*column.aliases, *(normal_name(n) for n in (labels or {}).get(column.key, []))}
        for index, header in enumerate(normal):
            if header in names and index not in mapping.values():
                mapping[column.key] = index
                break
    return mapping
