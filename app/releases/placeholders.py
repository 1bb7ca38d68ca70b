"""How detections become entries of a young person's pseudonym map, and how the reviewer's
renames change them.

An entry is keyed by its label and lowercased words ("PERSON:tuva björk") and holds the
placeholder that replaces it ({"label", "placeholder", "numbered"}). Several keys may share
one placeholder: they are one person (or place) written in different ways, such as a first
name alone and the full name, or two placeholders the reviewer merged. Pure functions on
the decrypted entries; the services load and store them.
"""

from analysis import pseudonymise as pii


class PlaceholderClash(ValueError):
    """Two entries of different kinds (a person and a place) would share a placeholder."""

    def __init__(self, placeholder: str):
        super().__init__(placeholder)
        self.placeholder = placeholder


def _full_names(entries: dict, near: frozenset[str]) -> dict[str, dict[str, str]]:
    """For each first name that begins a full name in the map or the text ("PERSON:tuva"),
    who those full names are: {placeholder, or the key while it has none: full-name key}."""
    found: dict[str, dict[str, str]] = {}
    for key in sorted({*entries, *near}):
        label, _, words = key.partition(":")
        parts = words.split()
        if label == "PERSON" and len(parts) > 1:
            who = entries[key]["placeholder"] if key in entries else key
            found.setdefault(pii.map_key(label, parts[0]), {}).setdefault(who, key)
    return found


def _owner(entries: dict, near: frozenset[str], label: str, surface: str, key: str,
           genitive: bool) -> tuple[str, str, bool] | None:  # fmt: skip
    """(key, full-name key, genitive) when a lone first name ("Tuva", "Tuvas") is the first
    name of exactly one full name in the map or the text ("Tuva Björk"); None otherwise,
    and always when two different people share the first name."""
    if label != "PERSON" or len(key.partition(":")[2].split()) != 1:
        return None
    firsts = _full_names(entries, near)
    if key not in firsts and not genitive:
        base = pii.genitive_base(label, surface, firsts)
        if base is None:
            return None
        key, genitive = base, True
    people = firsts.get(key, {})
    if len(people) != 1:
        return None
    return key, next(iter(people.values())), genitive


def _numbered(entries: dict, label: str, words: dict[str, str]) -> dict:
    numbered = pii.next_placeholder(entries, words[label])
    return {"label": label, "placeholder": numbered, "numbered": numbered}


def assign(entries: dict, spans, words: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(key, placeholder, genitive) for each (start, end, label, surface) span; new keys get
    the next number and are added to ``entries``. A lone first name shares the placeholder
    of the one full name it begins, in this text or in the map. The same text and map
    always give the same numbers."""
    near = frozenset(pii.map_key(label, surface) for _, _, label, surface in spans)
    assigned = []
    for _, _, label, surface in spans:
        placeholder, key, genitive = pii.placeholder_for(entries, label, surface, near)
        if placeholder is None:
            owner = _owner(entries, near, label, surface, key, genitive)
            if owner is None:
                entries[key] = _numbered(entries, label, words)
            else:
                key, full, genitive = owner
                if full not in entries:  # the full name comes later in the text
                    entries[full] = _numbered(entries, label, words)
                entries[key] = dict(entries[full])
            placeholder = entries[key]["placeholder"] + ("s" if genitive else "")
        assigned.append((key, placeholder, genitive))
    return assigned


def clean_name(name: str | None) -> str:
    """A placeholder as the reviewer typed it, bracketed: " Foster  mother" -> "[Foster mother]"."""
    name = " ".join((name or "").split()).strip("[]").strip()[:60]
    return f"[{name}]" if name else ""


def rename(entries: dict, renames: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Rename placeholders all at once (so that two can be swapped). Placeholders that end
    with the same name are merged: one person written two ways gets one placeholder.
    Returns what was renamed {old: new} and what was merged {placeholder: [the placeholders
    it joins]}; raises PlaceholderClash where a person and a place would share one."""
    used = {e["placeholder"] for e in entries.values()}
    wanted = {old: new for old, new in ((old, clean_name(new)) for old, new in renames.items())
              if new and new != old and old in used}  # fmt: skip
    final = {key: wanted.get(e["placeholder"], e["placeholder"]) for key, e in entries.items()}
    groups: dict[str, dict[str, str]] = {}
    for key, placeholder in final.items():
        before = groups.setdefault(placeholder, {})
        before[entries[key]["placeholder"]] = entries[key]["label"]
        if len(set(before.values())) > 1:
            raise PlaceholderClash(placeholder)
    for key, placeholder in final.items():
        entries[key]["placeholder"] = placeholder
    merged = {placeholder: sorted(before) for placeholder, before in groups.items()
              if len(before) > 1}  # fmt: skip
    return wanted, merged
