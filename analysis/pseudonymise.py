"""Finding what identifies people in a transcript, and replacing it consistently.

``Detector(language)`` is built once per language and reused: a blank spaCy pipeline (the
tokenizer, and the lookup lemma tables of ``spacy-lookups-data`` to tell ordinary words from
names), phrase matchers over name and place lists, and patterns for ID numbers, phone
numbers, e-mail addresses, street addresses and dates. When a trained spaCy pipeline for the
language is installed, its named entities are added. It favours recall: what it is unsure
of is a candidate for the person reviewing.

Offsets are Python string offsets (code points): ``text[start:end]`` is always the surface.
"""

import gzip
import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import phonenumbers
from stdnum.se import personnummer

from analysis import pii_cues as cues

DATA = Path(__file__).parent / "data"
LABELS = ("PERSON", "LOCATION", "ORG", "ID_NUMBER", "PHONE", "EMAIL", "DATE")
#: a trained pipeline used when installed, per language
TRAINED = {"sv": "sv_core_news_sm", "da": "da_core_news_sm", "en": "en_core_web_sm"}
REGION = {"sv": "SE", "da": "DK", "en": "GB"}


@dataclass(frozen=True, order=True)
class Detection:
    start: int
    end: int
    label: str
    text: str
    #: why it was found: "pattern", "register", "context" (the words around it, see
    #: ``analysis.pii_cues``), "list", "model" or "candidate"
    source: str = "list"


# --- word lists ------------------------------------------------------------------------------


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (DATA / name).read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")]  # fmt: skip


@cache
def places() -> frozenset[str]:
    """Swedish and Danish municipalities and their main towns, lowercased."""
    found = set()
    for line in _lines("places_se.txt") + _lines("places_dk.txt"):
        found.update(part.strip().lower() for part in line.split(";"))
    from faker.providers.address.da_DK import Provider as DanishAddress
    from faker.providers.address.sv_SE import Provider as SwedishAddress

    found.update(c.lower() for c in (*SwedishAddress.cities, *DanishAddress.cities))
    return frozenset(found)


@cache
def names() -> tuple[frozenset[str], frozenset[str]]:
    """First and last names (faker's Swedish, Danish and English lists), lowercased."""
    from faker.providers.person.da_DK import Provider as Danish
    from faker.providers.person.en_US import Provider as English
    from faker.providers.person.sv_SE import Provider as Swedish

    first, last = set(), set()
    for provider in (Swedish, Danish, English):
        for attribute in ("first_names", "first_names_female", "first_names_male"):
            first.update(n.lower() for n in getattr(provider, attribute, ()))
        last.update(n.lower() for n in getattr(provider, "last_names", ()))
    return frozenset(first), frozenset(last)


@cache
def known_words(language: str) -> frozenset[str]:
    """Every form and lemma in the lookup tables: ordinary words of the language."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / f"{language}_lemma_lookup.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as handle:
        lookup = json.load(handle)
    # Capitalised entries are proper nouns (the tables hold many first names): not words.
    words = {w for w in (*lookup.keys(), *lookup.values()) if w.islower()}
    return frozenset(words | stop_words(language) | MISSING_WORDS.get(language, set()))


#: ordinary words the lookup tables lack that are also names ("per månad")
MISSING_WORDS = {"sv": {"per"}, "da": {"per"}, "en": {"per"}}


@cache
def stop_words(language: str) -> frozenset[str]:
    import spacy

    return frozenset(spacy.blank(language).Defaults.stop_words)


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
    rf"(?<!\w)(?:(?:{cues.ORDINALS})(?:[^\S\n]+of)?[^\S\n]+(?:{MONTHS})(?:,?[^\S\n]+\d{{4}})?"
    rf"|(?:{cues.FULL_MONTHS})[^\S\n]+(?:the[^\S\n]+)?(?:{cues.ORDINALS})(?:,?[^\S\n]+\d{{4}})?"
    rf"|(?:{cues.FULL_MONTHS})[^\S\n]+(?:19|20)\d{{2}}|\d{{1,2}}/\d{{1,2}}[^\S\n]+(?:19|20)\d{{2}})"
    rf"(?!\w)",
    re.IGNORECASE,
)
#: a Swedish mobile number written without spaces looks like a personnummer
SE_MOBILE = re.compile(r"07[02369]\d{7}")
#: words before a number that make a 4-digit number a year, not a postcode
_YEAR_WORDS = frozenset(
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
_BREAKS = frozenset('.!?:;\n"”»–—-(')
#: small words before a place name
PLACE_WORDS = frozenset(
    ["i", "från", "till", "utanför", "vid", "nära", "in", "from", "to", "near", "at", "fra",
     "til", "ved", "på"]
)  # fmt: skip
#: words before a run of capitalised words that make it a place rather than an organisation
_PLACE_BEFORE_RUN = frozenset(["i", "från", "utanför", "nära", "in", "from", "near", "fra"])
#: a street or postcode and a comma: the capitalised words after it are a town
_AFTER_ADDRESS = re.compile(
    r"(?:\d|gatan|vägen|gade|vej|Street|Road|Avenue|Lane|Close|Drive|Way)[^\S\n]*,[^\S\n]*$"
)
#: all-capital words that name nothing
_COMMON_CAPS = frozenset(
    ["OK", "TV", "ID", "SMS", "PC", "USA", "EU", "UK", "BVC", "BB", "HVB", "LSS", "SFI", "CPR",
     "ADHD", "ADD", "OCD", "PTSD", "DNA", "MMS", "NI", "GP", "CV", "IT"]
)  # fmt: skip


def _valid_date(yymmdd: str) -> bool:
    """YYMMDD (personnummer) or DDMMYY (CPR), with the day plus 60 of coordination numbers."""
    a, b, c = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    for year, month, day in ((2000 + a, b, c % 60 if c > 60 else c), (2000 + c, b, a)):
        try:
            date(year if year != 2000 or month != 2 else 2000, month, day)
            return True
        except ValueError:
            continue
    return False


class Detector:
    """Detections for one language; build once (``detector(language)``) and reuse."""

    def __init__(self, language: str):
        import spacy
        from spacy.matcher import PhraseMatcher

        self.language = language
        trained = TRAINED.get(language)
        self.trained = trained and importlib.util.find_spec(trained) is not None
        self.nlp = spacy.load(trained) if self.trained else spacy.blank(language)
        self.tokenizer = spacy.blank(language)
        self.tokenizer.max_length = 10**9  # the tokenizer alone needs no parser memory
        self.known = known_words(language)
        self.stops = stop_words(language)
        self.first, self.last = names()
        self.places = places()
        self.matcher = PhraseMatcher(self.tokenizer.vocab, attr="LOWER")
        multi = [p for p in self.places if " " in p or "-" in p]
        self.matcher.add("LOCATION", list(self.tokenizer.tokenizer.pipe(multi)))

    # -- the pieces --------------------------------------------------------------------------

    def _patterns(self, text: str, people: frozenset[str] = frozenset()) -> Iterable[Detection]:
        for match in EMAIL.finditer(text):
            yield Detection(match.start(), match.end(), "EMAIL", match.group(), "pattern")
        for start, end in cues.handles_and_links(text, people):
            yield Detection(start, end, "PERSON", text[start:end], "pattern")
        for match in ID_NUMBER.finditer(text):
            century, digits, separator, serial = match.groups()
            number = (century or "") + digits + serial
            valid = personnummer.is_valid(number)
            if not valid and not separator and self.language != "da" and SE_MOBILE.fullmatch(
                    match.group()):  # fmt: skip
                continue  # "0701740625" is a mobile number (the phone matcher finds it)
            if _valid_date(digits) or valid:
                yield Detection(match.start(), match.end(), "ID_NUMBER", match.group(), "pattern")
        for match in cues.NINO.finditer(text):
            yield Detection(match.start(), match.end(), "ID_NUMBER", match.group(), "pattern")
        for match in STREET.finditer(text):
            if self._verb_not_street(text, match):
                continue
            yield Detection(match.start(), match.end(), "LOCATION", match.group(), "pattern")
        yield from self._postcodes(text)
        for pattern in (DATE, DATE_WORDS):
            for match in pattern.finditer(text):
                yield Detection(match.start(), match.end(), "DATE", match.group(), "pattern")
        for match in phonenumbers.PhoneNumberMatcher(
            text, REGION.get(self.language, "SE"), leniency=phonenumbers.Leniency.POSSIBLE
        ):
            # Fewer than seven digits is a year, a count or a sum, not a phone number.
            if "\n" not in match.raw_string and sum(c.isdigit() for c in match.raw_string) >= 7:
                yield Detection(match.start, match.end, "PHONE", match.raw_string, "pattern")
        for start, end in cues.spoken_phones(text, self.language):
            yield Detection(start, end, "PHONE", text[start:end], "pattern")

    def _verb_not_street(self, text: str, match: re.Match) -> bool:
        """ "Vågade", "frågade": a Swedish past tense, not a Danish street ("Nørregade")."""
        surface = match.group()
        if any(c.isdigit() for c in surface) or " " in surface:
            return False
        if surface.lower() in self.known:
            return True
        before = text[max(0, match.start() - 5) : match.start()].split()
        return (self.language == "sv" and surface.lower().endswith("gade")
                and not (before and before[-1].lower() in PLACE_WORDS))  # fmt: skip

    def _postcodes(self, text: str) -> Iterable[Detection]:
        """ "652 24 Karlstad", "DK-8000", "8220 Brabrand" (a four-digit number before a town,
        not a year), "LS1 4AB"."""
        patterns = [cues.POSTCODE_SE, cues.POSTCODE_UK, cues.POSTCODE_DK]
        for pattern in patterns:
            for match in pattern.finditer(text):
                surface = match.group()
                if pattern is cues.POSTCODE_DK and surface[:1].isdigit():
                    before = text[max(0, match.start() - 12) : match.start()].split()
                    after = text[match.end() :].split(maxsplit=1)
                    town = after[0].strip(",.").lower() if after else ""
                    if (before and before[-1].lower() in _YEAR_WORDS) or not (
                        town in self.places or (town not in self.known
                                                and town not in self.first)):  # fmt: skip
                        continue
                yield Detection(match.start(), match.end(), "LOCATION", surface, "pattern")

    def _name_label(self, lower: str, register: frozenset[str]) -> str | None:
        lower = lower.rstrip("'’")
        stem = lower[:-1] if lower.endswith("s") and len(lower) > 3 else None
        if lower in register or stem in register:
            return "register"
        if register and (cues.folds(lower) | cues.folds(stem or lower)) & register:
            return "register"  # "ekstrom" for Ekström: a name typed without its diacritics
        if lower in self.first or lower in self.last or stem in self.first or stem in self.last:
            return "list"
        return None

    def _words(self, doc, text_all: str, register: frozenset[str]) -> Iterable[Detection]:
        previous = None
        for token in doc:
            if token.is_space or token.is_punct or token.like_num:
                previous = token if not token.is_space else previous
                continue
            text, lower = token.text, token.lower_
            # A genitive apostrophe ("Mathias'") stays outside: "[Person 1]' idé".
            text = text.rstrip("'’") or text
            lower = lower[: len(text)]
            starts = previous is None or previous.text[-1] in _BREAKS or "\n" in text_all[
                previous.idx + len(previous.text) : token.idx]  # fmt: skip
            capital = text[:1].isupper()
            plain = lower.rstrip("s") if lower.endswith("s") else lower
            known = lower in self.known or (plain != lower and plain in self.known)
            where = previous is not None and previous.lower_ in PLACE_WORDS
            found = self._name_label(lower, register)
            # A name that is also an ordinary word ("Per", "My", "Björn") counts when it is
            # written with a capital inside a sentence; one that is not, in any case (speech
            # recognition writes names in lower case too).
            named = (capital and (not starts or lower not in self.stops)) if known else (
                capital or not known)  # fmt: skip
            if "-" in lower and found is None:
                part = self._hyphenated(token, register)
                if part is not None:
                    yield part
                    previous = token
                    continue
            if found != "register" and (lower in cues.NOT_NAMES or plain in cues.NOT_NAMES):
                pass  # a month, a weekday, a holiday or an app: not a name
            elif lower in self.places or (plain in self.places and capital):
                # An ordinary word that opens a sentence ("Mark my words") is no place.
                if named and not (known and starts and found != "register"):
                    yield Detection(token.idx, token.idx + len(text), "LOCATION", text, "list")
            elif found == "register" or (found and named):
                yield Detection(token.idx, token.idx + len(text), "PERSON", text, found)
            elif text.split("-")[0] in _COMMON_CAPS or (
                    "-" in lower and lower.rsplit("-", 1)[1] in self.known):  # fmt: skip
                pass  # "CPR-nummer", "BUP-mottagningen": a kind of thing, not a name
            elif text.isupper() and 2 <= len(text) <= 6:
                yield Detection(token.idx, token.idx + len(text), "ORG", text, "candidate")
            elif capital and not starts and (where or not known):
                label = "LOCATION" if where else "PERSON"
                yield Detection(token.idx, token.idx + len(text), label, text, "candidate")
            previous = token

    def _hyphenated(self, token, register: frozenset[str]) -> Detection | None:
        """The name in "Ekström-släkten", "Nyström-familjen", "Henrik-familien": a name from
        the register, or a capitalised name from the lists joined to an ordinary word."""
        head, _, tail = token.text.partition("-")
        lower = head.lower()
        label = self._name_label(lower, register)
        listed = (label == "list" and head[:1].isupper() and lower not in self.known
                  and tail.lower() in self.known)  # fmt: skip
        if label == "register" or listed:
            return Detection(token.idx, token.idx + len(head), "PERSON", head, label)
        return None

    def _context(self, doc, text: str, register: frozenset[str]) -> Iterable[Detection]:
        """What the words around a word say it is (``analysis.pii_cues``): a name after
        "hette" or "min mamma", before "var min kontaktperson"; a place after "bodde i"; a
        shop or workplace after "praktik hos"."""
        # Plain lists, not tokens: holding thousands of tokens alive is slow.
        words = [(t.idx, t.text, t.lower_, t.like_num) for t in doc if not t.is_space]
        lowers = [w[2] for w in words]
        # Capitalised words (not all capitals): the only ones most cues look at.
        capitals = [w[1][:1].isupper() and w[1][:1].isalpha() and not w[1].isupper()
                    for w in words]  # fmt: skip
        uppers = [w[1][:1].isupper() for w in words]
        language = self.language if self.language in cues.ROLES else "en"
        roles = cues.ROLES[language]
        extra_roles = cues.EXTRA_ROLE_WORDS[language]
        naming, calling = cues.NAMING[language], cues.CALLING[language]
        dwelling, work = cues.DWELLING[language], cues.WORK[language]

        def lower(i):
            return lowers[i] if 0 <= i < len(words) else ""

        def capitalised(i):
            return 0 <= i < len(words) and capitals[i]

        def run(i, org=False):
            """The capitalised words from i on (with "'s"; for a shop, "ICA Maxi" and
            "Rema 1000" too)."""
            j = i
            while j + 1 < len(words) and (capitals[j + 1] or lowers[j + 1] in ("'s", "’s") or (
                    org and (uppers[j + 1] or words[j + 1][3]))):  # fmt: skip
                j += 1
            return j

        def span(i, j, label):
            start, (last, surface) = words[i][0], words[j][:2]
            end = last + len(surface.rstrip("'’") or surface)
            return Detection(start, end, label, text[start:end], "context")

        cue_words = (naming | calling | roles | cues.PLACE_PREPOSITIONS | PLACE_WORDS | work
                     | {"is", "was", "'s", "name's", "names"})  # fmt: skip
        for i, low in enumerate(lowers):
            if low not in cue_words and not (capitals[i] and lower(i + 1) in cues.PREDICATES):
                continue
            # a name after "hette", "named", "her name was"
            strong = low in naming or (low in ("is", "was", "'s") and lower(i - 1) == "name") or (
                    low in ("name's", "names"))  # fmt: skip
            if strong or low in calling:
                j = i + 1
                while lower(j) in cues.FILLERS or lower(j) in cues.OBJECTS:
                    j += 1
                name = lower(j)
                if name.isalpha() and name not in cues.NOT_NAMES and (capitalised(j) or (
                        name not in self.stops and (strong or name in self.first
                                                    or name in self.last))):  # fmt: skip
                    yield span(j, j, "PERSON")
            # a capitalised word after a kinship word or role: "min mamma Sol", "Mr Hughes"
            if low in roles:
                j = i + 1
                while lower(j) in cues.FILLERS and capitalised(j):
                    j += 1
                name = lower(j)
                if capitalised(j) and name not in cues.NOT_NAMES and (
                        name not in self.places or name in register):  # fmt: skip
                    yield span(j, j, "PERSON")
            # "<Name> var min kontaktperson", "Ash was my contact person"
            if (capitalised(i) and lower(i + 1) in cues.PREDICATES
                    and lower(i + 2) in cues.POSSESSIVES
                    and (lower(i + 3) in roles or lower(i + 3) in extra_roles)):  # fmt: skip
                yield span(i, i, "PERSON")
            # a place after "bodde i", "flyttade till", "grew up in"
            if low in cues.PLACE_PREPOSITIONS and capitalised(i + 1) and (
                    lower(i - 1) in dwelling or lower(i - 2) in dwelling):  # fmt: skip
                first, last = lower(i + 1), run(i + 1)
                if first not in register and (first in self.places or first not in self.first) and (
                        not INSTITUTION.search(lowers[last])):  # fmt: skip
                    yield span(i + 1, last, "LOCATION")
            # "i Bradford": a surname that is no first name, after a place word, is a place
            if low in PLACE_WORDS - {"till", "to", "til", "på", "at"} and capitalised(i + 1):
                name = lower(i + 1)
                if name in self.last and name not in self.first and name not in register:
                    yield span(i + 1, i + 1, "LOCATION")
            # a shop or workplace after "praktik hos", "jobbar på", "work at"
            if low in work:
                for j in range(i + 1, min(i + 5, len(words))):
                    if not lowers[j][:1].isalnum():
                        break
                    if lower(j) in cues.WORK_PREPOSITIONS[language] and j + 1 < len(words) and (
                            uppers[j + 1] and lowers[j + 1][:1].isalpha()):  # fmt: skip
                        name = lower(j + 1)
                        if name not in self.places and name not in register and (
                                name not in cues.GENERIC_WORKPLACES):  # fmt: skip
                            yield span(j + 1, run(j + 1, org=True), "ORG")
                        break

    def _organisations(self, doc, text: str) -> Iterable[Detection]:
        """Runs of capitalised words ending in an institution word, and single words such as
        "Sundstagymnasiet"; a run of two or more capitalised words mid-sentence as well (a
        place when a place word comes before it)."""
        run: list = []
        for token in [*doc, None]:
            if token is not None and (token.text[:1].isupper() or token.text in ("&", "-") or (
                    run and token.text in ("'s", "’s"))):  # fmt: skip
                run.append(token)
                continue
            # "Akademiska sjukhuset": a lower-case institution word closes the run
            if run and token is not None and INSTITUTION.fullmatch(token.text):
                run.append(token)
            while run and run[-1].text in ("&", "-", "'s", "’s"):
                run.pop()
            words = [t for t in run if t.text[:1].isupper()]
            if words:
                first, last = run[0], run[-1]
                span = text[first.idx : last.idx + len(last.text)]
                ending = INSTITUTION.search(last.text)
                # "Skolan" alone is the word for a school, not the name of one.
                ends = ending is not None and (len(run) > 1 or ending.start() > 0)
                several = len(words) >= 2 and not all(
                    w.lower_ in self.first or w.lower_ in self.last for w in words)  # fmt: skip
                starts = first.i == 0 or doc[first.i - 1].text[-1:] in _BREAKS
                before = doc[first.i - 1].lower_ if first.i > 0 else ""
                if ends or (several and not starts):
                    # "in Little Bramwick", "Mill Lane 14, Hebden Bridge": a place
                    place = before in _PLACE_BEFORE_RUN or (
                        before == ","
                        and _AFTER_ADDRESS.search(text[max(0, first.idx - 40) : first.idx])
                    )
                    label = "LOCATION" if not ends and place else "ORG"
                    yield Detection(first.idx, last.idx + len(last.text), label, span,
                                    "list" if ends else "candidate")  # fmt: skip
            run = []

    def detect(self, text: str, register: Iterable[str] = ()) -> list[Detection]:
        """Everything that may identify someone, without overlaps, in text order.

        ``register`` holds the names recorded for this participant (the child, foster
        parents, birth parents, siblings, social workers); each of their words counts, also
        written without diacritics, inside a hyphenated word and in a link.
        """
        if not text.strip():
            return []
        words = {w.lower() for name in register for w in re.findall(r"[\w-]+", name)
                 if len(w) > 1}  # fmt: skip
        words |= {part for w in words for part in w.split("-") if len(part) > 1}
        people = frozenset(words | {f for w in words for f in cues.folds(w) if len(f) > 1})
        model = self.trained and len(text) <= self.nlp.max_length
        doc = self.tokenizer.make_doc(text)
        found = list(self._patterns(text, people))
        found += self._organisations(doc, text)
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            found.append(Detection(span.start_char, span.end_char, "LOCATION", span.text, "list"))
        found += self._words(doc, text, people)
        found += self._context(doc, text, people)
        if model:
            labels = {"PER": "PERSON", "PERSON": "PERSON", "LOC": "LOCATION", "GPE": "LOCATION",
                      "ORG": "ORG", "DATE": "DATE"}  # fmt: skip
            found += [Detection(e.start_char, e.end_char, labels[e.label_], e.text, "model")
                      for e in self.nlp(text).ents if e.label_ in labels]  # fmt: skip
        found = _merge_people(_resolve(found), text)
        echoes = self._echoes(doc, found)
        return _merge_people(_resolve(found + echoes), text) if echoes else found

    def _echoes(self, doc, found: list[Detection]) -> list[Detection]:
        """Every other place a word of a found name occurs ("Kieran" at the start of a sentence
        when "Kieran Wade" comes later): one person, found everywhere."""
        # Not from guesses: a capitalised word that is only a candidate must not spread.
        names = {w.lower() for d in found if d.label == "PERSON"
                 and d.source not in ("pattern", "candidate")
                 for w in d.text.split() if w[:1].isalpha()}  # fmt: skip
        names = {n for n in names if n not in self.known and len(n) > 1}
        if not names:
            return []
        taken = bytearray(len(doc.text) + 1)
        for d in found:
            taken[d.start : d.end] = b"\x01" * (d.end - d.start)
        echoes = []
        for token in doc:
            lower = token.lower_
            if (lower in names or (lower.endswith("s") and lower[:-1] in names)) and not any(
                    taken[token.idx : token.idx + len(token)]):  # fmt: skip
                echoes.append(Detection(token.idx, token.idx + len(token), "PERSON", token.text,
                                        "context"))  # fmt: skip
        return echoes


#: which detection wins an overlap: patterns and lists before guesses, longer before shorter
_RANK = {"pattern": 0, "register": 1, "context": 2, "list": 3, "model": 4, "candidate": 5}


def _resolve(found: list[Detection]) -> list[Detection]:
    taken = bytearray(max((d.end for d in found), default=0))
    chosen: list[Detection] = []
    for item in sorted(found, key=lambda d: (_RANK[d.source], -(d.end - d.start), d.start)):
        if not any(taken[item.start : item.end]):
            taken[item.start : item.end] = b"\x01" * (item.end - item.start)
            chosen.append(item)
    return sorted(chosen)


def _merge_people(found: list[Detection], text: str) -> list[Detection]:
    """A first name and a surname next to each other are one person ("Sara Lind")."""
    merged: list[Detection] = []
    for item in found:
        last = merged[-1] if merged else None
        if (last and last.label == item.label == "PERSON"
                and text[last.end : item.start] in (" ", "-")):  # fmt: skip
            source = min(last.source, item.source, key=_RANK.get)
            merged[-1] = Detection(last.start, item.end, "PERSON", text[last.start : item.end],
                                   source)  # fmt: skip
        else:
            merged.append(item)
    return merged


@cache
def detector(language: str) -> Detector:
    """The detector for a language, built on first use and kept."""
    return Detector(language if language in REGION else "en")


# --- replacement -----------------------------------------------------------------------------


def map_key(label: str, surface: str) -> str:
    """How a passage is known in a participant's map: its label and its words, lowercased."""
    return f"{label}:{' '.join(surface.lower().split())}"


_GENITIVE = ("'s", "’s", "s", "'")


def same_person(label: str, surface: str, entries, near: Iterable[str] = ()) -> str | None:
    """The key of the one other name this name belongs to: a longer name in the map or the
    same text that it is the first or last part of ("Tuva" -> "PERSON:tuva björk"), or a
    shorter name in the map that is part of it ("Henrik Mikkelsen" -> "PERSON:henrik" when
    the map has "Henrik"). None when there is no such name or more than one."""
    if label != "PERSON":
        return None
    own = map_key(label, surface)
    words = own.split(":", 1)[1].split()
    found = set()
    for key in {*entries, *near}:
        if not key.startswith("PERSON:") or key == own:
            continue
        other = key.split(":", 1)[1].split()
        longer, shorter = (other, words) if len(other) > len(words) else (words, other)
        if len(longer) == len(shorter) or not shorter:
            continue
        part = longer[: len(shorter)] == shorter or longer[-len(shorter) :] == shorter
        if part and (longer is other or key in entries):
            found.add(key)
    return found.pop() if len(found) == 1 else None


def genitive_base(label: str, surface: str, known: Iterable[str]) -> str | None:
    """The key of the name a genitive belongs to ("Annas" -> "PERSON:anna", "Lones" ->
    "PERSON:lone kristensen") when that name is in ``known`` (the map, or the other passages
    of the same text)."""
    if label not in ("PERSON", "LOCATION", "ORG"):
        return None
    known = set(known)
    for ending in _GENITIVE:
        if surface.endswith(ending) and len(surface) > len(ending) + 1:
            base = map_key(label, surface[: -len(ending)])
            if base in known:
                return base
            other = same_person(label, surface[: -len(ending)], known)
            if other is not None:
                return other
    return None


def placeholder_for(
    entries: dict, label: str, surface: str, near: frozenset[str] = frozenset()
) -> tuple[str | None, str, bool]:
    """The placeholder the map has for a passage, the key it is (or would be) stored under,
    and whether the passage is a genitive of that key ("Annas": "[Person 1]s"). ``near``
    holds the keys of the other passages in the same text, so that a genitive that comes
    before its name still finds it. One person has one placeholder: "Tuva" and "Tuva Björk",
    "Lone Kristensen" and "Lones" (see ``same_person``)."""
    key = map_key(label, surface)
    if key in entries:
        return entries[key]["placeholder"], key, False
    base = genitive_base(label, surface, {*entries, *near})
    if base is not None:
        known = entries.get(base)
        return (known["placeholder"] + "s" if known else None), base, True
    other = same_person(label, surface, entries, near)
    if other is not None:
        return (entries[other]["placeholder"] if other in entries else None), other, False
    return None, key, False


def next_placeholder(entries: dict, word: str) -> str:
    """ "[Person 3]" when the map has up to "[Person 2]"."""
    pattern = re.compile(rf"^\[{re.escape(word)} (\d+)\]$")
    numbers = [int(m.group(1)) for e in entries.values()
               for name in (e.get("numbered", ""), e["placeholder"])
               if (m := pattern.match(name))]  # fmt: skip
    return f"[{word} {max(numbers, default=0) + 1}]"


def replace_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end) replaced; spans must not overlap."""
    pieces, position = [], 0
    for start, end, replacement in sorted(spans):
        if start < position:
            raise ValueError("overlapping spans")
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Where a passage someone marked as missed occurs, as a whole word, any case."""
    words = surface.strip()
    if not words:
        return []
    pattern = re.compile(rf"(?<!\w){re.escape(words)}(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
