"""REFI-QDA import: a codebook (.qdc) or a project's codes and codings (.qdpx).

An import adds what it can use and says, exactly, what it left out and how many codings
that took with it; a file that cannot be read changes nothing. A source matches a release
up to its line ends and trailing whitespace (NVivo for Mac and for Windows save the same
text with and without a final newline).
"""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from analysis.refiqda import model as qda
from analysis.refiqda.read import read_qdc, read_qdpx
from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core import audit
from app.core.db import db
from app.core.permissions import authorize
from app.exchange import queries
from app.exchange.export import guid
from app.workspace.models import Coding
from app.workspace.queries import codable_releases

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


def import_codebook(actor, data: bytes) -> tuple[int, list[str]]:
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
    return counts["codes"], report.dropped


def _comparable(text: str) -> str:
    """A text as compared when matching a file's source to a release: LF line ends and no
    trailing whitespace, so the same transcript saved on Mac and Windows still matches."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _source_label(source: qda.Source) -> str:
    """A source's name, or what identifies it when the file gives none (qc writes none)."""
    if source.name.strip():
        return source.name
    return str(_l("an unnamed source (%(guid)s)", guid=source.guid))


def import_project(actor, data: bytes) -> dict:
    """Add a project's codes and its codings of releases that are here (matched by GUID,
    then by name, then by text; the texts must be the same up to line ends and trailing
    whitespace). Returns what was added and, exactly, what was left out and why:
    ``sources`` and ``codings`` added, ``codings_dropped`` (every coding in the file that
    did not come in, other than those already here), ``left_out`` as (source, reason,
    codings it carried), ``imported`` as (source, release, codings added), ``dropped``
    as notes."""
    authorize(actor, "codebook.manage")
    if len(data) > MAX_QDPX_BYTES:
        raise CodingError(_l("The project is larger than %(n)s MB.", n=MAX_QDPX_BYTES >> 20))
    try:
        project, report = read_qdpx(data)
    except qda.RefiError as error:
        raise _refused(error) from None
    dropped = list(report.dropped)
    counts = {"codes": 0, "roots": queries.root_count(), "codings": 0, "sources": 0, "already": 0,
              "codings_dropped": report.codings_lost}  # fmt: skip
    codes: dict[str, Code] = {}
    _import_codes(project.codes, None, codes, counts)
    releases = codable_releases(actor)
    by_guid = {guid("release", r.id): r for r in releases}
    by_name = {f"{r.interview.participant.code} v{r.version}".casefold(): r for r in releases}
    by_text = {_comparable(r.text): r for r in releases}
    # Codings come in as the importer's: a file's user names and GUIDs prove nobody's identity.
    names = {u.guid: u.name for u in project.users}
    others = unusable = 0
    left_out, imported = [], []
    existing = queries.coding_guids()
    for source in project.sources:
        carried = sum(len(selection.codings) for selection in source.selections)
        release = by_guid.get(source.guid) or by_name.get(source.name.casefold()) or \
            by_text.get(_comparable(source.text))  # fmt: skip
        if release is None or _comparable(release.text) != _comparable(source.text):
            reason = (_l("not a released transcript here") if release is None
                      else _l("its text differs from the released version"))  # fmt: skip
            left_out.append((_source_label(source), str(reason), carried))
            dropped.append(f"{_source_label(source)}: {reason}")
            counts["codings_dropped"] += carried
            continue
        counts["sources"] += 1
        added = 0
        seen = {(c.code_id, c.coder_id, c.start_offset, c.end_offset)
                for c in release.codings if c.round_id is None}  # fmt: skip
        for selection in source.selections:
            # the texts may differ by trailing whitespace: what lies past the release's end
            # is that whitespace, and a selection of nothing else is left out
            end = min(selection.end, len(release.text))
            if selection.start >= end:
                unusable += len(selection.codings)
                continue
            for item in selection.codings:
                code = codes.get(item.code_guid)
                if code is None or not code.codable:
                    dropped.append(str(_l("a coding with a category or an unknown code")))
                    counts["codings_dropped"] += 1
                    continue
                coder = actor
                author = names.get(item.user_guid or selection.user_guid)
                if author and author.casefold() != actor.display_name.casefold():
                    others += 1
                key = (code.id, coder.id, selection.start, end)
                if item.guid in existing or key in seen:
                    counts["already"] += 1
                    continue
                seen.add(key)
                existing.add(item.guid)
                made = Coding(release=release, code=code, coder_id=coder.id,
                              start_offset=selection.start, end_offset=end,
                              memo=(selection.note or "").strip()[:5000] or None,
                              guid=item.guid)  # fmt: skip
                if item.created_at or selection.created_at:
                    made.created_at = item.created_at or selection.created_at
                db.session.add(made)
                counts["codings"] += 1
                added += 1
        label = f"{release.interview.participant.code} v{release.version}"
        imported.append((_source_label(source), label, added))
    if unusable:
        counts["codings_dropped"] += unusable
        dropped.append(ngettext("%(num)d coding of only the whitespace at the end of a text",
                                "%(num)d codings of only the whitespace at the end of a text",
                                unusable))  # fmt: skip
    if others:
        dropped.append(ngettext("the coders' names: %(num)d coding by another coder in the file "
                                "is recorded as yours", "the coders' names: %(num)d codings by "
                                "others in the file are recorded as yours", others))  # fmt: skip
    db.session.flush()
    audit.record(actor, "project.import", "release", None, codes=counts["codes"],
                 codings=counts["codings"], sources=counts["sources"],
                 codings_dropped=counts["codings_dropped"])  # fmt: skip
    del counts["roots"]
    return {**counts, "dropped": dropped, "left_out": left_out, "imported": imported}
