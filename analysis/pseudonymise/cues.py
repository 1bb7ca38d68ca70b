"""Context cues and patterns for ``analysis.pseudonymise``: what the words around a word say
about it, phone numbers spoken as words, dates written with words, postcodes, and social
media handles and links.

Every rule here is a short list of words or a pattern that a reviewer can read and explain:
"after *hette* comes a name", "after *bodde i* comes a place". Nothing is learned from data.
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache


def _w(words: str) -> list[str]:
    return words.split()


# --- folding -----------------------------------------------------------------------------------

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe"})
_FOLD_LONG = str.maketrans({"ä": "ae", "ö": "oe", "ø": "oe", "å": "aa", "æ": "ae", "ü": "ue"})


def folds(word: str) -> set[str]:
    """The ways a name is spelled without its diacritics: "ekström" -> {"ekstrom", "ekstroem"},
    lowercased, letters and digits only (a handle or link rarely keeps them)."""
    lower = word.lower()
    found = set()
    for table in (_FOLD, _FOLD_LONG):
        plain = unicodedata.normalize("NFKD", lower.translate(table))
        found.add("".join(c for c in plain if c.isalnum() and not unicodedata.combining(c)))
    return {f for f in found if f}


# --- handles and links -------------------------------------------------------------------------

#: "@viggo_ekstrom": an @ that does not end an e-mail address's local part
HANDLE = re.compile(r"(?<![\w@.+-])@[^\W_](?:[\w.]*\w)?")
SOCIAL = re.compile(
    r"(?<![\w./@-])(?:https?://)?(?:www\.|m\.|vm\.)?(?:instagram|facebook|fb|tiktok|twitter|x|"
    r"youtube|youtu|snapchat|linkedin|twitch|threads|github|soundcloud|pinterest|tumblr|"
    r"onlyfans|discord|reddit|vimeo|spotify|t|wa|kik)\.(?:com|net|me|tv|gg|be|se|dk)/[\w.@%/~+-]*[\w/]",
    re.IGNORECASE,
)
LINK = re.compile(
    r"(?<![\w./@-])(?:https?://\S+|www\.\S+|[\w-]+(?:\.[\w-]+)*\.(?:se|dk|nu|com|org|net|io|me|"
    r"co\.uk|uk|blog)(?:/\S*)?)(?<![.,;:!?)»”\"'])",
    re.IGNORECASE,
)


def handles_and_links(text: str, register: Iterable[str]) -> Iterable[tuple[int, int]]:
    """Every @handle and social media link; any other link when it spells a name from the
    register, with or without its diacritics ("viggoekstrom.se" for Viggo Ekström)."""
    for match in HANDLE.finditer(text):
        yield match.start(), match.end()
    for match in SOCIAL.finditer(text):
        yield match.start(), match.end()
    spelled = {f for name in register for f in folds(name) if len(f) >= 3}
    if spelled:
        for match in LINK.finditer(text):
            link = "".join(c for c in match.group().lower() if c.isalnum())
            if any(name in link for name in spelled):
                yield match.start(), match.end()


#: apps and games where a young person has a name: the word before a handle said aloud
PLATFORMS = (
    "snap|snapchat|insta|instagram|ig|tiktok|discord|facebook|fb|kik|telegram|whatsapp|twitter|"
    "x|threads|twitch|steam|psn|xbox|roblox"
)
#: a platform word, a naming word ("heter", "hedder", "called") or a word for the name itself
_HANDLE_CUE = re.compile(
    rf"(?<![\w.@/-])(?:(?P<platform>{PLATFORMS})(?:-?(?:namn|namnet|navn|navnet|name|konto|"
    r"kontot|kontoen|account))?|heter|hette|hetat|hedder|hed|hedde|named|called|username|"
    r"användarnamn|användarnamnet|brugernavn|brugernavnet|handle)(?![\w-])",
    re.IGNORECASE,
)
#: what is said between a platform word and the handle: ":" or "är", "er", "is"
_HANDLE_SAYS = re.compile(r"[^\S\n]*(?::|[^\S\n](?:är|er|is|=))[^\S\n]+", re.IGNORECASE)
#: a handle, with a Discord tag ("kevve#1234")
_HANDLE_WORD = re.compile(r"(?<![\w.@/])(?:[^\W_][\w.]*[^\W_]|[^\W_])(?:#\d{4}(?!\d))?")


def handle_shaped(word: str) -> bool:
    """ "mirre_2005", "frejaxo2005", "moa.lundin05": an underscore, or letters and digits mixed
    (not "3d", "mp3", "90s", "2000-talet")."""
    letters = sum(c.isalpha() for c in word)
    mixed = re.search(r"[^\W\d_]\d|\d[^\W\d_]", word) is not None
    return letters >= 2 and len(word) >= 4 and ("_" in word or mixed) and not re.fullmatch(
        r"\d+(?:s|tal|talet|årsåldern)?", word, re.IGNORECASE)  # fmt: skip


def spoken_handles(text: str, words: frozenset[str]) -> Iterable[tuple[int, int]]:
    """Handles said or written without "@": a handle-shaped word ("mirre_2005") a few words
    after a platform or naming word ("på snap heter jag mirre_2005", "jeg hedder
    frejaxo2005"), or any word that is no ordinary word (``words``) right after "snap:" or
    "min snap är"."""
    for cue in _HANDLE_CUE.finditer(text):
        platform = cue.group("platform")
        says = _HANDLE_SAYS.match(text, cue.end())
        if platform and says:
            word = _HANDLE_WORD.match(text, says.end())
            if word and word.group().lower() not in words and not word.group().isdigit():
                yield word.start(), word.end()
                continue
        # a handle-shaped word in the rest of the clause: four words after a platform, two
        # after a naming word ("heter jag mirre_2005")
        reach = 4 if platform and platform.lower() != "x" else 2 if not platform else 0
        clause = re.split(r"[.!?;\n](?:\s|$)", text[cue.end() : cue.end() + 120], maxsplit=1)[0]
        for number, word in enumerate(_HANDLE_WORD.finditer(clause)):
            if number >= reach:
                break
            if handle_shaped(word.group()):
                yield cue.end() + word.start(), cue.end() + word.end()
                break


# --- dates written with words ------------------------------------------------------------------

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


# --- years spoken as words ----------------------------------------------------------------------

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


# --- phone numbers spoken as words ----------------------------------------------------------

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


# --- postcodes ---------------------------------------------------------------------------------

#: "652 24" (Sweden) before a capitalised town or after "postnummer"
POSTCODE_SE = re.compile(r"(?<![\d+-])[1-9]\d{2}[^\S\n]\d{2}(?![\d-])(?=[^\S\n]+[A-ZÅÄÖ])")
#: "DK-8000" anywhere, "8220" before a capitalised town (checked by the detector)
POSTCODE_DK = re.compile(
    r"(?<![\w-])DK-?[^\S\n]?\d{4}(?!\d)|(?<![\w,.-])[1-9]\d{3}(?=[^\S\n]+[A-ZÆØÅ])"
)
POSTCODE_UK = re.compile(r"(?<!\w)[A-Z]{1,2}\d[A-Z\d]?[^\S\n]?\d[ABD-HJLNP-UW-Z]{2}(?!\w)")
#: a UK national insurance number
NINO = re.compile(r"(?<!\w)[A-Z]{2}[^\S\n]?(?:\d{2}[^\S\n]?){3}[A-D](?!\w)")


# --- words around a name -------------------------------------------------------------------

#: the next word is a name, whatever its case ("hon hette lilja")
NAMING = {
    "sv": set(_w("hette heter hetat")),
    "da": set(_w("hed hedder hedde")),
    "en": set(),
}
#: the next word is a name when capitalised or no ordinary word ("it is called anmälan")
CALLING = {
    "sv": set(_w("kallades kallas kallad kallade döpt döptes")),
    "da": set(_w("kaldet kaldes kaldte døbt")),
    "en": set(_w("called named nicknamed")),
}
#: words said before the name itself ("hette egentligen Ali"), skipped
FILLERS = set(
    _w(
        "egentligen faktiskt typ visst ju väl nog bara faktisk egentlig vist jo bare actually "
        "really just like mr mrs ms miss dr fru herr"
    )
)
#: pronouns between a naming word and the name ("called him Buddy"), skipped
OBJECTS = set(_w("him her me them us honom henne mig dem oss ham hende os jag jeg"))
#: kinship words and roles: a capitalised word after them is a name ("min mamma Sol")
ROLES = {
    "sv": set(
        _w(
            "mamma pappa mor far mamman pappan morsan farsan bror brorsan syster systern moster "
            "morbror faster farbror mormor morfar farmor farfar kusin lillebror storebror "
            "lillasyster storasyster fostermamma fosterpappa fostermor fosterfar fosterbror "
            "fostersyster familjehemsmamma familjehemspappa styvmamma styvpappa halvbror "
            "halvsyster kontaktperson kontaktpersonen handläggare handläggaren socialsekreterare "
            "socialsekreteraren kurator kuratorn lärare läraren mentor mentorn chef chefen "
            "pojkvän flickvän sambo kompis kompisen vän väninna granne grannen rektor rektorn "
            "psykolog psykologen tränare tränaren gudmor gudfar son dotter fru"
        )
    ),
    "da": set(
        _w(
            "mor far mora fars bror broder søster moster faster morbror farbror mormor morfar "
            "farmor farfar fætter kusine lillebror storebror lillesøster storesøster plejemor "
            "plejefar plejemoren plejefaren plejebror plejesøster papmor papfar stedmor stedfar "
            "halvbror halvsøster kontaktperson kontaktpersonen sagsbehandler sagsbehandleren "
            "lærer læreren mentor chef chefen kæreste ven veninde kammerat nabo pædagog "
            "pædagogen psykolog psykologen træner træneren søn datter kone mand støttekontakt "
            "støttekontaktperson"
        )
    ),
    "en": set(
        _w(
            "mum mom mam mother dad father brother sister aunt auntie uncle nan nana gran grandma "
            "grandad grandpa grandmother grandfather cousin stepmum stepdad stepbrother "
            "stepsister "
            "carer worker keyworker caseworker advisor adviser supervisor guardian teacher "
            "mentor boss "
            "manager boyfriend girlfriend partner "
            "friend mate neighbour counsellor therapist coach son daughter wife husband mr mrs ms "
            "miss dr"
        )
    ),
}
#: "<Name> var min kontaktperson": a verb and a possessive before a role
PREDICATES = set(_w("var är blev was is became er bliver"))
POSSESSIVES = set(_w("min mitt vår mina my our mit vores hans hennes hendes his her their"))
EXTRA_ROLE_WORDS = {
    "en": set(
        _w(
            "foster social key contact support personal birth youth best old little big older "
            "younger"
        )
    ),
    "sv": set(_w("gamla bästa nya biologiska lilla stora")),
    "da": set(_w("gamle bedste nye biologiske lille store")),
}
#: verbs of living and moving: the place word after them introduces a place
DWELLING = {
    "sv": set(
        _w(
            "bodde bor bott flyttade flyttat flytta flyttar växte uppvuxen kommer kom född föddes "
            "placerad placerades hamnade hemma upp skickades skickad"
        )
    ),
    "da": set(
        _w(
            "boede bor boet flyttede flyttet flytte flytter voksede vokset kommer kom født "
            "anbragt havnede hjemme op sendt sendte"
        )
    ),
    "en": set(
        _w(
            "lived live living lives moved move moving grew raised born come came comes placed "
            "ended stayed up settled sent"
        )
    ),
}
PLACE_PREPOSITIONS = set(_w("i från till på in from to fra til at"))
#: words of working and shopping: "praktik hos Netto", "work at Tesco"
WORK = {
    "sv": set(
        _w(
            "jobbar jobbade jobbat jobba arbetar arbetade arbetat praktik praktiserade sommarjobb "
            "sommarjobbade extrajobb extrajobbade jobb anställd anställning lärling handlade "
            "handla handlar kassan"
        )
    ),
    "da": set(
        _w(
            "arbejder arbejdede arbejdet arbejde praktik job fritidsjob studiejob ansat elev "
            "lærling handlede handler handle"
        )
    ),
    "en": set(
        _w(
            "work works worked working job placement apprenticeship shifts employed shopped "
            "shopping shop"
        )
    ),
}
WORK_PREPOSITIONS = {
    "sv": set(_w("på hos vid")),
    "da": set(_w("i hos på ved")),
    "en": set(_w("at for with")),
}
#: workplaces that are a kind, not a name ("praktik på Kommunen")
GENERIC_WORKPLACES = set(
    _w(
        "kommunen kommun socialen soc socialtjänsten arbetsförmedlingen försäkringskassan "
        "regionen landstinget staten kyrkan kommune jobcentret jobcenter regionen staten "
        "council school college university hospital nhs army armed forces"
    )
)
#: lower-case words inside a name: "Pieter van der Merwe", "Anna af Klint", "Ali bin Said"
NAME_PARTICLES = frozenset(
    _w("van von der den de la le du da di del della dos das af av zu ter ten bin ibn al el abu ben")
)
#: lower-case particles joined to a surname by a hyphen: "al-Hassan", "el-Amin"
HYPHEN_PARTICLES = frozenset(_w("al el ul bin ibn abu bint ben van von de di da du le la"))
#: capitalised words that name a time, not a person or place
NOT_NAMES = frozenset(
    _w(
        "january february march april may june july august september october november december "
        "monday tuesday wednesday thursday friday saturday sunday easter christmas xmas "
        "halloween eid ramadan instagram facebook snapchat tiktok youtube messenger whatsapp "
        "netflix "
        "google spotify discord midsommar påsk jul nyår lucia måndag tisdag onsdag torsdag fredag "
        "lördag söndag mandag tirsdag fredag lørdag søndag påske pinse januari februari mars maj "
        "juni juli augusti oktober januar februar marts august god gud allah jesus"
    )
)
