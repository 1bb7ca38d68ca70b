"""Reading a REFI-QDA project document (project.qde): users, the codebook, variables,
notes, text sources with their selections and codings (offsets remapped as the package
docstring says), and cases; everything Red Thread cannot hold is dropped and counted.
"""

from collections.abc import Callable
from xml.etree import ElementTree as ET

from analysis.refiqda.elements import (
    _boolean,
    _child,
    _children,
    _local,
    _plain,
    _sub_elements,
    _text_of,
)
from analysis.refiqda.model import (
    Case,
    Coding,
    ImportReport,
    Project,
    RefiError,
    Selection,
    Source,
    User,
    Value,
    _astral,
    _from_utf16,
    _normalise_text,
    _remap,
    _unit_starts,
    _walk,
    canonical_guid,
    counts_utf16,
    on_word_boundary,
)
from analysis.refiqda.read_codes import _Reader

_OTHER_SOURCES = {
    "PictureSource": "picture_source",
    "AudioSource": "audio_source",
    "VideoSource": "video_source",
}


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
            self.drop("description", _described(element))
        for element in _children(_child(root, "Notes"), "Note"):
            self.note(element)
        sources = [s for s in map(self.source, _sub_elements(_child(root, "Sources"))) if s]
        self.source_guids = {source.guid for source in sources}
        cases = [c for c in map(self.case, _children(_child(root, "Cases"), "Case")) if c]
        for kind in ("Link", "Set", "Graph"):
            self.drop(kind.lower(), len(_children(_child(root, kind + "s"), kind)))
        self.drop("description", _described(root))
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
            self.drop("description", _described(element))
            self.drop("note_selection", len(_children(element, "PlainTextSelection")))
            text = self.stored_text(element, name, "note_text")
            self.notes[guid] = (name, _plain(text or ""))

    def source(self, element: ET.Element) -> Source | None:
        kind, name = _local(element.tag), element.get("name", "")
        if kind == "TextSource":
            return self.text_source(element, element)
        if kind == "PDFSource":
            pdf_selections = _children(element, "PDFSelection")
            self.drop("pdf_selection", len(pdf_selections))
            self.drop("lost_coding", sum(len(_children(e, "Coding")) for e in pdf_selections))
            representation = _child(element, "Representation")
            if representation is not None:
                return self.text_source(element, representation)
            self.drop("pdf_source", name=name)
            return None
        self.drop(_OTHER_SOURCES.get(kind, "unknown_source"))
        self.lose(element)
        return None

    def text_source(self, outer: ET.Element, inner: ET.Element) -> Source | None:
        """A TextSource, or a PDFSource (outer) through its plain-text Representation (inner)."""
        guid, name = self.guid(outer), outer.get("name", "")
        if not self.first(guid):
            self.lose(outer)
            return None
        stored = self.stored_text(inner, name, "missing_text")
        if stored is None:
            self.lose(outer)
            return None
        text, removed = _normalise_text(stored)
        elements = _children(inner, "PlainTextSelection")
        units = self.utf16_units(stored, elements)
        length = len(stored) if units is None else len(stored) + len(units)
        selections = []
        for element in elements:
            if selection := self.selection(element, length, removed, units):
                selections.append(selection)
        for element in dict.fromkeys([outer, inner]):
            self.drop("source_coding", len(_children(element, "Coding")))
            self.drop("note_link", len(_children(element, "NoteRef")))
            self.drop("description", _described(element))
            self.drop("rich_text", int(bool(element.get("richTextPath"))))
        variables = {**self.values(inner), **self.values(outer)}
        path = next((e.get(attribute) for attribute in ("plainTextPath", "richTextPath")
                     for e in (inner, outer) if e.get(attribute)), "")  # fmt: skip
        return Source(guid, name, text, selections, variables, path)

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

    def utf16_units(self, stored: str, elements: list[ET.Element]) -> list[int] | None:
        """Where a text's astral characters start in UTF-16 units, if its offsets count
        UTF-16 units (NVivo's files); None if they count code points.

        The ``origin`` decides; a file without one is judged by its selections: the
        reading under which more of them start and end on word boundaries wins."""
        astral = _astral(stored)
        if not astral:
            return None  # both readings agree
        units = _unit_starts(astral)
        origin = (self.root.get("origin") or "").strip()
        if origin:
            return units if counts_utf16(origin) else None
        spans = [_positions(element) for element in elements]
        spans = [span for span in spans if span and 0 <= span[0] < span[1]]
        as_points = _fitting(stored, spans, len(stored))
        converted = [(_from_utf16(a, units), _from_utf16(b, units, end=True)) for a, b in spans]
        fits = [pair for pair, (_, b) in zip(converted, spans, strict=True)
                if b <= len(stored) + len(units)]  # fmt: skip
        return units if _fitting(stored, fits, len(stored)) > as_points else None

    def lose(self, *holders: ET.Element) -> None:
        """Count the selections on a source left out, and the codings on them."""
        for holder in holders:
            for element in _sub_elements(holder):
                kind = _local(element.tag)
                if kind.endswith("Selection") and kind != "PDFSelection":  # those: see source()
                    self.drop("lost_selection")
                    self.drop("lost_coding", len(_children(element, "Coding")))
                elif kind == "Representation":
                    self.lose(element)

    def selection(
        self, element: ET.Element, length: int, removed: list[int], units: list[int] | None
    ) -> Selection | None:
        guid = self.guid(element)
        codings = _children(element, "Coding")
        span = _positions(element)
        if span is None:
            self.drop("selection_unreadable")
            self.drop("lost_coding", len(codings))
            return None
        start, end = span
        if start >= end:
            self.drop("selection_empty")
            self.drop("lost_coding", len(codings))
            return None
        if start < 0 or end > length:
            self.drop("selection_outside")
            self.drop("lost_coding", len(codings))
            return None
        if units is not None:
            start, end = _from_utf16(start, units), _from_utf16(end, units, end=True)
        start, end = _remap(start, removed), _remap(end, removed)
        if start >= end:  # it held only the CR of a CRLF
            self.drop("selection_empty")
            self.drop("lost_coding", len(codings))
            return None
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
        self.drop("description", _described(element))
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


def _positions(element: ET.Element) -> tuple[int, int] | None:
    """A PlainTextSelection's start and end as written, or None if they are not numbers."""
    try:
        return int(element.get("startPosition", "")), int(element.get("endPosition", ""))
    except ValueError:
        return None


def _fitting(text: str, spans: list[tuple[int, int]], length: int) -> int:
    """How many spans lie within the text and start and end on word boundaries."""
    return sum(
        1 for start, end in spans
        if end <= length and on_word_boundary(text, start) and on_word_boundary(text, end)
    )  # fmt: skip


def _described(element: ET.Element) -> int:
    """How many Description children say something (empty ones lose nothing)."""
    return sum(
        1 for child in _children(element, "Description") if "".join(child.itertext()).strip()
    )


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
