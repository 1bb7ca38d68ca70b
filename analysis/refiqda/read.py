"""Reading REFI-QDA codebooks and projects as real tools write them: the entry points for a
codebook (.qdc), a project archive (.qdpx, through ``safezip``) and a bare project.qde.
Namespaces are ignored, GUIDs canonicalised, and whatever Red Thread cannot hold skipped
and listed in an ``ImportReport``. A file that cannot be read at all raises ``RefiError``;
a reader returns everything it could use or raises, never half a project. The codes are
read in ``read_codes``, the rest of a project in ``read_project``, the XML in ``elements``.
"""

import uuid
from collections.abc import Mapping

from analysis.refiqda.elements import _child, _children, _parse
from analysis.refiqda.model import (
    Code,
    ImportReport,
    Project,
)
from analysis.refiqda.read_codes import _Reader
from analysis.refiqda.read_project import _ProjectReader
from analysis.refiqda.safezip import MAX_ENTRIES, MAX_TOTAL, SafeZip, _lookup


def read_qdc(data: bytes) -> tuple[list[Code], ImportReport]:
    """The codes of a REFI-QDA codebook (.qdc), with what was skipped."""
    root = _parse(data, "CodeBook")
    reader = _Reader()
    codes = reader.codes(_child(root, "Codes"))
    if (root.get("origin") or "").strip().casefold().startswith("taguette"):
        codes = _nest_by_path(codes)
    reader.drop("set", len(_children(_child(root, "Sets"), "Set")))
    return codes, reader.report()


def _nest_by_path(codes: list[Code], separator: str = "\\") -> list[Code]:
    """Taguette writes its hierarchy into flat names (``interesting\\places`` is ``places``
    under ``interesting``): rebuild the tree. A parent named but not in the file is made,
    as a category that cannot be applied, with a GUID derived from its path."""

    def split(code: Code) -> list[str]:
        parts = [part.strip() for part in code.name.split(separator)]
        return parts if len(parts) > 1 and all(parts) else []

    roots = [code for code in codes if not split(code)]  # first, so a parent listed late
    for code in codes:  # is found, not made again
        if not (parts := split(code)):
            continue
        *path, leaf = parts
        siblings, trail = roots, []
        for part in path:
            trail.append(part)
            parent = next((c for c in siblings if c.name == part), None)
            if parent is None:
                key = "redthread:refi-qda:path:" + separator.join(trail)
                parent = Code(str(uuid.uuid5(uuid.NAMESPACE_URL, key)), part, codable=False)
                siblings.append(parent)
            siblings = parent.children
        code.name = leaf
        siblings.append(code)
    return roots


def read_qdpx(
    data: bytes, *, max_total: int = MAX_TOTAL, max_entries: int = MAX_ENTRIES
) -> tuple[Project, ImportReport]:
    """A REFI-QDA project (.qdpx): the zip's ``project.qde`` and the text sources it names.

    The zip is refused (RefiError) if it is not one, holds an unsafe entry name, has more
    than ``max_entries`` entries, unpacks to more than ``max_total`` bytes, or has an entry
    over 1 MB compressed more than 100:1.
    """
    archive = SafeZip(data, max_total, max_entries)
    qde = archive.project_entry()
    root = _parse(archive.read(qde), "Project")
    base = qde.filename.replace("\\", "/").lower().rpartition("/")[0]
    return _ProjectReader(root, lambda path: archive.load(base, path)).project()


def read_qde(data: bytes, files: Mapping[str, bytes] | None = None) -> tuple[Project, ImportReport]:
    """A bare ``project.qde``; ``files`` maps paths like ``sources/x.txt`` to their bytes."""
    root = _parse(data, "Project")
    entries = {name.replace("\\", "/").lower(): blob for name, blob in (files or {}).items()}
    return _ProjectReader(root, lambda path: _lookup(entries, "", path)).project()
