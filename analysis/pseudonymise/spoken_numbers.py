"""Numbers and dates spoken as words, for ``analysis.pseudonymise``: dates written with
ordinals and month names, years said as words ("nittonhundranittiofem", "two thousand
and eight"), and phone numbers read out digit by digit or in pairs, in Swedish, Danish
and English.

Every rule here is a short list of words or a pattern that a reviewer can read and explain.
Nothing is learned from data.
"""

import re
from collections.abc import Iterable
from functools import cache


def _w(words: str) -> list[str]:
    return words.split()


_UNITS_SV = "första|andra|tredje|fjärde|femte|sjätte|sjunde|åttonde|nionde"
_UNITS_DA = "første|anden|tredje|fjerde|femte|sjette|syvende|ottende|niende"
_UNITS_EN = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
ORDINALS = "|".join(
    [
        _UNITS_SV,
        "tionde|elfte|tolfte|trettonde|fjortonde|femtonde|sextonde|sjuttonde|artonde|nittonde",
        "tjugonde|trettionde",
        rf"(?:tjugo|trettio)(?:{_UNITS_SV})",
        _UNITS_DA,
        "tiende|ellevte|tolvte|trettende|fjortende|femtende|sekstende|syttende|attende|nittende",
        "tyvende|tredivte",
        r"(?:en|to|tre|fire|fem|seks|syv|otte|ni)og(?:tyvende|tredivte)",
        _UNITS_EN,
        "tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth",
        "eighteenth|nineteenth|twentieth|thirtieth",
        rf"(?:twenty|thirty)[- ]?(?:{_UNITS_EN})",
        r"\d{1,2}(?::[ae]|st|nd|rd|th)",
    ]
)
FULL_MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|"
    "januar|februar|marts|august|january|february|march|may|june|july|october"
)

_SEP = r"(?:[^\S\n]+|-)?"
_U_SV = "ett|en|två|tre|fyra|fem|sex|sju|åtta|nio"
_TEENS_SV = "tio|elva|tolv|tretton|fjorton|femton|sexton|sjutton|arton|nitton"
#: the spoken forms too: "nittifem"
_TENS_SV = (
    "tjugo|tjugi|trettio|tretti|fyrtio|fyrti|femtio|femti|sextio|sexti|sjuttio|sjutti|åttio|åtti|"
    "nittio|nitti"
)
_SMALL_SV = rf"(?:(?:{_TENS_SV}){_SEP}(?:{_U_SV})?|{_TEENS_SV}|{_U_SV})"
_U_DA = "en|et|to|tre|fire|fem|seks|syv|otte|ni"
_TEENS_DA = "ti|elleve|tolv|tretten|fjorten|femten|seksten|sytten|atten|nitten"
_TENS_DA = "tyve|tredive|fyrre|halvtreds|tres|halvfjerds|firs|halvfems"
_PAIR_DA = rf"(?:(?:{_U_DA}){_SEP}og{_SEP})?(?:{_TENS_DA})"
_SMALL_DA = rf"(?:{_PAIR_DA}|{_TEENS_DA}|{_U_DA})"
_U_EN = "one|two|three|four|five|six|seven|eight|nine"
_TEENS_EN = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS_EN = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_SMALL_EN = rf"(?:(?:{_TENS_EN}){_SEP}(?:{_U_EN})?|{_TEENS_EN}|{_U_EN})"
#: a year read out: "två tusen fem", "tjugohundrafem", "nittonhundranittiofem", "nitton
#: nittiofem", "to tusind og fem", "nitten hundrede og femoghalvfems", "nitten
#: femoghalvfems", "two thousand and five", "nineteen ninety-five", "twenty oh five"
SPOKEN_YEAR = (
    rf"(?:två{_SEP}tusen(?:{_SEP}(?:och{_SEP})?{_SMALL_SV})?"
    rf"|(?:nitton|arton|tjugo){_SEP}hundra(?:{_SEP}(?:och{_SEP})?{_SMALL_SV})?"
    rf"|(?:nitton|tjugo){_SEP}(?:(?:{_TENS_SV}){_SEP}(?:{_U_SV})?|{_TEENS_SV}|noll{_SEP}(?:{_U_SV}))"
    rf"|to{_SEP}tusind(?:{_SEP}(?:og{_SEP})?{_SMALL_DA})?"
    rf"|(?:nitten|atten){_SEP}hundrede(?:{_SEP}(?:og{_SEP})?{_SMALL_DA})?"
    rf"|nitten{_SEP}{_PAIR_DA}"
    rf"|two{_SEP}thousand(?:{_SEP}(?:and{_SEP})?{_SMALL_EN})?"
    rf"|(?:nineteen|eighteen){_SEP}hundred(?:{_SEP}(?:and{_SEP})?{_SMALL_EN})?"
    rf"|(?:nineteen|twenty){_SEP}(?:(?:{_TENS_EN}){_SEP}(?:{_U_EN})?|{_TEENS_EN}"
    rf"|(?:oh|o){_SEP}(?:{_U_EN})))"
)
#: a year said with its last two digits, only after "född": "född nittiofem", "född -05",
#: "born in '95"
_SHORT_YEAR = (
    rf"(?:(?:{_TENS_SV}){_SEP}(?:{_U_SV})?|noll{_SEP}(?:{_U_SV})|{_PAIR_DA}"
    rf"|(?:{_TENS_EN}){_SEP}(?:{_U_EN})?|oh{_SEP}(?:{_U_EN})|[-'’]?\d{{2}})"
)
#: a spoken year right after a date without one ("fjortonde maj två tusen fem")
YEAR_AFTER_DATE = re.compile(rf",?[^\S\n]+(?:år[^\S\n]+)?{SPOKEN_YEAR}(?!\w)", re.IGNORECASE)
#: a year alone after "född", "født", "born": "född tvåtusenfem", "born in 1995"
BORN_YEAR = re.compile(
    rf"(?<!\w)(?:född|föddes|født|fødtes|born)(?:[^\S\n]+(?:den|i|år|året|in|on|the|year|"
    rf"back|omkring|cirka|runt|around|typ|like|engang))*[^\S\n]+"
    rf"({SPOKEN_YEAR}|{_SHORT_YEAR}|(?:19|20)\d{{2}})(?!\w)"
    # "född nittio procent svensk", "born twenty weeks early": a number, not a year
    r"(?![^\S\n]+(?:procent|veckor|dagar|timmar|minuter|gram|kilo|procent|uger|dage|timer|"
    r"minutter|percent|weeks|days|hours|minutes|pounds|grams|kilos)(?!\w))",
    re.IGNORECASE,
)
#: a month and a spoken year: "i maj tvåtusentio", "in May two thousand and five"
MONTH_SPOKEN_YEAR = re.compile(
    rf"(?<!\w)(?:{FULL_MONTHS})[^\S\n]+(?:år[^\S\n]+)?{SPOKEN_YEAR}(?!\w)", re.IGNORECASE
)

#: number words and how many digits each stands for when a number is read out
_UNIT, _TEEN, _TENS, _HUNDRED, _REPEAT, _JOIN = 1, 2, 3, 4, 5, 6
NUMBER_WORDS = {
    "sv": {
        **dict.fromkeys(_w("noll nolla ett en två tre fyra fem sex sju åtta nio"), _UNIT),
        **dict.fromkeys(
            _w("tio elva tolv tretton fjorton femton sexton sjutton arton nitton"), _TEEN
        ),
        **dict.fromkeys(_w("tjugo trettio fyrtio femtio sextio sjuttio åttio nittio"), _TENS),
        "hundra": _HUNDRED,
        "dubbel": _REPEAT,
        "dubbla": _REPEAT,
    },
    "da": {
        **dict.fromkeys(_w("nul en et to tre fire fem seks syv otte ni"), _UNIT),
        **dict.fromkeys(
            _w("ti elleve tolv tretten fjorten femten seksten sytten atten nitten"), _TEEN
        ),
        **dict.fromkeys(_w("tyve tredive fyrre halvtreds tres halvfjerds firs halvfems"), _TENS),
        "hundrede": _HUNDRED,
        "og": _JOIN,
        "dobbelt": _REPEAT,
    },
    "en": {
        **dict.fromkeys(_w("oh zero nought one two three four five six seven eight nine"), _UNIT),
        **dict.fromkeys(
            _w("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"),
            _TEEN,
        ),
        **dict.fromkeys(_w("twenty thirty forty fifty sixty seventy eighty ninety"), _TENS),
        "hundred": _HUNDRED,
        "double": _REPEAT,
        "triple": _REPEAT,
    },
}
#: words before a number that make it a phone number
PHONE_CUES = re.compile(
    r"(?<!\w)(?:nummer|numret|numren|nr|telefon\w*|mobil\w*|ring\w*|sms\w*|tlf|nummeret|"
    r"number|phone|mobile|call|ring|text)(?!\w)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+|\d+")


@cache
def _kinds(word: str, language: str) -> tuple[int, ...] | None:
    if word.isdigit():
        return (_UNIT,) * len(word)
    found = _pieces(word, NUMBER_WORDS.get(language, NUMBER_WORDS["en"]))
    return tuple(found) if found else None


def _pieces(word: str, vocabulary: dict[str, int]) -> list[int] | None:
    """The kinds of the number words a word is made of ("nollsjuttio" -> [unit, tens]), or
    None when it is not made of number words alone (longest piece first)."""
    if not word:
        return []
    for size in range(len(word), 1, -1):
        kind = vocabulary.get(word[:size])
        if kind is not None:
            rest = _pieces(word[size:], vocabulary)
            if rest is not None:
                return [kind, *rest]
    return None


def _digits(kinds: list[int], previous: int | None) -> int:
    """How many digits a run of number words reads out: "sjuttio tre" is two, "toogtyve" two,
    "nine hundred" three."""
    count = 0
    for kind in kinds:
        if kind == _UNIT:
            count += 0 if previous == _TENS else 1
        elif kind in (_TEEN, _TENS):
            count += 1 if previous == _JOIN else 2
        elif kind == _HUNDRED:
            count += 2
        elif kind == _REPEAT:
            count += 1
        # "toogtyve" is complete: a unit after it starts a new number
        previous = None if kind == _TENS and previous == _JOIN else kind
    return count


def _last(kinds: list[int]) -> int | None:
    """What a following word continues: nothing after a complete "toogtyve"."""
    return None if tuple(kinds[-2:]) == (_JOIN, _TENS) else kinds[-1]


def spoken_phones(text: str, language: str) -> Iterable[tuple[int, int]]:
    """Runs of number words (and digits) that read out a phone number: at least seven digits
    after a cue such as "nummer" or "ring", or at least nine anywhere."""
    run: list = []  # (start, end, digits)
    previous = None

    def close():
        if len(run) >= 3 and not all(text[s:e].isdigit() for s, e, _ in run):
            digits = sum(d for _, _, d in run)
            start, end = run[0][0], run[-1][1]
            cued = PHONE_CUES.search(text, max(0, start - 40), start)
            if digits >= 9 or (digits >= 7 and cued):
                return start, end
        return None

    for match in _WORD.finditer(text):
        word = match.group().lower()
        kinds = _kinds(word, language) if len(word) < 40 else None
        gap = text[run[-1][1] : match.start()] if run else ""
        if kinds and (not run or (re.fullmatch(r"[\s,.-]{1,3}", gap) and "\n" not in gap)):
            run.append((match.start(), match.end(), _digits(kinds, previous)))
            previous = _last(kinds)
            continue
        if (found := close()) is not None:
            yield found
        run, previous = [], None
        if kinds:
            run.append((match.start(), match.end(), _digits(kinds, None)))
            previous = _last(kinds)
    if (found := close()) is not None:
        yield found
