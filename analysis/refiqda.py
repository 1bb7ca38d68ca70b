"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx) in and out, on plain data.

REFI-QDA 1.5 (``../shared/refi-qda/``) is how NVivo, ATLAS.ti, MAXQDA and QualCoder move
codebooks and coded texts between each other. The writers produce files that validate
against the standard's schemas; the readers take what real tools write: namespaces are
ignored (elements match on local names), GUIDs are canonicalised (lowercase, no braces),
and whatever Red Thread cannot hold is skipped and listed in an ``ImportReport``, as §7 of
the standard asks. A file that cannot be read at all raises ``RefiError``; a reader either
returns everything it could use or raises, never half a project.

Offsets. ``startPosition``/``endPosition`` of a PlainTextSelection count Unicode code
points (Python ``str`` indices) of the source text as stored, from 0, end exclusive
(§10.2; the annex confirms it: "granola" is 62..69). Red Thread keeps texts with LF line
ends and no BOM, so both directions normalise and remap:

- a UTF-8 BOM before a source file's text is not part of the text and is not counted;
- each CRLF becomes LF and every offset after it moves down by one, so a selection keeps
  covering the same characters; a lone CR becomes LF (same length, nothing moves);
- text inline in the XML (``PlainTextContent``) has had its line ends normalised by the
  XML parser already, as XML requires; only CRs written as ``&#13;`` survive to be remapped.

Dates are written in UTC with "Z"; a naive datetime, or a date in a file without a time
zone, is taken as UTC. Variables are typed from the Python values (bool, int, float, else
text); Date and DateTime values in a file are read as their ISO text.

Untrusted input: every XML document is parsed by defusedxml with DTDs forbidden, and a
.qdpx is checked (entry names, count, sizes, compression ratio) before anything is
decompressed, and its entries are counted again while they are read.
"""

import io
import re
import uuid
import zipfile
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
#: limits on a .qdpx: total unpacked bytes, entries, and the compression ratio of any entry
#: larger than RATIO_FROM bytes
MAX_TOTAL = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024
#: deepest code hierarchy read; deeper means a hostile file, not a codebook
MAX_DEPTH = 100

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


class RefiError(ValueError):
    """A file that cannot be read at all; ``reason`` is a short key, ``str()`` says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# --- GUIDs and text ---------------------------------------------------------------------------

_HEX_GUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
_GUID = re.compile(rf"({_HEX_GUID})|\{{({_HEX_GUID})\}}")  # the schema's GUIDType
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def new_guid() -> str:
    return str(uuid.uuid4())


def canonical_guid(raw: str) -> str:
    """``raw`` as lowercase 8-4-4-4-12 without braces; RefiError('bad_guid') if not a GUID."""
    match = _GUID.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise RefiError("bad_guid", f"{raw!r} is not a GUID.")
    return (match.group(1) or match.group(2)).lower()


def _derived_guid(kind: str, key: str) -> str:
    """A GUID that stays the same across exports, for things the app keeps no GUID for."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"redthread:refi-qda:{kind}:{key}"))


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


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- writing ----------------------------------------------------------------------------------


def write_qdc(codes: list[Code], origin: str = "Red Thread") -> bytes:
    """A REFI-QDA codebook (.qdc) that validates against Codebook.xsd.

    Raises ValueError for data the standard cannot carry: no codes at all, a GUID or
    colour the schema refuses, the same GUID twice.
    """
    if not codes:
        raise ValueError("A REFI-QDA codebook needs at least one code.")
    _check_unique(code.guid for code in _walk(codes))
    root = ET.Element("CodeBook", xmlns=CODEBOOK_NS, origin=_xml(origin))
    _write_codes(_sub(root, "Codes"), codes)
    return _serialise(root)


def write_qdpx(project: Project) -> bytes:
    """A REFI-QDA project (.qdpx): ``project.qde`` plus ``sources/<guid>.txt`` per source.

    The same project always gives the same bytes. GUIDs are written as given; texts as
    UTF-8 with LF and no BOM, with selection offsets remapped to match (see the module
    docstring). Raises ValueError for data the standard cannot carry.
    """
    qde, texts = _project_xml(project)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add_entry(archive, "project.qde", qde)
        for guid, text in texts:
            _add_entry(archive, f"sources/{guid}.txt", text.encode("utf-8"))
    return buffer.getvalue()


def _add_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: stable bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _project_xml(project: Project) -> tuple[bytes, list[tuple[str, str]]]:
    codes = list(_walk(project.codes))
    selections = [sel for source in project.sources for sel in source.selections]
    _check_unique(
        [x.guid for x in [*codes, *project.users, *project.sources, *project.cases]]
        + [sel.guid for sel in selections]
        + [coding.guid for sel in selections for coding in sel.codings]
        + [note[0] for note in project.notes]
    )
    code_guids = {_key(code.guid) for code in codes}
    root = ET.Element("Project", xmlns=PROJECT_NS, name=_xml(project.name))
    root.set("origin", _xml(project.origin))
    if project.created_at:
        root.set("creationDateTime", _datetime_out(project.created_at))
    if project.users:
        users = _sub(root, "Users")
        for user in project.users:
            _sub(users, "User", guid=_guid_out(user.guid), name=user.name)
    if project.codes:
        _write_codes(_sub(_sub(root, "CodeBook"), "Codes"), project.codes)
    types = _variable_types([*project.cases, *project.sources])
    if types:
        variables = _sub(root, "Variables")
        for name, kind in types.items():
            guid = _derived_guid("variable", name)
            _sub(variables, "Variable", guid=guid, name=name, typeOfVariable=kind)
    if project.cases:
        cases = _sub(root, "Cases")
        for case in project.cases:
            element = _sub(cases, "Case", guid=_guid_out(case.guid), name=case.name)
            _write_values(element, case.variables, types)
            for guid in case.source_guids:
                _sub(element, "SourceRef", targetGUID=_guid_out(guid))
    notes = [(guid, name, text, None, None) for guid, name, text in project.notes]
    texts = []
    if project.sources:
        sources = _sub(root, "Sources")
        for source in project.sources:
            text = _write_source(sources, source, types, code_guids, notes)
            texts.append((source.guid, text))
    if notes:
        element = _sub(root, "Notes")
        for guid, name, text, user, created in notes:
            note = _sub(
                element, "Note", guid=_guid_out(guid), name=name or None,
                creatingUser=_optional_guid_out(user), creationDateTime=_datetime_out(created),
            )  # fmt: skip
            _sub(note, "PlainTextContent").text = _xml(text)
    for guid, _name, _text in project.notes:
        _sub(root, "NoteRef", targetGUID=guid)
    return _serialise(root), texts


def _write_source(parent, source: Source, types, code_guids, notes: list) -> str:
    """One TextSource element; returns its text as it goes into the .txt file."""
    text, removed = _normalise_text(source.text)
    element = _sub(
        parent, "TextSource", guid=_guid_out(source.guid), name=source.name,
        plainTextPath=f"internal://{source.guid}.txt",
    )  # fmt: skip
    for sel in source.selections:
        start, end = _remap(sel.start, removed), _remap(sel.end, removed)
        if not (sel.start >= 0 and sel.end <= len(source.text) and start < end):
            raise ValueError(f"Selection {sel.guid} ({sel.start}..{sel.end}) is not in its text.")
        selection = _sub(
            element, "PlainTextSelection", guid=_guid_out(sel.guid), name=sel.name or None,
            startPosition=str(start), endPosition=str(end),
            creatingUser=_optional_guid_out(sel.user_guid),
            creationDateTime=_datetime_out(sel.created_at),
        )  # fmt: skip
        for coding in sel.codings:
            if _key(coding.code_guid) not in code_guids:
                raise ValueError(f"Coding {coding.guid} refers to a code not in the codebook.")
            coding_element = _sub(
                selection, "Coding", guid=_guid_out(coding.guid),
                creatingUser=_optional_guid_out(coding.user_guid),
                creationDateTime=_datetime_out(coding.created_at),
            )  # fmt: skip
            _sub(coding_element, "CodeRef", targetGUID=_guid_out(coding.code_guid))
        if sel.note:
            note_guid = _derived_guid("selection-note", sel.guid)
            notes.append((note_guid, sel.name, sel.note, sel.user_guid, sel.created_at))
            _sub(selection, "NoteRef", targetGUID=note_guid)
    _write_values(element, source.variables, types)
    return text


def _write_codes(parent: ET.Element, codes: list[Code]) -> None:
    for code in codes:
        element = _sub(
            parent, "Code", guid=_guid_out(code.guid), name=code.name,
            isCodable="true" if code.codable else "false", color=_color_out(code.color),
        )  # fmt: skip
        if code.description:
            _sub(element, "Description").text = _xml(code.description)
        _write_codes(element, code.children)


def _variable_types(holders) -> dict[str, str]:
    """Each variable's REFI-QDA type, from the Python types of the values it takes."""
    seen: dict[str, set[type]] = {}
    for holder in holders:
        for name, value in holder.variables.items():
            seen.setdefault(name, set()).add(type(value))
    types = {}
    for name, kinds in seen.items():
        if kinds == {bool}:
            types[name] = "Boolean"
        elif kinds == {int}:
            types[name] = "Integer"
        elif kinds <= {int, float}:
            types[name] = "Float"
        else:
            types[name] = "Text"
    return types


def _write_values(parent: ET.Element, values: Mapping[str, Value], types) -> None:
    for name, value in values.items():
        kind = types[name]
        element = _sub(parent, "VariableValue")
        _sub(element, "VariableRef", targetGUID=_derived_guid("variable", name))
        if kind == "Boolean":
            text = "true" if value else "false"
        elif kind == "Float":
            number = Decimal(repr(float(value)))
            if not number.is_finite():
                raise ValueError(f"Variable {name!r} is {value}, which REFI-QDA cannot hold.")
            text = format(number, "f")  # xsd:decimal has no exponent
        else:
            text = str(value)
        _sub(element, f"{kind}Value").text = _xml(text)


def _walk(codes: list[Code]):
    for code in codes:
        yield code
        yield from _walk(code.children)


def _check_unique(guids) -> None:
    counts = Counter(_key(guid) for guid in guids)
    twice = sorted(guid for guid, n in counts.items() if n > 1)
    if twice:
        raise ValueError(f"GUIDs used more than once: {', '.join(twice)}.")


def _sub(parent: ET.Element, tag: str, **attributes: str | None) -> ET.Element:
    """A child element; attributes that are None are left out."""
    kept = {key: _xml(value) for key, value in attributes.items() if value is not None}
    return ET.SubElement(parent, tag, kept)


def _xml(text: str) -> str:
    """Text without the control characters XML 1.0 cannot carry at all."""
    return _NOT_XML.sub("", text)


def _guid_out(guid: str) -> str:
    if not isinstance(guid, str) or not _GUID.fullmatch(guid):
        raise ValueError(f"{guid!r} is not a GUID.")
    return guid


def _key(guid: str) -> str:
    """A GUID the writer was given, as compared: braces and case do not matter."""
    return _guid_out(guid).strip("{}").lower()


def _optional_guid_out(guid: str | None) -> str | None:
    return None if guid is None else _guid_out(guid)


def _color_out(color: str | None) -> str | None:
    if color is not None and not _COLOR.fullmatch(color):
        raise ValueError(f"{color!r} is not a colour like #RRGGBB.")
    return color


def _datetime_out(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _serialise(root: ET.Element) -> bytes:
    """UTF-8 XML, indented. The root carries ``xmlns`` as a plain attribute: ElementTree's
    ``default_namespace`` refuses unqualified attributes, which REFI-QDA uses throughout."""
    ET.indent(root)
    return ET.tostring(root, "UTF-8", xml_declaration=True)


# --- reading: the containers ------------------------------------------------------------------


def read_qdc(data: bytes) -> tuple[list[Code], ImportReport]:
    """The codes of a REFI-QDA codebook (.qdc), with what was skipped."""
    root = _parse(data, "CodeBook")
    reader = _Reader()
    codes = reader.codes(_child(root, "Codes"))
    reader.drop("set", len(_children(_child(root, "Sets"), "Set")))
    return codes, reader.report()


def read_qdpx(
    data: bytes, *, max_total: int = MAX_TOTAL, max_entries: int = MAX_ENTRIES
) -> tuple[Project, ImportReport]:
    """A REFI-QDA project (.qdpx): the zip's ``project.qde`` and the text sources it names.

    The zip is refused (RefiError) if it is not one, holds an unsafe entry name, has more
    than ``max_entries`` entries, unpacks to more than ``max_total`` bytes, or has an entry
    over 1 MB compressed more than 100:1.
    """
    archive = _SafeZip(data, max_total, max_entries)
    qde = archive.project_entry()
    root = _parse(archive.read(qde), "Project")
    base = qde.filename.replace("\\", "/").lower().rpartition("/")[0]
    return _ProjectReader(root, lambda path: archive.load(base, path)).project()


def read_qde(data: bytes, files: Mapping[str, bytes] | None = None) -> tuple[Project, ImportReport]:
    """A bare ``project.qde``; ``files`` maps paths like ``sources/x.txt`` to their bytes."""
    root = _parse(data, "Project")
    entries = {name.replace("\\", "/").lower(): blob for name, blob in (files or {}).items()}
    return _ProjectReader(root, lambda path: _lookup(entries, "", path)).project()


def _parse(data: bytes, expected_root: str) -> ET.Element:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise RefiError(
            "entities",
            "The XML declares a DTD, entities or external references; "
            "these are refused because they can be used to attack the server.",
        ) from error
    except (ET.ParseError, LookupError, UnicodeError) as error:  # LookupError: unknown encoding
        raise RefiError("bad_xml", f"The file is not well-formed XML ({error}).") from error
    if _local(root.tag) != expected_root:
        raise RefiError(
            "wrong_root", f"Expected a <{expected_root}> document, found <{_local(root.tag)}>."
        )
    return root


class _SafeZip:
    """A zip opened for reading that refuses unsafe names and anything that unpacks too big."""

    def __init__(self, data: bytes, max_total: int, max_entries: int):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise RefiError("not_zip", "This is not a REFI-QDA project (.qdpx) file.") from None
        if len(infos) > max_entries:
            raise RefiError("too_large", f"The archive has more than {max_entries} entries.")
        for info in infos:
            path = info.filename.replace("\\", "/")
            if not path or path.startswith("/") or re.match(r"[A-Za-z]:", path) or \
                    ".." in path.split("/"):  # fmt: skip
                raise RefiError("unsafe_path", f"The archive holds an unsafe path: {path!r}.")
        if sum(info.file_size for info in infos) > max_total:
            raise RefiError("too_large", "The archive unpacks to more than allowed.")
        for info in infos:
            _check_ratio(info.file_size, info.compress_size)
        self.left = max_total  # counted again while reading: headers can lie
        self.entries = {i.filename.replace("\\", "/").lower(): i for i in infos if not i.is_dir()}

    def project_entry(self) -> zipfile.ZipInfo:
        """``project.qde`` at the top (any case), or else the only .qde in the archive."""
        qdes = [info for name, info in self.entries.items() if name.endswith(".qde")]
        top = [info for info in qdes if info.filename.lower() == "project.qde"]
        if top or len(qdes) == 1:
            return (top or qdes)[0]
        raise RefiError("no_project", "The archive holds no project.qde.")

    def load(self, base: str, path: str) -> bytes | None:
        info = _lookup(self.entries, base, path)
        return None if info is None else self.read(info)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        chunks, size = [], 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise RefiError("too_large", "The archive unpacks to more than allowed.")
                    _check_ratio(size, info.compress_size)
                    chunks.append(chunk)
        # zipfile raises NotImplementedError for a compression method it does not support,
        # RuntimeError for an encrypted entry and ValueError for a header offset that points
        # outside the file: all mean "cannot be read here".
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError,
                ValueError, OSError):  # fmt: skip
            raise RefiError("bad_zip", f"The archive entry {info.filename!r} is damaged.") from None
        return b"".join(chunks)


def _check_ratio(size: int, compressed: int) -> None:
    if size > RATIO_FROM and size > MAX_RATIO * max(compressed, 1):
        raise RefiError("too_large", "An archive entry is compressed suspiciously well.")


def _lookup(entries: Mapping[str, Any], base: str, path: str) -> Any:
    """The entry a source path names: ``internal://x.txt`` is ``sources/x.txt``.

    Case does not matter, other schemes (``relative://``, ``absolute://``) and nested or
    percent-encoded paths are tried too, and last a file of the same name anywhere.
    """
    reference = re.sub(r"^[A-Za-z]+://", "", path.strip()).replace("\\", "/").lstrip("/")
    prefix = f"{base}/" if base else ""
    for ref in dict.fromkeys([reference.lower(), unquote(reference).lower()]):
        for key in (f"{prefix}sources/{ref}", f"{prefix}{ref}"):
            if key in entries:
                return entries[key]
    name = reference.lower().rpartition("/")[2]
    same_name = [entry for key, entry in entries.items() if key.rpartition("/")[2] == name]
    return same_name[0] if len(same_name) == 1 else None


# --- reading: the elements --------------------------------------------------------------------

#: what a reader skips, in the order the report lists it; "{s}" makes the plural
_DROPPED = {
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
    "description": "description{s} of sources, cases, notes, variables or the project",
    "color": "unreadable colour{s}",
    "date": "unreadable date{s}",
    "link": "link{s}",
    "set": "set{s}",
    "graph": "graph{s}",
}
_OTHER_SOURCES = {
    "PictureSource": "picture_source",
    "AudioSource": "audio_source",
    "VideoSource": "video_source",
}


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
        lines = []
        for kind, noun in _DROPPED.items():
            if count := self.counts[kind]:
                names = [f'"{name}"' for name in self.names.get(kind, [])]
                shown = ": " + ", ".join(names[:5] + ["…"] * (len(names) > 5)) if names else ""
                lines.append(f"{count} {noun.format(s='' if count == 1 else 's')}{shown}")
        return ImportReport(lines)

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


class _ProjectReader(_Reader):
    """Reading a project.qde; ``load`` gives the bytes of a file a source path names."""

    def __init__(self, root: ET.Element, load: Callable[[str], bytes | None]):
        super().__init__()
        self.root, self.load = root, load
        self.code_guids: set[str] = set()
        self.source_guids: set[str] = set()
        self.variables: dict[str, str] = {}  # guid: name
        self.notes: dict[str, tuple[str, str]] = {}  # guid: (name, text)
        self.used_notes: set[str] = set()

    def project(self) -> tuple[Project, ImportReport]:
        root = self.root
        users = []
        for element in _children(_child(root, "Users"), "User"):
            if self.first(guid := self.guid(element)):
                users.append(User(guid, element.get("name", "")))
        codes = self.codes(_child(_child(root, "CodeBook"), "Codes"))
        self.code_guids = {code.guid for code in _walk(codes)}
        for element in _children(_child(root, "Variables"), "Variable"):
            self.variables[self.guid(element)] = element.get("name", "")
            self.drop("description", len(_children(element, "Description")))
        for element in _children(_child(root, "Notes"), "Note"):
            self.note(element)
        sources = [s for s in map(self.source, _sub_elements(_child(root, "Sources"))) if s]
        self.source_guids = {source.guid for source in sources}
        cases = [c for c in map(self.case, _children(_child(root, "Cases"), "Case")) if c]
        for kind in ("Link", "Set", "Graph"):
            self.drop(kind.lower(), len(_children(_child(root, kind + "s"), kind)))
        self.drop("description", len(_children(root, "Description")))
        unused = [guid for guid in self.notes if guid not in self.used_notes]
        notes = [(guid, *self.notes[guid]) for guid in unused]
        project = Project(
            root.get("name", ""), users, codes, sources, cases, notes,
            origin=root.get("origin", ""), created_at=self.date(root.get("creationDateTime")),
        )  # fmt: skip
        return project, self.report()

    def note(self, element: ET.Element) -> None:
        guid, name = self.guid(element), element.get("name", "")
        if self.first(guid):
            self.drop("description", len(_children(element, "Description")))
            self.drop("note_selection", len(_children(element, "PlainTextSelection")))
            text = self.stored_text(element, name, "note_text")
            self.notes[guid] = (name, _plain(text or ""))

    def source(self, element: ET.Element) -> Source | None:
        kind, name = _local(element.tag), element.get("name", "")
        if kind == "TextSource":
            return self.text_source(element, element)
        if kind == "PDFSource":
            self.drop("pdf_selection", len(_children(element, "PDFSelection")))
            representation = _child(element, "Representation")
            if representation is not None:
                return self.text_source(element, representation)
            self.drop("pdf_source", name=name)
            return None
        self.drop(_OTHER_SOURCES.get(kind, "unknown_source"))
        return None

    def text_source(self, outer: ET.Element, inner: ET.Element) -> Source | None:
        """A TextSource, or a PDFSource (outer) through its plain-text Representation (inner)."""
        guid, name = self.guid(outer), outer.get("name", "")
        if not self.first(guid):
            return None
        stored = self.stored_text(inner, name, "missing_text")
        if stored is None:
            return None
        text, removed = _normalise_text(stored)
        selections = []
        for element in _children(inner, "PlainTextSelection"):
            if selection := self.selection(element, len(stored), removed):
                selections.append(selection)
        for element in dict.fromkeys([outer, inner]):
            self.drop("source_coding", len(_children(element, "Coding")))
            self.drop("note_link", len(_children(element, "NoteRef")))
            self.drop("description", len(_children(element, "Description")))
            self.drop("rich_text", int(bool(element.get("richTextPath"))))
        variables = {**self.values(inner), **self.values(outer)}
        return Source(guid, name, text, selections, variables)

    def stored_text(self, element: ET.Element, name: str, missing: str) -> str | None:
        """The text of a TextSource or Note as stored: its file's, else inline; None if none."""
        path = element.get("plainTextPath")
        data = self.load(path) if path else None
        if data is not None:
            try:
                return data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.drop("not_utf8", name=name)
                return None
        content = _child(element, "PlainTextContent")
        if content is not None:
            return "".join(content.itertext())
        self.drop(missing, name=name)
        return None

    def selection(self, element: ET.Element, length: int, removed: list[int]) -> Selection | None:
        guid = self.guid(element)
        try:
            start, end = int(element.get("startPosition", "")), int(element.get("endPosition", ""))
        except ValueError:
            self.drop("selection_unreadable")
            return None
        if start >= end:
            self.drop("selection_empty")
            return None
        if start < 0 or end > length:
            self.drop("selection_outside")
            return None
        start, end = _remap(start, removed), _remap(end, removed)
        if start >= end:  # it held only the CR of a CRLF
            self.drop("selection_empty")
            return None
        if not self.first(guid):
            return None
        codings = _children(element, "Coding")
        memos = [_text_of(element, "Description")]
        refs = [ref for holder in [element, *codings] for ref in _children(holder, "NoteRef")]
        for ref in refs:
            target = self.reference(ref)
            if target in self.notes:
                memos.append(self.notes[target][1])
                self.used_notes.add(target)
            else:
                self.drop("missing_note")
        return Selection(
            guid, start, end, element.get("name", ""),
            user_guid=self.reference(element, "creatingUser"),
            created_at=self.date(element.get("creationDateTime")),
            codings=[coding for coding in map(self.coding, codings) if coding],
            note="\n\n".join(memo for memo in memos if memo.strip()),
        )  # fmt: skip

    def coding(self, element: ET.Element) -> Coding | None:
        guid = self.guid(element)
        code = self.reference(_child(element, "CodeRef"))
        if code not in self.code_guids:
            self.drop("unknown_code")
            return None
        if not self.first(guid):
            return None
        user = self.reference(element, "creatingUser")
        return Coding(guid, code, user, self.date(element.get("creationDateTime")))

    def case(self, element: ET.Element) -> Case | None:
        guid = self.guid(element)
        if not self.first(guid):
            return None
        source_guids = []
        for ref in _children(element, "SourceRef"):
            if (target := self.reference(ref)) in self.source_guids:
                source_guids.append(target)
            else:
                self.drop("case_source")
        self.drop("case_code", len(_children(element, "CodeRef")))
        self.drop("case_selection", len(_children(element, "SelectionRef")))
        self.drop("description", len(_children(element, "Description")))
        return Case(guid, element.get("name", ""), source_guids, self.values(element))

    def values(self, element: ET.Element) -> dict[str, Value]:
        values: dict[str, Value] = {}
        for holder in _children(element, "VariableValue"):
            name = self.variables.get(self.reference(_child(holder, "VariableRef")) or "")
            typed = next((child for child in holder if _local(child.tag) != "VariableRef"), None)
            if name is None:
                self.drop("unknown_variable")
            elif typed is not None:  # no value element: the variable is not set
                value = _value(_local(typed.tag), "".join(typed.itertext()))
                if value is None:
                    self.drop("bad_value")
                else:
                    values[name] = value
        return values

    def reference(self, element: ET.Element | None, attribute: str = "targetGUID") -> str | None:
        """The GUID an element refers to, or None if it names none (or no valid one)."""
        raw = None if element is None else element.get(attribute)
        try:
            return canonical_guid(raw) if raw else None
        except RefiError:
            return None


def _value(kind: str, text: str) -> Value | None:
    """A VariableValue's value; Date and DateTime values stay ISO text."""
    try:
        if kind == "TextValue":
            return text
        if kind == "BooleanValue":
            return _boolean(text)
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            return float(text)
        if kind in ("DateValue", "DateTimeValue"):
            return text.strip()
    except ValueError:
        pass
    return None


def _boolean(raw: str | None, default: bool | None = None) -> bool | None:
    """xsd:boolean: true, false, 1 or 0."""
    values = {"true": True, "1": True, "false": False, "0": False}
    return default if raw is None else values.get(raw.strip().lower(), default)


def _local(tag) -> str:
    """An element's name without its namespace (comments and the like have none)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _sub_elements(parent: ET.Element | None) -> list[ET.Element]:
    return [] if parent is None else list(parent)


def _children(parent: ET.Element | None, name: str) -> list[ET.Element]:
    return [child for child in _sub_elements(parent) if _local(child.tag) == name]


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    children = _children(parent, name)
    return children[0] if children else None


def _text_of(parent: ET.Element, name: str) -> str:
    """The text of a child like Description, with LF line ends; "" if there is none."""
    child = _child(parent, name)
    return "" if child is None else _plain("".join(child.itertext()))
