"""Every passage of a code across the releases one may code, with its context.

Filters: the year of the interview, the coder, two attributes of the young person that do
not identify them (age band at the interview, years in the placement followed up), and the
interview guide's section and question a passage answers (as the interviewer confirmed it,
found by the question's stable key in every version of the guide).
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
from app.transcripts.models import TranscriptSegment
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
    #: the guide sections (keys) of the segments the passage lies in, as confirmed
    sections: tuple[str, ...] = ()


@dataclass
class Query:
    code_id: int
    combine: str = ""
    other_id: int | None = None
    year: int | None = None
    coder_id: int | None = None
    age_band: str = ""
    care_band: str = ""
    #: a guide section's key, and a question's: passages in a segment confirmed as answering it
    guide_section: str = ""
    guide_question: str = ""


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
    spans = guide_spans([info[rid][0] for rid in {c.release_id for c in found}])
    result = []
    for coding in found:
        text = texts[coding.release_id]
        release, year, age_band, care_band = info[coding.release_id]
        start, end = coding.start_offset, coding.end_offset
        links = [(sec, qu) for s_start, s_end, sec, qu in spans.get(coding.release_id, ())
                 if s_start < end and s_end > start]  # fmt: skip
        if query.guide_section and not any(sec == query.guide_section for sec, _ in links):
            continue
        if query.guide_question and not any(qu == query.guide_question for _, qu in links):
            continue
        result.append(Passage(coding, release, text[max(0, start - CONTEXT) : start],
                              text[start:end], text[end : end + CONTEXT], year, age_band,
                              care_band,
                              tuple(dict.fromkeys(sec for sec, _ in links))))  # fmt: skip
    audit.record(actor, "coding.export" if for_export else "coding.retrieve", "code", code.id,
                 passages=len(result), releases=sorted({p.release.id for p in result}),
                 combine=query.combine or None, other=query.other_id)  # fmt: skip
    return result


def guide_spans(releases: list[Release]) -> dict[int, list[tuple[int, int, str, str | None]]]:
    """For each release, its segments' (start, end, section key, question key) in its text,
    for the segments linked to the guide: a transcript's as its interviewer confirmed them
    (the release's segments are its verified transcript's, one for one), a memo's by the
    section it was written under."""
    transcript_ids = {r.transcript_id for r in releases if r.transcript_id is not None}
    confirmed = {}
    if transcript_ids:
        rows = db.session.execute(
            select(TranscriptSegment.transcript_id, TranscriptSegment.position,
                   TranscriptSegment.guide_section, TranscriptSegment.guide_question)
            .where(TranscriptSegment.transcript_id.in_(transcript_ids),
                   TranscriptSegment.guide_section.is_not(None))
        ).all()  # fmt: skip
        confirmed = {(t, pos): (sec, qu) for t, pos, sec, qu in rows}
    out = {}
    for release in releases:
        titles = {}
        if release.transcript_id is None:
            guide = release.interview.guide_version.guide
            titles = {s.title: s.key for s in (*guide.sections, guide.closing)}
        spans, start = [], 0
        for position, segment in enumerate(release.segments):
            end = start + len(segment["text"])
            if release.transcript_id is not None:
                link = confirmed.get((release.transcript_id, position))
            else:
                key = titles.get(segment.get("section"))
                link = (key, None) if key else None
            if link:
                spans.append((start, end, *link))
            start = end + 1
        out[release.id] = spans
    return out


def _header():
    return [_("Participant"), _("Year"), _("Age band"), _("Years in care"), _("Code"),
            _("Coder"), _("Passage"), _("Before"), _("After"), _("Memo"), _("Release"),
            _("Start"), _("End"), _("Guide section")]  # fmt: skip


def _row(p: Passage, names: dict[str, str]):
    return [p.release.interview.participant.code, p.year, p.age_band, p.care_band,
            p.coding.code.path, p.coding.coder.display_name if p.coding.coder else "",
            p.text, p.before, p.after, p.coding.memo,
            f"{p.release.interview.participant.code} v{p.release.version}",
            p.coding.start_offset, p.coding.end_offset, section_names(p, names)]  # fmt: skip


def section_names(p: Passage, names: dict[str, str]) -> str:
    """The passage's guide sections by their titles in ``names`` (their keys where unnamed)."""
    return "; ".join(names.get(key, key) for key in p.sections)


def export_csv(found: list[Passage], names: dict[str, str] | None = None) -> bytes:
    return csv_text(_header(), (_row(p, names or {}) for p in found)).encode("utf-8")


def export_docx(found: list[Passage], title: str, names: dict[str, str] | None = None) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    for p in found:
        heading = clean(f"{p.release.interview.participant.code}, {p.year} · {p.coding.code.path}")
        document.add_heading(heading, level=3)
        if p.sections:
            named = clean(section_names(p, names or {}))
            document.add_paragraph().add_run(
                _("Guide section: %(names)s", names=named)
            ).italic = True
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
