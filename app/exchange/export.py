"""REFI-QDA export: the codebook as .qdc and a project as .qdpx.

An export holds the releases one may code whose consent covers research use, their shared
and consensus codings with coders and dates, coding memos as notes, and each young person as
a case with variables that do not identify them (year, age band, years in care). Every
entity keeps its GUID across exports: codes and codings in their own column, the others in
``exchange_guid``. An export made for NVivo counts positions in UTF-16 units, as NVivo does.
"""

import uuid

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.refiqda import model as qda
from analysis.refiqda.write import write_qdc, write_qdpx
from app.codebook.models import Code, current_language, new_guid
from app.codebook.queries import codebook
from app.consent import gate
from app.core import audit
from app.core.db import db
from app.core.permissions import authorize
from app.exchange import queries
from app.exchange.models import ExchangeGuid
from app.workspace import retrieval
from app.workspace.models import Coding
from app.workspace.queries import codable_releases


def guid(kind: str, entity_id: int) -> str:
    """The GUID that ``kind`` (user, release, participant) ``entity_id`` has in every export
    and import, made the first time it is asked for."""
    query = select(ExchangeGuid).where(ExchangeGuid.kind == kind,
                                       ExchangeGuid.entity_id == entity_id)  # fmt: skip
    found = db.session.scalar(query)
    if found is None:
        found = ExchangeGuid(kind=kind, entity_id=entity_id, guid=new_guid())
        db.session.add(found)
        db.session.flush()
    return found.guid


def _description(code: Code, language: str) -> str:
    """The definition, when to use it, when not and example in ``language`` (each, where
    ``language`` has none, in a language that has it), labelled in that language too."""
    parts = [code.shown("definition", language)[0]]
    with force_locale(language):
        for label, field in ((_("When to use it"), "when_to_use"),
                             (_("When not to use it"), "when_not"),
                             (_("Example"), "example")):  # fmt: skip
            value = code.shown(field, language)[0]
            if value:
                parts.append(f"{label}: {value}")
    return "\n\n".join(p for p in parts if p)


def _code_tree(language: str) -> list[qda.Code]:
    built: dict[int, qda.Code] = {}
    roots = []
    for code in codebook():
        if code.merged_into_id:
            continue
        item = qda.Code(guid=code.guid, name=code.shown("name", language)[0],
                        description=_description(code, language),
                        color=code.colour, codable=code.codable)  # fmt: skip
        built[code.id] = item
        parent = built.get(code.parent_id) if code.parent_id else None
        (parent.children if parent else roots).append(item)
    return roots


def export_codebook(actor, language: str | None = None) -> bytes:
    """The codebook as .qdc, its codes named and described in ``language`` (the reader's by
    default)."""
    authorize(actor, "coding.work")
    language = language or current_language()
    data = write_qdc(_code_tree(language))
    audit.record(actor, "codebook.export", "code", None, language=language)
    return data


def _selection_guid(coding: Coding) -> str:
    return str(uuid.uuid5(uuid.UUID(coding.guid), "selection"))


#: the origin of an export made for NVivo, which counts positions in UTF-16 units: the
#: writer counts that way for an origin naming NVivo, and so does the reader coming back
ORIGIN_FOR_NVIVO = "Red Thread, for NVivo"


def export_project(
    actor, name: str = "Red Thread", for_nvivo: bool = False, language: str | None = None
) -> tuple[bytes, list]:
    """The .qdpx of every release ``actor`` may code whose consent covers research use;
    returns the file and the releases it holds. ``for_nvivo`` counts positions as NVivo
    does (UTF-16 units: an emoji counts two) instead of as the standard says; the codes are
    named and described in ``language`` (the reader's by default)."""
    authorize(actor, "coding.work")
    releases = codable_releases(actor)
    allowed = {i.id for i in gate.consenting({r.interview for r in releases}, "coding.export")}
    releases = [r for r in releases if r.interview_id in allowed]
    codings = queries.shared_codings([r.id for r in releases])
    by_release: dict[int, list[Coding]] = {}
    for coding in codings:
        by_release.setdefault(coding.release_id, []).append(coding)
    coders = {c.coder for c in codings if c.coder is not None} | {actor}
    users = {u.id: qda.User(guid=guid("user", u.id), name=u.display_name)
             for u in sorted(coders, key=lambda u: u.id)}  # fmt: skip
    sources, cases = [], {}
    for release in releases:
        selections = [
            qda.Selection(
                guid=_selection_guid(c), start=c.start_offset, end=c.end_offset,
                user_guid=users[c.coder_id].guid if c.coder_id in users else None,
                created_at=c.created_at, note=c.memo or "",
                codings=[qda.Coding(guid=c.guid, code_guid=c.code.guid,
                                    user_guid=users[c.coder_id].guid
                                    if c.coder_id in users else None,
                                    created_at=c.created_at)],
            ) for c in by_release.get(release.id, []) if not c.code.merged_into_id
        ]  # fmt: skip
        participant = release.interview.participant
        source = qda.Source(guid=guid("release", release.id),
                            name=f"{participant.code} v{release.version}",
                            text=release.text, selections=selections)  # fmt: skip
        sources.append(source)
        year, age_band, care_band = retrieval.attributes(release)
        case = cases.get(participant.id)
        if case is None:
            case = cases[participant.id] = qda.Case(
                guid=guid("participant", participant.id), name=participant.code,
                source_guids=[], variables={},
            )  # fmt: skip
        case.source_guids.append(source.guid)
        case.variables.update({"year": year, "age_band": age_band, "years_in_care": care_band})
    codes = _code_tree(language or current_language())
    project = qda.Project(name=name, users=list(users.values()), codes=codes,
                          sources=sources, cases=list(cases.values()))  # fmt: skip
    if for_nvivo:
        project.origin = ORIGIN_FOR_NVIVO
    data = write_qdpx(project)
    audit.record(actor, "project.export", "release", None,
                 releases=[r.id for r in releases], codings=len(codings))  # fmt: skip
    return data, releases
