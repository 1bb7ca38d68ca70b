"""The data REFI-QDA moves, as plain Python values, and the rules for GUIDs and texts that
the reader and the writer share (offsets and line ends: see the package's docstring)."""

import re
import uuid
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"

Value = str | int | float | bool


@dataclass
class Code:
    guid: str  #: canonical form: lowercase, no braces, 8-4-4-4-12
    name: str
    description: str = ""
    color: str | None = None  #: "#RRGGBB"
    codable: bool = True  #: False for categories that are not applied directly
    children: list["Code"] = field(default_factory=list)


@dataclass
class User:
    guid: str
    name: str


@dataclass
class Coding:
    """One code applied to one selection."""

    guid: str
    code_guid: str
    user_guid: str | None = None
    created_at: datetime | None = None


@dataclass
class Selection:
    """A PlainTextSelection: code points start..end of the source text, end exclusive."""

    guid: str
    start: int
    end: int
    name: str = ""
    user_guid: str | None = None
    created_at: datetime | None = None
    codings: list[Coding] = field(default_factory=list)
    note: str = ""  #: a memo on the selection, exchanged as a Note it refers to


@dataclass
class Source:
    """A TextSource."""

    guid: str
    name: str
    text: str
    selections: list[Selection] = field(default_factory=list)
    variables: dict[str, Value] = field(default_factory=dict)
    #: the path of its text's file in the project (plainTextPath, else richTextPath), if any:
    #: where the reader found the text, not part of the source (a writer names its own)
    path: str = field(default="", compare=False)


@dataclass
class Case:
    guid: str
    name: str
    source_guids: list[str]
    variables: dict[str, Value]


@dataclass
class Project:
    name: str
    users: list[User]
    codes: list[Code]
    sources: list[Source]
    cases: list[Case]
    notes: list[tuple[str, str, str]] = field(default_factory=list)  #: (guid, name, text)
    origin: str = "Red Thread"
    created_at: datetime | None = None


@dataclass
class ImportReport:
    dropped: list[str] = field(default_factory=list)  #: English notes of what was skipped
    #: codings the reader could not keep: on selections or sources left out, of unknown
    #: codes, or of whole sources
    codings_lost: int = 0
    #: the same as ``dropped``, for an application to put into its reader's words: (kind, a
    #: key of ``DROPPED_KINDS``; how many; up to five of their names; whether there were more)
    entries: list[tuple[str, int, list[str], bool]] = field(default_factory=list)


class RefiError(ValueError):
    """A file that cannot be read at all; ``reason`` is a short key, ``str()`` says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


#: what a reader skips, in the order the report lists it; "{s}" makes the plural
DROPPED_KINDS = _DROPPED = {
    "pdf_source": "PDF source{s} without a plain-text version",
    "picture_source": "picture source{s}",
    "audio_source": "audio source{s}",
    "video_source": "video source{s}",
    "unknown_source": "source{s} of an unknown kind",
    "missing_text": "text source{s} whose text is missing",
    "not_utf8": "text{s} not in UTF-8",
    "pdf_selection": "area selection{s} on PDF pages",
    "selection_unreadable": "selection{s} with unreadable positions",
    "selection_empty": "empty selection{s} (start at or after end)",
    "selection_outside": "selection{s} outside the text",
    "lost_selection": "selection{s} on the sources left out",
    "lost_coding": "coding{s} on the selections left out",
    "unknown_code": "coding{s} with an unknown code",
    "source_coding": "coding{s} of a whole source",
    "duplicate": "element{s} with a GUID already used",
    "case_source": "case link{s} to a source not imported",
    "case_code": "case link{s} to a code",
    "case_selection": "case link{s} to a selection",
    "unknown_variable": "value{s} of an unknown variable",
    "bad_value": "unreadable variable value{s}",
    "missing_note": "link{s} to a missing note",
    "note_text": "note{s} whose text is missing",
    "note_selection": "coded passage{s} in notes",
    "note_link": "note link{s} on codes, sources or cases (the notes are kept as project notes)",
    "rich_text": "rich-text version{s} of sources (the plain text was kept)",
    "description": "non-empty description{s} of sources, cases, notes, variables or the project",
    "color": "unreadable colour{s}",
    "date": "unreadable date{s}",
    "link": "link{s}",
    "set": "set{s}",
    "graph": "graph{s}",
}


# --- GUIDs and text ---------------------------------------------------------------------------

_HEX_GUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
_GUID = re.compile(rf"({_HEX_GUID})|\{{({_HEX_GUID})\}}")  # the schema's GUIDType
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def new_guid() -> str:
    return str(uuid.uuid4())


def canonical_guid(raw: str) -> str:
    """``raw`` as lowercase 8-4-4-4-12 without braces; RefiError('bad_guid') if not a GUID."""
    match = _GUID.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise RefiError("bad_guid", f"{raw!r} is not a GUID.")
    return (match.group(1) or match.group(2)).lower()


def _normalise_text(text: str) -> tuple[str, list[int]]:
    """The text with LF line ends and no BOM, and the positions of the characters removed."""
    removed = [match.start() for match in re.finditer("\r\n", text)]
    if text.startswith("\ufeff"):
        removed.insert(0, 0)
    clean = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return clean, removed


def _remap(offset: int, removed: list[int]) -> int:
    """An offset into the stored text as an offset into the normalised text."""
    return offset - bisect_left(removed, offset)


def _walk(codes: list[Code]):
    for code in codes:
        yield code
        yield from _walk(code.children)


# --- offsets in UTF-16 code units -------------------------------------------------------------
# NVivo counts startPosition/endPosition in UTF-16 code units (a character outside the Basic
# Multilingual Plane, such as an emoji, counts two), not in code points as §10.2 says: read
# as code points, every selection after the first emoji in a text is shifted. So offsets are
# converted at the boundary, both ways, for the files that count this way.


def counts_utf16(origin: str | None) -> bool:
    """Whether the tool that wrote a file (its ``origin``) counts offsets in UTF-16 units:
    NVivo's own files, and ours made for NVivo (their origin says so)."""
    return "nvivo" in (origin or "").casefold()


def _astral(text: str) -> list[int]:
    """The code-point positions of the characters that take two UTF-16 units."""
    return [i for i, char in enumerate(text) if ord(char) > 0xFFFF]


def _utf16_length(text: str) -> int:
    return len(text) + len(_astral(text))


def _unit_starts(astral: list[int]) -> list[int]:
    """The UTF-16 unit positions where the characters ``_astral`` found start."""
    return [i + j for j, i in enumerate(astral)]


def _from_utf16(offset: int, units: list[int], end: bool = False) -> int:
    """A UTF-16 unit offset as a code-point offset; ``units`` as ``_unit_starts`` gives it.

    An offset inside a surrogate pair moves to the character's start (or, for an end, to
    its end), so a selection never splits a character."""
    before = bisect_left(units, offset)  # astral characters starting before the offset
    inside = before and units[before - 1] + 1 == offset
    return offset - before + (1 if inside and end else 0)


def _to_utf16(offset: int, astral: list[int]) -> int:
    """A code-point offset as a UTF-16 unit offset."""
    return offset + bisect_left(astral, offset)


def on_word_boundary(text: str, offset: int) -> bool:
    """Whether ``offset`` does not fall inside a word (between two letters or digits)."""
    if offset <= 0 or offset >= len(text):
        return True
    return not (text[offset - 1].isalnum() and text[offset].isalnum())
