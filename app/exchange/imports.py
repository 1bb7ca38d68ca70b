"""REFI-QDA import: a codebook (.qdc) or a project's codes and codings (.qdpx).

An import adds what it can use and says, exactly, what it left out and how many codings
that took with it; a file that cannot be read changes nothing. A project is imported as
its plan says (``app.exchange.plan``: the choices made on the preview), and what it adds is
returned so that one undo can remove exactly that (``app.exchange.undo``).
"""

import hashlib
from collections import Counter

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from analysis.refiqda import model as qda
from analysis.refiqda.read import read_qdc, read_qdpx
from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core import audit
from app.core.db import db
from app.core.permissions import authorize
from app.exchange import queries
from app.exchange.notes import note, reader_notes, say
from app.exchange.plan import (
    ALREADY,
    CATEGORY,
    CHANGED,
    NEW,
    SKIP,
    SKIPPED,
    WHITESPACE,
    Plan,
    make_plan,
    normal,
    release_label,
    sort_codings,
)
from app.workspace.models import Coding

MAX_QDC_BYTES = 5 * 1024 * 1024
MAX_QDPX_BYTES = 200 * 1024 * 1024

REASONS = {
    "not_zip": _l("The file is not a .qdpx project (a zip file)."),
    "too_large": _l("The file expands to more than this platform accepts."),
    "unsafe_path": _l("The file contains paths outside the project; it was not read."),
    "entities": _l(
        "The file declares XML entities or external references, which are not accepted."
    ),
    "bad_xml": _l("The file is not well-formed XML."),
    "no_project": _l("The .qdpx file has no project.qde inside."),
    "wrong_root": _l("The file is not a REFI-QDA codebook or project."),
    "bad_guid": _l("The file contains an identifier (GUID) that is not valid."),
}


def _refused(error: qda.RefiError) -> CodingError:
    return CodingError(REASONS.get(error.reason, _l("The file could not be read.")))


def _import_codes(items: list[qda.Code], parent: Code | None, made: dict[str, Code],
                  counts: dict) -> None:  # fmt: skip
    """Codes by GUID, else by name (in any language) at the same place, else new, named in
    the language of the person importing."""
    for item in items:
        code = db.session.scalar(select(Code).where(Code.guid == item.guid))
        if code is None:
            siblings = parent.children if parent else db.session.scalars(
                select(Code).where(Code.parent_id.is_(None))).all()  # fmt: skip
            code = next((c for c in siblings if item.name.casefold() in c.names()
                         and not c.merged_into_id), None)  # fmt: skip
        if code is None:
            colour = item.color if item.color and len(item.color) == 7 else "#9ecae1"
            code = Code(name=item.name[:200], parent=parent, definition=item.description or "",
                        colour=colour.lower(), codable=item.codable, guid=item.guid,
                        position=len(parent.children) if parent else counts["roots"])  # fmt: skip
            db.session.add(code)
            db.session.flush()
            counts["codes"] += 1
            if parent is None:
                counts["roots"] += 1
        if code.merged_into_id:
            code = code.merged_into
        made[item.guid] = code
        _import_codes(item.children, code, made, counts)


def import_codebook(actor, data: bytes) -> tuple[int, list[dict]]:
    authorize(actor, "codebook.manage")
    if len(data) > MAX_QDC_BYTES:
        raise CodingError(_l("The codebook is larger than %(n)s MB.", n=MAX_QDC_BYTES >> 20))
    try:
        codes, report = read_qdc(data)
    except qda.RefiError as error:
        raise _refused(error) from None
    counts = {"codes": 0, "roots": queries.root_count()}
    _import_codes(codes, None, {}, counts)
    audit.record(actor, "codebook.import", "code", None, added=counts["codes"])
    return counts["codes"], reader_notes(report)


def read_project(data: bytes) -> tuple[qda.Project, qda.ImportReport]:
    """The project in ``data``, or CodingError saying why it cannot be read."""
    if len(data) > MAX_QDPX_BYTES:
        raise CodingError(_l("The project is larger than %(n)s MB.", n=MAX_QDPX_BYTES >> 20))
    try:
        return read_qdpx(data)
    except qda.RefiError as error:
        raise _refused(error) from None


def _make_codes(plan: Plan) -> tuple[dict[str, Code], list[Code]]:
    """The codes as chosen: file GUID -> the code its codings go to; and the codes added.
    A code under a skipped one goes where the skipped one would have gone."""
    made: dict[str, Code] = {}
    added: list[Code] = []
    roots = queries.root_count()
    for row in plan.codes:
        if row.choice == SKIP:
            continue
        code = row.target
        if code is None:  # ADD
            ancestor = row.parent
            while ancestor is not None and ancestor.choice == SKIP:
                ancestor = ancestor.parent
            parent = made.get(ancestor.item.guid) if ancestor is not None else None
            siblings = parent.children if parent else db.session.scalars(
                select(Code).where(Code.parent_id.is_(None))).all()  # fmt: skip
            name = row.item.name[:200]
            if any(normal(name) in {normal(n) for n in c.names()} and c.active
                   for c in siblings):  # fmt: skip
                raise CodingError(_l("There is already a code called %(name)s here: merge "
                                     "the file's code into it or skip it.", name=name))  # fmt: skip
            colour = row.item.color if row.item.color and len(row.item.color) == 7 else "#9ecae1"
            code = Code(name=name, parent=parent, definition=row.item.description or "",
                        colour=colour.lower(), codable=row.item.codable, guid=row.item.guid,
                        position=len(parent.children) if parent else roots)  # fmt: skip
            db.session.add(code)
            db.session.flush()
            added.append(code)
            roots += parent is None
        made[row.item.guid] = code
    return made, added


def apply_plan(actor, plan: Plan, record_id: int | None = None) -> tuple[dict, dict]:
    """Import ``plan``'s project as its choices say: its codes added, merged or skipped, and
    its codings of the sources matched (exactly, or by similarity where confirmed) recorded
    as the importer's, except those already here (``sort_codings``). Returns the report
    (``codes`` added, ``merged``, ``skipped``, ``sources`` and ``codings`` added,
    ``already`` here, ``codings_dropped`` with every coding in the file that did not come
    in, ``left_out`` as (source, reason, codings it carried), ``imported`` as (source,
    release id, codings added, similarity or None), ``dropped`` as notes; a source and a
    reason are notes too, ``notes.say`` puts them into words when shown) and what was added
    ({"codes": ids, "codings": [[id, code id, start, end]]}), for the undo."""
    authorize(actor, "codebook.manage")
    project, report = plan.project, plan.report
    dropped: list = reader_notes(report)
    counts = {"codes": 0, "merged": plan.counts["merge"], "skipped": plan.counts["skip"],
              "codings": 0, "sources": 0, "already": 0,
              "codings_dropped": report.codings_lost}  # fmt: skip
    codes, new_codes = _make_codes(plan)
    counts["codes"] = len(new_codes)
    # Codings come in as the importer's: a file's user names and GUIDs prove nobody's identity.
    names = {u.guid: u.name for u in project.users}
    tally = Counter()
    left_out, made = [], []
    added: dict[int, int] = {}
    for row in plan.sources:
        if row.imported:
            counts["sources"] += 1
            added[row.index] = 0
        else:
            # the report's table of sources left out says this; not repeated as a note
            reason = row.reason if row.kind == "none" else "unconfirmed"
            left_out.append((row.name, note(reason), row.carried))
            counts["codings_dropped"] += row.carried
    targets = {guid: (code.id, code.codable) for guid, code in codes.items()}
    for row, selection, item, span, verdict in sort_codings(plan, targets):
        if verdict == ALREADY:
            counts["already"] += 1
            continue
        if verdict == CATEGORY:
            dropped.append(note("category"))
            counts["codings_dropped"] += 1
            continue
        if verdict != NEW:
            tally[verdict] += 1
            continue
        author = names.get(item.user_guid or selection.user_guid)
        if author and author.casefold() != actor.display_name.casefold():
            tally["others"] += 1  # only what is added: a coding already here is not
        start, end = span
        coding = Coding(release=row.release, code=codes[item.code_guid], coder_id=actor.id,
                        start_offset=start, end_offset=end,
                        memo=(selection.note or "").strip()[:5000] or None,
                        guid=item.guid)  # fmt: skip
        if item.created_at or selection.created_at:
            coding.created_at = item.created_at or selection.created_at
        db.session.add(coding)
        made.append(coding)
        counts["codings"] += 1
        added[row.index] += 1
    for key in (WHITESPACE, SKIPPED, CHANGED):
        if tally[key]:
            counts["codings_dropped"] += tally[key]
            dropped.append(note(key, num=tally[key]))
    if tally["others"]:
        dropped.append(note("others", num=tally["others"]))
    imported = [(row.name, row.release.id, added[row.index], row.similarity)
                for row in plan.sources if row.imported]  # fmt: skip
    db.session.flush()
    audit.record(actor, "project.import", "project_import", record_id, codes=counts["codes"],
                 merged=counts["merged"], codings=counts["codings"], sources=counts["sources"],
                 codings_dropped=counts["codings_dropped"])  # fmt: skip
    undo = {"codes": [c.id for c in new_codes],
            "codings": [[c.id, c.code_id, c.start_offset, c.end_offset]
                        for c in made]}  # fmt: skip
    return {**counts, "dropped": dropped, "left_out": left_out, "imported": imported}, undo


def readable(result: dict, labels: dict[int, str] | None = None) -> dict:
    """A report (``apply_plan``'s) in the words of the person reading it now: its notes,
    sources and reasons said; each release named by ``labels`` (release id -> name; one
    missing there is no longer available), or by its id without them."""
    gone = str(_l("a transcript no longer available"))
    shown = dict(result)
    shown["dropped"] = [say(n) for n in result.get("dropped", ())]
    shown["left_out"] = [(say(name), say(reason), carried)
                         for name, reason, carried in result.get("left_out", ())]  # fmt: skip
    shown["imported"] = [
        (say(name), release if labels is None else labels.get(release, gone), added, alike)
        for name, release, added, alike in result.get("imported", ())
    ]
    return shown


def import_project(actor, data: bytes) -> dict:
    """Import a project at once, as its preview would suggest (codes merged where their
    names match, no similar source confirmed); the report as ``apply_plan`` gives it, with
    ``imported`` naming each release (its participant's code and version)."""
    authorize(actor, "codebook.manage")
    project, report = read_project(data)
    plan = make_plan(actor, project, report, hashlib.sha256(data).hexdigest())
    result, _ = apply_plan(actor, plan)
    labels = {row.release.id: release_label(row.release) for row in plan.sources if row.release}
    result = readable(result, labels)
    result["imported"] = [(name, label, added) for name, label, added, _ in result["imported"]]
    return result
