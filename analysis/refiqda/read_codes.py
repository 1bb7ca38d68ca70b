"""Reading codes, as a codebook (.qdc) and a project's codebook hold them: GUIDs
canonicalised and met once, colours and dates checked, the hierarchy no deeper than
``MAX_DEPTH``, and a tally of whatever was dropped that becomes the ``ImportReport``.
"""

import re
from collections import Counter
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from analysis.refiqda.elements import _boolean, _children, _local, _text_of
from analysis.refiqda.model import (
    _COLOR,
    _DROPPED,
    Code,
    ImportReport,
    RefiError,
    canonical_guid,
)

#: deepest code hierarchy read; deeper means a hostile file, not a codebook
MAX_DEPTH = 100


class _Reader:
    """Reading a codebook: GUIDs seen so far, and a tally of what was dropped."""

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.names: dict[str, list[str]] = {}
        self.seen: set[str] = set()

    def drop(self, kind: str, count: int = 1, name: str | None = None) -> None:
        self.counts[kind] += count
        if name is not None:
            self.names.setdefault(kind, []).append(name)

    def report(self) -> ImportReport:
        lines, entries = [], []
        for kind, noun in _DROPPED.items():
            if count := self.counts[kind]:
                named = self.names.get(kind, [])
                entries.append((kind, count, named[:5], len(named) > 5))
                names = [f'"{name}"' for name in named]
                shown = ": " + ", ".join(names[:5] + ["…"] * (len(names) > 5)) if names else ""
                lines.append(f"{count} {noun.format(s='' if count == 1 else 's')}{shown}")
        lost = sum(self.counts[kind] for kind in ("lost_coding", "unknown_code", "source_coding"))
        return ImportReport(lines, lost, entries)

    def guid(self, element: ET.Element) -> str:
        raw = element.get("guid")
        try:
            return canonical_guid(raw or "")
        except RefiError:
            message = f"A <{_local(element.tag)}> element has no valid guid ({raw!r})."
            raise RefiError("bad_guid", message) from None

    def first(self, guid: str) -> bool:
        """True the first time a GUID is met; later elements with it are dropped."""
        if guid in self.seen:
            self.drop("duplicate")
            return False
        self.seen.add(guid)
        return True

    def codes(self, parent: ET.Element | None, depth: int = 0) -> list[Code]:
        if depth > MAX_DEPTH:
            raise RefiError("too_deep", f"Codes are nested more than {MAX_DEPTH} deep.")
        codes = []
        for element in _children(parent, "Code"):
            guid = self.guid(element)
            if not self.first(guid):
                continue
            self.drop("note_link", len(_children(element, "NoteRef")))
            code = Code(
                guid, element.get("name", ""), description=_text_of(element, "Description"),
                color=self.color(element.get("color")),
                codable=_boolean(element.get("isCodable"), default=True),
                children=self.codes(element, depth + 1),
            )  # fmt: skip
            codes.append(code)
        return codes

    def color(self, raw: str | None) -> str | None:
        if not raw or not raw.strip():
            return None
        raw = raw.strip()
        if not _COLOR.fullmatch(raw):
            self.drop("color")
            return None
        return raw if len(raw) == 7 else "#" + "".join(digit * 2 for digit in raw[1:])

    def date(self, raw: str | None) -> datetime | None:
        if not raw or not raw.strip():
            return None
        try:  # .NET writes seven decimals; Python reads up to six
            moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", raw.strip()))
        except ValueError:
            self.drop("date")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
