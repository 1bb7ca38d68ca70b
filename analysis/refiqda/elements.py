"""XML as the REFI-QDA readers take it: every document parsed by defusedxml with DTDs
forbidden and its root checked, elements matched on their local names (namespaces
ignored), texts with LF line ends, and xsd:boolean.
"""

from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from analysis.refiqda.model import (
    RefiError,
)


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


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
