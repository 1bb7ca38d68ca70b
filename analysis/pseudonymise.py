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
    #: why it was found: "list", "register", "pattern", "model" or "candidate"
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
    r"university|house|centre|center|hospital|home|club|vejledning|ab|a/s|aps)$",
    re.IGNORECASE,
)
STREET = re.compile(
    r"(?<!\w)(?:\d{1,4}[^\S\n]+)?[A-ZÅÄÖÆØ]\w{0,40}?"
    r"(?:gatan|gata|vägen|väg|gränd|torget|stigen|allén|backen|gade|vej|vænget|stræde|allé|"
    r"plads|[^\S\n](?:Street|Road|Avenue|Lane|Close|Drive|Way|Gardens|Place))(?!\w)"
    r"(?:[^\S\n]+\d{1,4}(?:[^\S\n]?[A-Z](?!\w))?)?",
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
#: words that start a sentence-like unit even without a full stop (speech, lists)
_BREAKS = frozenset('.!?:;\n"”»–—-(')
#: small words before a place name
PLACE_WORDS = frozenset(
    ["i", "från", "till", "utanför", "vid", "nära", "in", "from", "to", "near", "at", "fra",
     "til", "ved"]
)  # fmt: skip
#: all-capital words that name nothing
_COMMON_CAPS = frozenset(
    ["OK", "TV", "ID", "SMS", "PC", "USA", "EU", "UK", "BVC", "BB", "HVB", "LSS", "SFI", "CPR",
     "ADHD", "ADD", "OCD", "PTSD", "DNA", "MMS"]
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

    def _patterns(self, text: str) -> Iterable[Detection]:
        for match in EMAIL.finditer(text):
            yield Detection(match.start(), match.end(), "EMAIL", match.group(), "pattern")
        for match in ID_NUMBER.finditer(text):
            century, digits, _, serial = match.groups()
            number = (century or "") + digits + serial
            if _valid_date(digits) or personnummer.is_valid(number):
                yield Detection(match.start(), match.end(), "ID_NUMBER", match.group(), "pattern")
        for match in STREET.finditer(text):
            yield Detection(match.start(), match.end(), "LOCATION", match.group(), "pattern")
        for match in DATE.finditer(text):
            yield Detection(match.start(), match.end(), "DATE", match.group(), "pattern")
        for match in phonenumbers.PhoneNumberMatcher(
            text, REGION.get(self.language, "SE"), leniency=phonenumbers.Leniency.POSSIBLE
        ):
            if "\n" not in match.raw_string:
                yield Detection(match.start, match.end, "PHONE", match.raw_string, "pattern")

    def _name_label(self, lower: str, register: frozenset[str]) -> str | None:
        stem = lower[:-1] if lower.endswith("s") and len(lower) > 3 else None
        if lower in register or stem in register:
            return "register"
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
            if lower in self.places or (plain in self.places and capital):
                if named:
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

    def _organisations(self, doc, text: str) -> Iterable[Detection]:
        """Runs of capitalised words ending in an institution word, and single words such as
        "Sundstagymnasiet"; a run of two or more capitalised words mid-sentence as well."""
        run: list = []
        for token in [*doc, None]:
            if token is not None and (token.text[:1].isupper() or token.text in ("&", "-")):
                run.append(token)
                continue
            words = [t for t in run if t.text[:1].isupper()]
            if words:
                first, last = run[0], run[-1]
                span = text[first.idx : last.idx + len(last.text)]
                ends = INSTITUTION.search(last.text)
                several = len(words) >= 2 and not all(
                    w.lower_ in self.first or w.lower_ in self.last for w in words)  # fmt: skip
                starts = first.i == 0 or doc[first.i - 1].text[-1:] in _BREAKS
                if ends or (several and not starts):
                    yield Detection(first.idx, last.idx + len(last.text), "ORG", span,
                                    "list" if ends else "candidate")  # fmt: skip
            run = []

    def detect(self, text: str, register: Iterable[str] = ()) -> list[Detection]:
        """Everything that may identify someone, without overlaps, in text order.

        ``register`` holds the names recorded for this participant (the child, foster
        parents, birth parents, siblings, social workers); each of their words counts.
        """
        if not text.strip():
            return []
        people = frozenset(w.lower() for name in register for w in re.findall(r"[\w-]+", name)
                           if len(w) > 1)  # fmt: skip
        model = self.trained and len(text) <= self.nlp.max_length
        doc = self.tokenizer.make_doc(text)
        found = list(self._patterns(text))
        found += self._organisations(doc, text)
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            found.append(Detection(span.start_char, span.end_char, "LOCATION", span.text, "list"))
        found += self._words(doc, text, people)
        if model:
            labels = {"PER": "PERSON", "PERSON": "PERSON", "LOC": "LOCATION", "GPE": "LOCATION",
                      "ORG": "ORG", "DATE": "DATE"}  # fmt: skip
            found += [Detection(e.start_char, e.end_char, labels[e.label_], e.text, "model")
                      for e in self.nlp(text).ents if e.label_ in labels]  # fmt: skip
        return _merge_people(_resolve(found), text)


#: which detection wins an overlap: patterns and lists before guesses, longer before shorter
_RANK = {"pattern": 0, "register": 1, "list": 2, "model": 3, "candidate": 4}


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


def genitive_base(label: str, surface: str, known: Iterable[str]) -> str | None:
    """The key of the name a genitive belongs to ("Annas" -> "PERSON:anna") when that name
    is in ``known`` (the map, or the other passages of the same text)."""
    if label not in ("PERSON", "LOCATION", "ORG"):
        return None
    for ending in _GENITIVE:
        if surface.endswith(ending) and len(surface) > len(ending) + 1:
            base = map_key(label, surface[: -len(ending)])
            if base in known:
                return base
    return None


def placeholder_for(
    entries: dict, label: str, surface: str, near: frozenset[str] = frozenset()
) -> tuple[str | None, str, bool]:
    """The placeholder the map has for a passage, the key it is (or would be) stored under,
    and whether the passage is a genitive of that key ("Annas": "[Person 1]s"). ``near``
    holds the keys of the other passages in the same text, so that a genitive that comes
    before its name still finds it."""
    key = map_key(label, surface)
    if key in entries:
        return entries[key]["placeholder"], key, False
    base = genitive_base(label, surface, {*entries, *near})
    if base is not None:
        known = entries.get(base)
        return (known["placeholder"] + "s" if known else None), base, True
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
