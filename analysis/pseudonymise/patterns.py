"""Patterns for what has a fixed form: e-mail addresses, ID numbers, streets, dates, and the
small word sets the detector's rules share."""

import re
from datetime import date

from analysis.pseudonymise import spoken_numbers

#: words that make a capitalised phrase an organisation that identifies
INSTITUTION = re.compile(
    r"(skola|skolan|gymnasiet|gymnasium|förskola|förskolan|högskolan|universitetet|"
    r"akademin|kyrkan|gården|hemmet|klubben|skole|skolen|statsskole|efterskole|"
    r"højskole|gymnasiet|børnehave|børnehaven|institution|klub|school|academy|college|"
    r"university|house|centre|center|hospital|hospitalet|home|club|vejledning|ab|a/s|aps|"
    r"sjukhus|sjukhuset|lasarett|lasarettet|vårdcentral|vårdcentralen|sygehus|sygehuset|"
    r"klinik|kliniken|klinikken|boendet|opholdssted|opholdsstedet|infirmary|clinic)$",
    re.IGNORECASE,
)
STREET = re.compile(
    r"(?<!\w)(?:Box[^\S\n]+\d{1,5}(?!\w)|(?:\d{1,4}[^\S\n]+)?[A-ZÅÄÖÆØ]\w{0,40}?"
    r"(?:gatan|gata|vägen|väg|gränd|torget|stigen|allén|backen|gade|vej|vænget|stræde|allé|"
    r"plads|[^\S\n](?:Street|Road|Avenue|Lane|Close|Drive|Way|Gardens|Place))(?!\w)"
    r"(?:[^\S\n]+\d{1,4}(?:[^\S\n]?[A-Z](?!\w))?)?)",
)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ID_NUMBER = re.compile(r"(?<![\d-])(\d{2})?(\d{6})[^\S\n]?([-+])?[^\S\n]?(\d{4})(?![\d-])")
MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|"
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec"
)
DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}\.?[^\S\n]+(?:{MONTHS})\.?(?:[^\S\n]+\d{{4}})?"
    rf"|(?:{MONTHS})\.?[^\S\n]+\d{{1,2}}(?:st|nd|rd|th)?(?:,?[^\S\n]+\d{{4}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./](?:\d{{4}}|\d{{2}}))(?!\w)",
    re.IGNORECASE,
)
#: dates written with words: "mars 2016", "den fjärde april", "the ninth of September", and
#: "17/4 2007"
DATE_WORDS = re.compile(
    rf"(?<!\w)(?:(?:{spoken_numbers.ORDINALS})(?:[^\S\n]+of)?[^\S\n]+(?:{MONTHS})(?:,?[^\S\n]+\d{{4}})?"
    rf"|(?:{spoken_numbers.FULL_MONTHS})[^\S\n]+(?:the[^\S\n]+)?(?:{spoken_numbers.ORDINALS})(?:,?[^\S\n]+\d{{4}})?"
    rf"|(?:{spoken_numbers.FULL_MONTHS})[^\S\n]+(?:19|20)\d{{2}}|\d{{1,2}}/\d{{1,2}}[^\S\n]+(?:19|20)\d{{2}})"
    rf"(?!\w)",
    re.IGNORECASE,
)
#: a Swedish mobile number written without spaces looks like a personnummer
SE_MOBILE = re.compile(r"07[02369]\d{7}")
#: words before a number that make a 4-digit number a year, not a postcode
YEAR_WORDS = frozenset(
    [
        "i",
        "in",
        "år",
        "sedan",
        "siden",
        "since",
        "fra",
        "from",
        "til",
        "till",
        "to",
        "omkring",
        "around",
        "cirka",
        "ca",
        "efter",
        "after",
        "före",
        "før",
        "before",
        "innan",
        "inden",
        "sommaren",
        "våren",
        "hösten",
    ]
)
#: words that start a sentence-like unit even without a full stop (speech, lists)
BREAKS = frozenset('.!?:;\n"”»–—-(')
#: small words before a place name
PLACE_WORDS = frozenset(
    ["i", "från", "till", "utanför", "vid", "nära", "in", "from", "to", "near", "at", "fra",
     "til", "ved", "på"]
)  # fmt: skip
#: words before a run of capitalised words that make it a place rather than an organisation
PLACE_BEFORE_RUN = frozenset(["i", "från", "utanför", "nära", "in", "from", "near", "fra"])
#: a street or postcode and a comma: the capitalised words after it are a town
AFTER_ADDRESS = re.compile(
    r"(?:\d|gatan|vägen|gade|vej|Street|Road|Avenue|Lane|Close|Drive|Way)[^\S\n]*,[^\S\n]*$"
)
#: all-capital words that name nothing
COMMON_CAPS = frozenset(
    ["OK", "TV", "ID", "SMS", "PC", "USA", "EU", "UK", "BVC", "BB", "HVB", "LSS", "SFI", "CPR",
     "ADHD", "ADD", "OCD", "PTSD", "DNA", "MMS", "NI", "GP", "CV", "IT"]
)  # fmt: skip


def valid_date(yymmdd: str) -> bool:
    """YYMMDD (personnummer) or DDMMYY (CPR), with the day plus 60 of coordination numbers."""
    a, b, c = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    for year, month, day in ((2000 + a, b, c % 60 if c > 60 else c), (2000 + c, b, a)):
        try:
            date(year if year != 2000 or month != 2 else 2000, month, day)
            return True
        except ValueError:
            continue
    return False
