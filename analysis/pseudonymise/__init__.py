"""Finding what identifies people in a transcript, and replacing it consistently.

``Detector(language)`` is built once per language and reused: a blank spaCy pipeline (the
tokenizer, and the lookup lemma tables of ``spacy-lookups-data`` to tell ordinary words from
names), phrase matchers over name and place lists, and patterns for ID numbers, phone
numbers, e-mail addresses, street addresses and dates. When a trained spaCy pipeline for the
language is installed, its named entities are added. Context rules read the words around a
word ("hon hette lilja", "min mamma Sol", "bodde i Lillbäcken", "praktik hos Netto"; see
``context`` and the word lists in ``cues``), and the names in the participant's register are
found in any case, in hyphenated words and in links, with or without diacritics. A double
name is one name ("Ann-Sofie Lundqvist-Berg", "Pieter van der Merwe"), a handle said without
"@" after "snap:" or "jag heter" is a person, and a spoken year ("två tusen fem", "to tusind
og fem") belongs to its date or stands after "född"/"født"/"born". It favours
recall: what it is unsure of is a candidate for the person reviewing.

The replacement (``placeholders``) gives one person one placeholder: "Tuva" and "Tuva Björk",
"Lone Kristensen" and "Lones" ("[Person 1]s").

Offsets are Python string offsets (code points): ``text[start:end]`` is always the surface.

The detector itself (``detection``: its patterns, phone numbers, ID numbers, and spaCy when
it is built) is imported the first time ``Detector`` or ``detector`` is asked for, so that a
web worker that only reads labels and placeholders does not carry it.
"""

from analysis.pseudonymise.lists import known_words, names, places, stop_words
from analysis.pseudonymise.placeholders import (
    genitive_base,
    map_key,
    next_placeholder,
    occurrences,
    placeholder_for,
    replace_spans,
    same_person,
)
from analysis.pseudonymise.types import LABELS, REGION, TRAINED, Detection

__all__ = [
    "LABELS",
    "REGION",
    "TRAINED",
    "Detection",
    "Detector",
    "detector",
    "genitive_base",
    "known_words",
    "map_key",
    "names",
    "next_placeholder",
    "occurrences",
    "placeholder_for",
    "places",
    "replace_spans",
    "same_person",
    "stop_words",
]


def __getattr__(name: str):
    if name in ("Detector", "detector"):
        from analysis.pseudonymise import detection

        globals()[name] = found = getattr(detection, name)
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
