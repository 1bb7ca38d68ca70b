"""Writing REFI-QDA codebooks (.qdc) and projects (.qdpx) that validate against the
standard's schemas; the same data always gives the same bytes."""

import io
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET

from analysis.refiqda.model import (
    _COLOR,
    _GUID,
    CODEBOOK_NS,
    PROJECT_NS,
    Code,
    Project,
    Source,
    Value,
    _astral,
    _normalise_text,
    _remap,
    _to_utf16,
    _walk,
    counts_utf16,
)

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _derived_guid(kind: str, key: str) -> str:
    """A GUID that stays the same across exports, for things the app keeps no GUID for."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"redthread:refi-qda:{kind}:{key}"))


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
            utf16 = counts_utf16(project.origin)
            text = _write_source(sources, source, types, code_guids, notes, utf16)
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


def _write_source(parent, source: Source, types, code_guids, notes: list, utf16: bool) -> str:
    """One TextSource element; returns its text as it goes into the .txt file. With
    ``utf16`` (a project whose origin is NVivo), offsets count UTF-16 units, as NVivo
    reads them."""
    text, removed = _normalise_text(source.text)
    astral = _astral(text) if utf16 else []
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
            startPosition=str(_to_utf16(start, astral)), endPosition=str(_to_utf16(end, astral)),
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
