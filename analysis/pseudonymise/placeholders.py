"""Replacing what was found consistently: map keys, genitives, one placeholder per person,
numbering, and the replaced text."""

import re
from collections.abc import Iterable


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
        # A longer name in the text or map; or a shorter one in the map that nobody else's
        # name also begins or ends with.
        mine = longer is other or (key in entries and not _shared(shorter, own, {*entries, *near}))
        if part and mine:
            found.add(key)
    return found.pop() if len(found) == 1 else None


def _shared(shorter: list[str], own: str, keys) -> bool:
    """Whether another full name than ``own`` also begins or ends with ``shorter``: then
    the short name ("Tuva") may be either person ("Tuva Björk", "Tuva Lind") and is linked
    to neither."""
    for key in keys:
        if not key.startswith("PERSON:") or key == own:
            continue
        other = key.split(":", 1)[1].split()
        if len(other) > len(shorter) and (
            other[: len(shorter)] == shorter or other[-len(shorter) :] == shorter
        ):
            return True
    return False


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
