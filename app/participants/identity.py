"""Checking and normalising identity data: Swedish and Danish ID numbers, phone numbers.

A ten-digit number can be both a valid personnummer and a valid CPR number, so the birth date
decides which one it is, and a number that fits neither birth date is refused.
"""

import re
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.dk import cpr
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer

from app.core.crypto import lookup_digest

CODE_PATTERN = re.compile(r"P-\d{4}-\d{3,}")


class IdNumberError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _swedish(text: str) -> tuple[date, str] | None:
    try:
        number = personnummer.validate(text)
        born = personnummer.get_birth_date(number)
    except ValidationError:
        return None
    serial = re.sub(r"\D", "", number)[-4:]
    return born, f"{born:%Y%m%d}-{serial}"


def _danish(text: str) -> tuple[date, str] | None:
    try:
        number = cpr.validate(text)
        born = cpr.get_birth_date(number)
    except ValidationError:
        return None
    return born, cpr.format(number)


def normalise_id_number(text: str, birth_date: date) -> str:
    """A personnummer as YYYYMMDD-NNNN or a CPR number as DDMMYY-NNNN, matching the birth date."""
    digits = re.sub(r"[\s+-]", "", text)
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise IdNumberError(_l("“%(value)s” is not a personnummer or CPR number", value=text))
    readings = [r for r in (_swedish(digits), _danish(digits) if len(digits) == 10 else None) if r]
    for born, formatted in readings:
        if born == birth_date:
            return formatted
    swedish_date = f"{birth_date:%Y%m%d}" if len(digits) == 12 else f"{birth_date:%y%m%d}"
    if digits.startswith(swedish_date):
        raise IdNumberError(
            _l("“%(value)s” is not a valid personnummer: check the last digit", value=text)
        )
    if not readings:
        raise IdNumberError(_l("“%(value)s” is not a valid personnummer or CPR number", value=text))
    raise IdNumberError(_l("the ID number does not match the birth date"))


def id_number_digest(number: str) -> str:
    return lookup_digest(re.sub(r"\D", "", number), "id_number")


def normalise_phone(text: str, region: str) -> str:
    """The number in international form (+46 70 123 45 67); ``region`` is SE or DK."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise IdNumberError(_l("“%(value)s” is not a phone number", value=text))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
