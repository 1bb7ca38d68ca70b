"""Context cues for ``analysis.pseudonymise``: what the words around a word say about it
(after *hette* comes a name, after *bodde i* a place, after *jobbar på* a workplace), the
words that are never names, and postcodes and national insurance numbers. Handles and
links are in ``handles``; numbers and dates spoken as words in ``spoken_numbers``.

Every rule here is a short list of words or a pattern that a reviewer can read and explain:
"after *hette* comes a name", "after *bodde i* comes a place". Nothing is learned from data.
"""

import re


def _w(words: str) -> list[str]:
    return words.split()


#: "652 24" (Sweden) before a capitalised town or after "postnummer"
POSTCODE_SE = re.compile(r"(?<![\d+-])[1-9]\d{2}[^\S\n]\d{2}(?![\d-])(?=[^\S\n]+[A-ZÅÄÖ])")
#: "DK-8000" anywhere, "8220" before a capitalised town (checked by the detector)
POSTCODE_DK = re.compile(
    r"(?<![\w-])DK-?[^\S\n]?\d{4}(?!\d)|(?<![\w,.-])[1-9]\d{3}(?=[^\S\n]+[A-ZÆØÅ])"
)
POSTCODE_UK = re.compile(r"(?<!\w)[A-Z]{1,2}\d[A-Z\d]?[^\S\n]?\d[ABD-HJLNP-UW-Z]{2}(?!\w)")
#: a UK national insurance number
NINO = re.compile(r"(?<!\w)[A-Z]{2}[^\S\n]?(?:\d{2}[^\S\n]?){3}[A-D](?!\w)")

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
