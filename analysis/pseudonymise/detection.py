"""The detector: ``Detector(language)`` finds what may identify someone in a text."""

import importlib.util
import re
from collections.abc import Iterable
from functools import cache

import phonenumbers
from stdnum.se import personnummer

from analysis.pseudonymise import cues, handles, spoken_numbers
from analysis.pseudonymise.context import context
from analysis.pseudonymise.lists import known_words, names, places, stop_words
from analysis.pseudonymise.patterns import (
    AFTER_ADDRESS,
    BREAKS,
    COMMON_CAPS,
    DATE,
    DATE_WORDS,
    EMAIL,
    ID_NUMBER,
    INSTITUTION,
    PLACE_BEFORE_RUN,
    PLACE_WORDS,
    SE_MOBILE,
    STREET,
    YEAR_WORDS,
    valid_date,
)
from analysis.pseudonymise.types import LABELS, REGION, TRAINED, Detection

__all__ = ["LABELS", "REGION", "TRAINED", "Detection", "Detector", "detector"]


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
        self.words = self.known | self.stops  # built once: a handle is no ordinary word
        self.first, self.last = names()
        self.places = places()
        self.matcher = PhraseMatcher(self.tokenizer.vocab, attr="LOWER")
        multi = [p for p in self.places if " " in p or "-" in p]
        self.matcher.add("LOCATION", list(self.tokenizer.tokenizer.pipe(multi)))

    # -- the pieces --------------------------------------------------------------------------

    def _patterns(self, text: str, people: frozenset[str] = frozenset()) -> Iterable[Detection]:
        for match in EMAIL.finditer(text):
            yield Detection(match.start(), match.end(), "EMAIL", match.group(), "pattern")
        for start, end in handles.handles_and_links(text, people):
            yield Detection(start, end, "PERSON", text[start:end], "pattern")
        for start, end in handles.spoken_handles(text, self.words):
            yield Detection(start, end, "PERSON", text[start:end], "pattern")
        for match in ID_NUMBER.finditer(text):
            century, digits, separator, serial = match.groups()
            number = (century or "") + digits + serial
            valid = personnummer.is_valid(number)
            if not valid and not separator and self.language != "da" and SE_MOBILE.fullmatch(
                    match.group()):  # fmt: skip
                continue  # "0701740625" is a mobile number (the phone matcher finds it)
            if valid_date(digits) or valid:
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
                # "fjortonde maj två tusen fem": the spoken year belongs to the date
                end = match.end()
                if not match.group()[-1:].isdigit() and (
                        year := spoken_numbers.YEAR_AFTER_DATE.match(text, end)):  # fmt: skip
                    end = year.end()
                yield Detection(match.start(), end, "DATE", text[match.start() : end], "pattern")
        for match in spoken_numbers.MONTH_SPOKEN_YEAR.finditer(text):
            yield Detection(match.start(), match.end(), "DATE", match.group(), "pattern")
        for match in spoken_numbers.BORN_YEAR.finditer(text):
            yield Detection(match.start(1), match.end(1), "DATE", match.group(1), "pattern")
        for match in phonenumbers.PhoneNumberMatcher(
            text, REGION.get(self.language, "SE"), leniency=phonenumbers.Leniency.POSSIBLE
        ):
            # Fewer than seven digits is a year, a count or a sum, not a phone number.
            if "\n" not in match.raw_string and sum(c.isdigit() for c in match.raw_string) >= 7:
                yield Detection(match.start, match.end, "PHONE", match.raw_string, "pattern")
        for start, end in spoken_numbers.spoken_phones(text, self.language):
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
                    if (before and before[-1].lower() in YEAR_WORDS) or not (
                        town in self.places or (town not in self.known
                                                and town not in self.first)):  # fmt: skip
                        continue
                yield Detection(match.start(), match.end(), "LOCATION", surface, "pattern")

    def _name_label(self, lower: str, register: frozenset[str]) -> str | None:
        lower = lower.rstrip("'’")
        stem = lower[:-1] if lower.endswith("s") and len(lower) > 3 else None
        if lower in register or stem in register:
            return "register"
        if register and (handles.folds(lower) | handles.folds(stem or lower)) & register:
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
            starts = previous is None or previous.text[-1] in BREAKS or "\n" in text_all[
                previous.idx + len(previous.text) : token.idx]  # fmt: skip
            if starts and previous is not None and _joins(previous, token, text_all):
                starts = False  # "Price-Whitfield" split in two: the hyphen joins, not breaks
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
            elif text.split("-")[0] in COMMON_CAPS or (
                    "-" in lower and (text.split("-")[0].isupper() or (
                        lower.rsplit("-", 1)[1] in self.known
                        and not self._after_first_name(previous, token, register)))):  # fmt: skip
                # "CPR-nummer", "BUP-Mottagningen", "Play-Station": a kind of thing, not a
                # name; but "Karin Ek-Lind" is a double surname
                pass
            elif text.isupper() and 2 <= len(text) <= 6:
                yield Detection(token.idx, token.idx + len(text), "ORG", text, "candidate")
            elif capital and not starts and (where or not known):
                # "Ek-Lind" mid-sentence is a double surname; "Malmö-Lund" two places
                where = where or ("-" in lower and any(
                    part in self.places for part in lower.split("-")))  # fmt: skip
                label = "LOCATION" if where else "PERSON"
                yield Detection(token.idx, token.idx + len(text), label, text, "candidate")
            previous = token

    def _after_first_name(self, previous, token, register: frozenset[str]) -> bool:
        """ "Karin Ek-Lind": a capitalised double word right after a capitalised first name."""
        return (previous is not None and previous.text[:1].isupper()
                and previous.idx + len(previous.text) == token.idx - 1
                and (previous.lower_ in self.first or previous.lower_ in register)
                and all(part[:1].isupper() for part in token.text.split("-")))  # fmt: skip

    def _hyphenated(self, token, register: frozenset[str]) -> Detection | None:
        """The name in "Ekström-släkten", "Nyström-familjen", "Henrik-familien": a name from
        the register, or a capitalised name from the lists joined to an ordinary word."""
        whole = token.text.rstrip("'’") or token.text
        head, _, tail = whole.partition("-")
        lower = head.lower()
        label = self._name_label(lower, register)
        # "Lundqvist-Berg", "Ann-Sofie", "Holm-Jensens", "al-Hassan": a double name is one
        # name; the capital after the hyphen tells it from "Ekström-släkten"
        if (all(part[:1].isupper() for part in tail.split("-")) and not whole.isupper()
                and whole.lower() not in self.places):  # fmt: skip
            end = tail.rsplit("-", 1)[-1].lower()
            last = self._name_label(end, register)
            if label or (last and lower not in self.places) or lower in cues.HYPHEN_PARTICLES:
                # Sure when a part is a name and no word ("Lundqvist") or both are names
                # ("Ek-Lind"); a guess when only an ordinary word is ("Nord-Korea").
                sure = (
                    "register" in (label, last)
                    or (label and last)
                    or (label and lower not in self.known)
                    or (last and end not in self.known)
                )
                source = ("register" if "register" in (label, last) else "list") if sure else (
                    "candidate")  # fmt: skip
                return Detection(token.idx, token.idx + len(whole), "PERSON", whole, source)
        # "lundqvist-berg" from speech recognition: every part a name, one of them no word
        parts = whole.lower().split("-")
        labels = [self._name_label(part, register) for part in parts]
        if (all(labels) and any(part not in self.known for part in parts)
                and whole.lower() not in self.places):  # fmt: skip
            source = "register" if "register" in labels else "list"
            return Detection(token.idx, token.idx + len(whole), "PERSON", whole, source)
        listed = (label == "list" and head[:1].isupper() and lower not in self.known
                  and tail.lower() in self.known)  # fmt: skip
        if label == "register" or listed:
            return Detection(token.idx, token.idx + len(head), "PERSON", head, label)
        return None

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
                starts = first.i == 0 or doc[first.i - 1].text[-1:] in BREAKS
                before = doc[first.i - 1].lower_ if first.i > 0 else ""
                if ends or (several and not starts):
                    # "in Little Bramwick", "Mill Lane 14, Hebden Bridge": a place
                    place = before in PLACE_BEFORE_RUN or (
                        before == ","
                        and AFTER_ADDRESS.search(text[max(0, first.idx - 40) : first.idx])
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
        people = frozenset(words | {f for w in words for f in handles.folds(w) if len(f) > 1})
        model = self.trained and len(text) <= self.nlp.max_length
        doc = self.tokenizer.make_doc(text)
        found = list(self._patterns(text, people))
        found += self._organisations(doc, text)
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            found.append(Detection(span.start_char, span.end_char, "LOCATION", span.text, "list"))
        found += self._words(doc, text, people)
        found += context(self, doc, text, people)
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
        # "Lundqvist" alone when "Lundqvist-Berg" was found: a part of a double name too
        names = {w.lower() for d in found if d.label == "PERSON"
                 and d.source not in ("pattern", "candidate")
                 for w in re.split(r"[\s-]+", d.text) if w[:1].isalpha()}  # fmt: skip
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


#: lower-case particles between a first name and a surname ("Pieter van der Merwe")
_PARTICLES = re.compile(
    r"(?:[^\S\n]+(?:" + "|".join(sorted(cues.NAME_PARTICLES)) + r")){1,3}[^\S\n]+"
)


def _joins(hyphen, token, text: str) -> bool:
    """A hyphen token glued to capitalised words on both sides ("Price-Whitfield", split by
    the English tokenizer) joins them; a free-standing one ("jag - alltså") breaks, and so does
    one after a small word ("Stoke-on-Trent")."""
    start = hyphen.idx
    before = re.search(r"\w+$", text[max(0, start - 40) : start])
    return (hyphen.text == "-" and before is not None and before.group()[:1].isupper()
            and token.idx == start + 1)  # fmt: skip


def _merge_people(found: list[Detection], text: str) -> list[Detection]:
    """A first name and a surname next to each other are one person ("Sara Lind",
    "Janet Price-Whitfield"), with the particles between ("Pieter van der Merwe"); the surname
    after a particle or hyphen is no place ("Anna van der Berg", "Lundqvist-Berg")."""
    merged: list[Detection] = []
    for item in found:
        last = merged[-1] if merged else None
        gap = text[last.end : item.start] if last else ""
        particles = (last is not None and last.label == "PERSON"
                     and item.label in ("PERSON", "LOCATION") and item.text[:1].isupper()
                     and (_PARTICLES.fullmatch(gap) is not None or gap == "-"))  # fmt: skip
        if particles or (last and last.label == item.label == "PERSON"
                         and gap in (" ", "-")):  # fmt: skip
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
