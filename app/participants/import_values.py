"""Reading one cell of a register file: dates in the ways Swedish and Danish registers write
them, the setting at the end of a placement, yes or no, and lists of names. A value that
cannot be read raises ``ValueProblem`` with the message for the person importing.
"""

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from app.participants.eligibility import Setting
from app.participants.import_columns import normal_name

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
    key = normal_name(value)
    setting = _SETTING_BY_NAME.get(key) or (labels or {}).get(key)
    if setting is None:
        raise ValueProblem(
            _l("“%(value)s” is not a setting (family home, institution, other)", value=str(value))
        )
    return setting


def parse_yes_no(value) -> bool:
    key = normal_name(value)
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
