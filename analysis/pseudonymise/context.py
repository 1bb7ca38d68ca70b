"""What the words around a word say it is: the context rules of the detector. Each reads
a word list of ``analysis.pseudonymise.cues`` and can be explained in one sentence."""

from collections.abc import Iterable

from analysis.pseudonymise import cues
from analysis.pseudonymise.patterns import INSTITUTION, PLACE_WORDS
from analysis.pseudonymise.types import Detection

#: place words before a surname that make it a place ("i Bradford"); not "till", "to", "på":
#: one talks to a person and works at a firm
_BEFORE_SURNAME_PLACE = PLACE_WORDS - {"till", "to", "til", "på", "at"}


def context(detector, doc, text: str, register: frozenset[str]) -> Iterable[Detection]:
    """What the words around a word say it is (``analysis.pseudonymise.cues``): a name after
    "hette" or "min mamma", before "var min kontaktperson"; a place after "bodde i"; a
    shop or workplace after "praktik hos"."""
    # Plain lists, not tokens: holding thousands of tokens alive is slow.
    words = [(t.idx, t.text, t.lower_, t.like_num) for t in doc if not t.is_space]
    lowers = [w[2] for w in words]
    # Capitalised words (not all capitals): the only ones most cues look at.
    capitals = [w[1][:1].isupper() and w[1][:1].isalpha() and not w[1].isupper()
                for w in words]  # fmt: skip
    uppers = [w[1][:1].isupper() for w in words]
    language = detector.language if detector.language in cues.ROLES else "en"
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
                    name not in detector.stops and (strong or name in detector.first
                                                or name in detector.last))):  # fmt: skip
                yield span(j, j, "PERSON")
        # a capitalised word after a kinship word or role: "min mamma Sol", "Mr Hughes"
        if low in roles:
            j = i + 1
            while lower(j) in cues.FILLERS and capitalised(j):
                j += 1
            name = lower(j)
            if capitalised(j) and name not in cues.NOT_NAMES and (
                    name not in detector.places or name in register):  # fmt: skip
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
            known_place = first in detector.places or first not in detector.first
            if first not in register and known_place and not INSTITUTION.search(lowers[last]):
                yield span(i + 1, last, "LOCATION")
        # "i Bradford": a surname that is no first name, after a place word, is a place
        if low in _BEFORE_SURNAME_PLACE and capitalised(i + 1):
            name = lower(i + 1)
            if name in detector.last and name not in detector.first and name not in register:
                yield span(i + 1, i + 1, "LOCATION")
        # a shop or workplace after "praktik hos", "jobbar på", "work at"
        if low in work:
            for j in range(i + 1, min(i + 5, len(words))):
                if not lowers[j][:1].isalnum():
                    break
                if lower(j) in cues.WORK_PREPOSITIONS[language] and j + 1 < len(words) and (
                        uppers[j + 1] and lowers[j + 1][:1].isalpha()):  # fmt: skip
                    name = lower(j + 1)
                    if name not in detector.places and name not in register and (
                            name not in cues.GENERIC_WORKPLACES):  # fmt: skip
                        yield span(j + 1, run(j + 1, org=True), "ORG")
                    break
