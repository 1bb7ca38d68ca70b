"""Every passage of a code across the releases one may code, with its context.

Filters: the year of the interview, the coder, and two attributes of the young person that
do not identify them (age band at the interview, years in the placement followed up).
Combinations: passages coded A that overlap a passage coded B ("A and B"), that overlap no
B ("A but not B"), or lie within a distance of a B ("A near B"). The shared and consensus
codings count; blind codings of a round do not. Exports need research use consent for every
interview they contain.
"""

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.models import Code
from app.codebook.services import CodingError, whole
from app.consent import gate
from app.core import audit
from app.core.db import db
from app.core.exports import csv_text
from app.core.permissions import authorize
from app.core.text import clean
from app.releases.attributes import stamp
from app.releases.models import Release
from app.workspace.models import Coding
from app.workspace.queries import codable_releases

CONTEXT = 160  # code points of context on each side
NEAR = 300  # "near": at most this many code points apart

COMBINATIONS = {
    "": _l("Only this code"),
    "and": _l("Also coded with"),
    "not": _l("But not coded with"),
    "near": _l("Near a passage coded with"),
}


@dataclass
class Passage:
    coding: Coding
    release: Release
    before: str
    text: str
    after: str
    year: int | None
    age_band: str
    care_band: str


@dataclass
class Query:
    code_id: int
    combine: str = ""
    other_id: int | None = None
    year: int | None = None
    coder_id: int | None = None
    age_band: str = ""
    care_band: str = ""


def attributes(release: Release) -> tuple[int | None, str, str]:
    """(year, age band, years-in-care band) of the interview behind a release."""
    if release.year is None:
        stamp(release)
    return release.year, release.age_band, release.care_band


def _family(code: Code) -> set[int]:
    """The code and every code below it: a category retrieves what its codes hold."""
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        if current.id not in found:
            found.add(current.id)
            todo.extend(current.children)
    return found


def _codings(release_ids: list[int], code_ids: set[int]) -> list[Coding]:
    if not release_ids or not code_ids:
        return []
    return db.session.scalars(
        select(Coding).where(Coding.release_id.in_(release_ids), Coding.code_id.in_(code_ids),
                             Coding.round_id.is_(None) | Coding.consensus)
        .order_by(Coding.release_id, Coding.start_offset, Coding.id)
    ).all()  # fmt: skip


def _combined(first: list[Coding], other: list[Coding], combine: str) -> list[Coding]:
    by_release: dict[int, list[Coding]] = {}
    for coding in other:
        by_release.setdefault(coding.release_id, []).append(coding)
    reach = NEAR if combine == "near" else 0
    kept = []
    for coding in first:
        hits = any(o.start_offset < coding.end_offset + reach
                   and o.end_offset > coding.start_offset - reach and o.id != coding.id
                   for o in by_release.get(coding.release_id, []))  # fmt: skip
        if hits != (combine == "not"):
            kept.append(coding)
    return kept


def passages(actor, query: Query, *, for_export: bool = False) -> list[Passage]:
    authorize(actor, "coding.work")
    code = db.session.get(Code, query.code_id) if whole(query.code_id) else None
    if code is None:
        raise CodingError(_l("That code does not exist or has been retired."), "code")
    releases = codable_releases(actor)
    if for_export:  # an export leaves the platform: research use for every interview
        allowed = {i.id for i in gate.consenting({r.interview for r in releases},
                                                 "coding.export")}  # fmt: skip
        releases = [r for r in releases if r.interview_id in allowed]
    info = {r.id: (r, *attributes(r)) for r in releases}
    info = {rid: row for rid, row in info.items()
            if (query.year is None or row[1] == query.year)
            and (not query.age_band or row[2] == query.age_band)
            and (not query.care_band or row[3] == query.care_band)}  # fmt: skip
    found = _codings(list(info), _family(code))
    if query.coder_id:
        found = [c for c in found if c.coder_id == query.coder_id]
    if query.combine in ("and", "not", "near"):
        other = db.session.get(Code, query.other_id) if whole(query.other_id) else None
        if other is None:
            raise CodingError(_l("Choose the second code."), "other_id")
        found = _combined(found, _codings(list(info), _family(other)), query.combine)
    texts = {rid: row[0].text for rid, row in info.items()}
    result = []
    for coding in found:
        text = texts[coding.release_id]
        release, year, age_band, care_band = info[coding.release_id]
        start, end = coding.start_offset, coding.end_offset
        result.append(Passage(coding, release, text[max(0, start - CONTEXT) : start],
                              text[start:end], text[end : end + CONTEXT], year, age_band,
                              care_band))  # fmt: skip
    audit.record(actor, "coding.export" if for_export else "coding.retrieve", "code", code.id,
                 passages=len(result), releases=sorted({p.release.id for p in result}),
                 combine=query.combine or None, other=query.other_id)  # fmt: skip
    return result


def _header():
    return [_("Participant"), _("Year"), _("Age band"), _("Years in care"), _("Code"),
            _("Coder"), _("Passage"), _("Before"), _("After"), _("Memo"), _("Release"),
            _("Start"), _("End")]  # fmt: skip


def _row(p: Passage):
    return [p.release.interview.participant.code, p.year, p.age_band, p.care_band,
            p.coding.code.path, p.coding.coder.display_name if p.coding.coder else "",
            p.text, p.before, p.after, p.coding.memo,
            f"{p.release.interview.participant.code} v{p.release.version}",
            p.coding.start_offset, p.coding.end_offset]  # fmt: skip


def export_csv(found: list[Passage]) -> bytes:
    return csv_text(_header(), (_row(p) for p in found)).encode("utf-8")


def export_docx(found: list[Passage], title: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    for p in found:
        heading = clean(f"{p.release.interview.participant.code}, {p.year} · {p.coding.code.path}")
        document.add_heading(heading, level=3)
        paragraph = document.add_paragraph()
        paragraph.add_run(clean("…" + p.before))
        paragraph.add_run(clean(p.text)).bold = True
        paragraph.add_run(clean(p.after + "…"))
        if p.coding.memo:
            memo = _("Memo: %(memo)s", memo=clean(p.coding.memo))
            document.add_paragraph().add_run(memo).italic = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
