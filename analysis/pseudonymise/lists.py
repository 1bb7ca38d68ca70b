"""The word lists the detector reads: place names, first and last names, and the ordinary
words of each language (the lookup tables of ``spacy-lookups-data``)."""

import gzip
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"


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
