"""Other people's names in a participant's copy of their data (GDPR art. 15(4)): which
pseudonym map entries are the participant's own name, and a redactor that replaces the
names of the other people the platform knows (in the register and in the pseudonym map)
with a marker in every free text of the copy, counting what it replaced.
"""

import re

from analysis.pseudonymise import LABELS

_SEPARATORS = re.compile(r"[\s\-‐–]+")


def name_parts(name: str | None) -> set[str]:
    """The words of a name, casefolded ("Anna-Karin Lind" -> {"anna", "karin", "lind"})."""
    return {part for part in _SEPARATORS.split((name or "").casefold()) if part}


def is_own_name(key: str, entry: dict, parts: set[str]) -> bool:
    """Whether a pseudonym map entry is the participant's own name, or part of it.

    Keys are ``"LABEL:surface"`` (``analysis.pseudonymise.map_key``: the label, then the
    passage's words lowercased; a genitive is stored under its base name); older entries
    are keyed by the bare surface, with the label only in the entry. An entry is the
    participant's own when it is a person's name and every one of its words is a part of
    ``participant.name``, compared casefolded: "Saga", "Lindberg", "Saga Lindberg".
    """
    prefix, colon, surface = key.partition(":")
    if not colon or prefix.upper() not in LABELS:
        prefix, surface = "", key
    kind = (prefix or str(entry.get("label") or "")).upper()
    words = name_parts(surface)
    return kind == "PERSON" and bool(words) and words <= parts


def _name_pattern(name: str) -> str | None:
    """A regular expression for one name as it may be written in a text.

    A name of several words matches in any case, with a space or a hyphen between the
    words. A single word matches only written as a name, with a capital first: a first name
    that is also a word ("Bo", "Ro") leaves the word alone.
    """
    words = [word for word in _SEPARATORS.split(name.strip()) if word]
    if not words or not any(c.isalpha() for c in "".join(words)):
        return None
    if len(words) > 1:
        return "(?i:" + r"[\s\-‐–]+".join(re.escape(word) for word in words) + ")"
    word = words[0]
    if len(word) < 2:
        return None
    return re.escape(word[0].upper()) + "(?i:" + re.escape(word[1:]) + ")"


class NameRedactor:
    """Replaces the names of other people in free text (memos, transcripts, notes) with a
    marker, and counts how many it replaced.

    It knows the names the platform knows: the people in the register, and the names the
    pseudonym map holds; each whole name, and each of its words that is not a word of the
    participant's own name (so "Elias" of "Elias Berg" goes, and "Berg" stays when the
    participant is "Alva Berg"). A genitive goes with its name ("Elias's", "Ebbas").
    """

    def __init__(self, names, own: set[str], marker: str):
        patterns = set()
        for name in names:
            words = [word for word in _SEPARATORS.split(name.strip()) if word]
            for candidate in (name, *(words if len(words) > 1 else [])):
                if len(words) > 1 and candidate != name and candidate.casefold() in own:
                    continue
                pattern = _name_pattern(candidate)
                if pattern:
                    patterns.add(pattern)
        self.marker, self.count = marker, 0
        self._regex = None
        if patterns:
            ordered = sorted(patterns, key=len, reverse=True)  # whole names before their parts
            self._regex = re.compile(r"(?<!\w)(?:" + "|".join(ordered) + r")(?:'s|’s|s|')?(?!\w)")

    def __call__(self, text):
        if not text or self._regex is None:
            return text
        replaced, count = self._regex.subn(self.marker, text)
        self.count += count
        return replaced


def redact_placements(placements: list[dict], redact: NameRedactor) -> None:
    """Every free text of ``placements`` (collect's dicts) through ``redact``, in place."""

    def segments(items):
        for segment in items:
            segment["text"] = redact(segment.get("text"))

    for placement in placements:
        if placement["offer"]:
            placement["offer"]["attrition_note"] = redact(placement["offer"]["attrition_note"])
        for interview in placement["interviews"]:
            interview["cancel_reason"] = redact(interview["cancel_reason"])
            for memo in interview["memos"]:
                memo["text"] = redact(memo["text"])
            if isinstance(interview["ethics_flags"], list):
                for flag in interview["ethics_flags"]:
                    for key in ("disclosure", "follow_up", "resolution"):
                        flag[key] = redact(flag[key])
            for withdrawal in interview["withdrawals"]:
                withdrawal["note"] = redact(withdrawal["note"])
            for transcript in interview["transcripts"]:
                segments(transcript["segments"])
            for release in interview["releases"]:
                segments(release["segments"])
                for coding in release["codings"]:
                    coding["passage"] = redact(coding["passage"])
