"""Building a review pack: the numbers, the charts, the quotes and last year's actions,
frozen into the pack's content (for the printable page) and a DOCX file (in storage)."""

import io
import json
from collections.abc import Callable
from itertools import islice

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from analysis import aggregation as agg
from app.consent import gate
from app.core import audit, storage
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.i18n import format_day
from app.core.text import clean
from app.interviews.models import Interview
from app.offers.models import ATTRITION_LABELS
from app.offers.reports import attrition
from app.participants.services import rules
from app.releases.models import Release
from app.reviews.actions import carried_actions, overdue
from app.reviews.models import ReviewPack, SessionStatus, agenda_in
from app.reviews.packs import destroy_pack
from app.reviews.sessions import may_read_pack, scope_of
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import current_releases
from app.workspace.models import Coding

QUOTES_PER_THEME = 3
QUOTE_LENGTH = 700  # code points at most; longer passages are cut at a word
CANDIDATES = 500  # codings read in a theme's first batch, newest first (then more per batch)
PACK_CHARTS = ("years", "trends", "together")

#: sections a higher area adds to the pack after the themes (the goals area registers
#: "goals" in app.goals.routes): name -> (build(actor, scope, actions) -> data frozen into
#: the pack, docx(document, data, note, table) writing it). ``actions`` are those the
#: session follows up and its own.
SECTIONS: dict[str, tuple[Callable, Callable]] = {}


def _quote_text(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_LENGTH:
        return text
    cut = text[:QUOTE_LENGTH].rsplit(" ", 1)[0]
    return cut + " …"


def _quotable(scope) -> dict[int, tuple[int, int]]:
    """The releases a quote may come from, once per pack: release -> (interview, year) for
    the newest release of every interview counted in ``scope`` whose consent covers
    quotation as far as the database can tell (``gate.sql_allows``). The gate in Python
    still has the last word on every interview quoted (``_allowed``).

    Two queries met here rather than one join: the planner cannot tell how many interviews
    the gate's grouped counts keep (it guesses a few dozen of 10,000), and with both gates
    in one query it reads the newest releases again for every interview (seconds, where
    each query alone takes a fraction of one)."""
    quoting = set(db.session.scalars(select(Interview.id).where(gate.sql_allows("review.quote"))))
    r = current_releases(scope)
    rows = db.session.execute(select(r.c.id, r.c.interview_id, r.c.year)).all()
    return {release: (interview, year) for release, interview, year in rows if interview in quoting}


def _candidates(code_ids: list[int], quotable: dict[int, tuple[int, int]]):
    """The shared or agreed codings of ``code_ids`` on quotable releases, newest first, the
    first of each interview only: (coding row, interview, year).

    The codings are read a batch at a time by id alone (no join): the consent gate's SQL
    is worked out once (``_quotable``) rather than joined into every batch, where the
    planner cannot tell how many interviews it keeps, and a batch after the first goes on
    below the last id read instead of counting past an OFFSET."""
    seen: set[int] = set()
    below, size = None, CANDIDATES
    while True:
        query = (
            select(Coding.id, Coding.release_id, Coding.start_offset, Coding.end_offset)
            .where(Coding.code_id.in_(code_ids), or_(Coding.round_id.is_(None), Coding.consensus))
            .order_by(Coding.id.desc())
            .limit(size)
        )  # fmt: skip
        if below is not None:
            query = query.where(Coding.id < below)
        batch = db.session.execute(query).all()
        for c in batch:
            found = quotable.get(c.release_id)
            if found is not None and found[0] not in seen:
                seen.add(found[0])
                yield c, *found
        if len(batch) < size:
            return
        # a theme whose newest codings are hardly ever quotable reads all of them: in
        # growing batches, not hundreds of small ones
        below, size = batch[-1].id, min(size * 2, CANDIDATES * 32)


def _allowed(ids: set[int], verdicts: dict[int, bool], spoken: dict[int, str]) -> None:
    """Ask the gate in Python about the interviews in ``ids`` not asked yet (their verdicts
    into ``verdicts``, their languages into ``spoken``)."""
    asked = ids - verdicts.keys()
    if not asked:
        return
    interviews = db.session.scalars(select(Interview).where(Interview.id.in_(asked))).all()
    allowed = {i.id for i in gate.consenting(interviews, "review.quote")}
    verdicts.update({i: i in allowed for i in asked})
    spoken.update({i.id: i.language for i in interviews})


def _quotes(pack: ReviewPack, view, readers: list) -> None:
    """Pick quotes per theme from interviews consenting to quotation, each theme's from
    different interviews: the newest coding of a theme's codes in each interview, newest
    first. Each quote keeps its interview under "_interview" until the pack is written
    (``_final_check``)."""
    quotable = _quotable(scope_of(pack.session))
    codes = aggregates.theme_codes()
    turn = 0
    #: passage (release, start, end) -> the members it is assigned to: a passage quoted
    #: under two themes is never given twice to the same member to read
    given: dict[tuple[int, int, int], set[int]] = {}
    spoken: dict[int, str] = {}  # interview -> its language, which the quote keeps (WCAG 3.1.2)
    verdicts: dict[int, bool] = {}  # interview -> whether the gate allows quoting it
    for row in view["themes"]:
        code_ids = codes.get(row["id"], [])
        chosen = []
        found = _candidates(code_ids, quotable) if code_ids and quotable else iter(())
        while len(chosen) < QUOTES_PER_THEME:
            # as many as are still wanted, then the gate on those (rarely one is refused)
            wanted = list(islice(found, QUOTES_PER_THEME - len(chosen)))
            if not wanted:
                break
            _allowed({interview for _, interview, _ in wanted}, verdicts, spoken)
            chosen += [c for c in wanted if verdicts[c[1]]]
        ids = {c.release_id for c, _, _ in chosen}
        releases = {x.id: x for x in db.session.scalars(select(Release).where(Release.id.in_(ids)))}
        for c, interview, year in chosen:
            text = clean(_quote_text(releases[c.release_id].text[c.start_offset : c.end_offset]))
            passage = (c.release_id, c.start_offset, c.end_offset)
            reader, turn = _next_reader(readers, turn, given.setdefault(passage, set()))
            row["quotes"].append({
                "text": text, "year": year, "lang": spoken[interview],
                "reader": reader.id if reader else None,
                "reader_name": reader.display_name if reader else "",
                "_interview": interview,
            })  # fmt: skip


def _next_reader(readers: list, turn: int, holding: set[int]):
    """The next member in turn who does not already read this quote (None when all do),
    and the turn after them; the member is added to ``holding``."""
    for step in range(len(readers)):
        reader = readers[(turn + step) % len(readers)]
        if reader.id not in holding:
            holding.add(reader.id)
            return reader, turn + step + 1
    return None, turn


def _final_check(view) -> list[int]:
    """Ask the gate again just before the pack is written (a withdrawal may have come in
    while it was being built) and drop what it no longer allows; returns the quoted
    interviews."""
    ids = {q["_interview"] for t in view["themes"] for q in t["quotes"]}
    interviews = db.session.scalars(select(Interview).where(Interview.id.in_(ids))).all()
    allowed = {i.id for i in gate.consenting(interviews, "review.quote")}
    for theme in view["themes"]:
        theme["quotes"] = [q for q in theme["quotes"] if q.pop("_interview") in allowed]
    return sorted(allowed)


def _attrition(session) -> dict:
    """Attrition per cohort in the session's years (``attrition_table``)."""
    return attrition_table(session.scope_from and session.scope_from.year,
                           session.scope_to and session.scope_to.year)  # fmt: skip


def attrition_table(first: int | None = None, last: int | None = None) -> dict:
    """Attrition per cohort, suppressed as a family: interviewed, each reason, not offered
    and in progress add up to the eligible. The offered are the interviewed, the reasons
    and those in progress with an offer; with the eligible, the not offered and the in
    progress shown, the first two together are known anyway, so the offered tell nothing
    hidden. Otherwise they would, and are hidden too."""
    years = attrition(today(), rules())
    if first:
        years = [y for y in years if y.year >= first]
    if last:
        years = [y for y in years if y.year <= last]
    reasons = sorted({r for y in years for r in y.reasons})
    rows = []
    for y in years:
        parts = [y.interviewed, *(y.reasons[r] for r in reasons), y.not_offered, y.in_progress]
        eligible, (cells,) = agg.family(y.eligible, [parts])
        offered = agg.cell(y.offered)
        if not offered.suppressed and any(c.suppressed for c in [eligible, *cells[-2:]]):
            offered = agg.Cell(None, reason=agg.SECONDARY)
        shown = [str(c) for c in cells]
        rows.append({"year": y.year, "eligible": str(eligible), "offered": str(offered),
                     "interviewed": shown[0], "declined": shown[1:-2],
                     "not_offered": shown[-2], "in_progress": shown[-1],
                     "secondary": agg.any_secondary(eligible, offered, cells)})  # fmt: skip
    return {"reasons": [str(ATTRITION_LABELS[r]) for r in reasons], "rows": rows,
            "secondary": any(r["secondary"] for r in rows)}  # fmt: skip


def _scope_text(session) -> str:
    """The years the pack counts (whole years: ``sessions.scope_of``)."""
    start = session.scope_from.year if session.scope_from else None
    end = session.scope_to.year if session.scope_to else None
    if start and end:
        if start == end:
            return _("Interviews of %(year)s", year=start)
        return _("Interviews of %(start)s–%(end)s", start=start, end=end)
    if start:
        return _("Interviews from %(year)s on", year=start)
    if end:
        return _("Interviews until the end of %(year)s", year=end)
    return _("All years")


def build(pack: ReviewPack, actor, progress: Callable[[float], None] | None = None) -> None:
    """Fill ``pack`` and write its DOCX; every earlier pack of the session is destroyed."""
    step = progress or (lambda share: None)
    session = pack.session
    scope = scope_of(session)
    overview = themes.overview(actor, scope, passages=False)
    step(0.3)
    view = {
        "title": session.title, "year": session.year,
        "held_on": format_day(session.held_on), "scope": _scope_text(session),
        "built_on": format_day(today()), "released": str(overview.released),
        "years": overview.years, "coded": [str(c) for c in overview.coded],
        "coded_all": str(overview.coded_all), "themes": [], "empty": overview.empty,
        "secondary": overview.has_secondary, "note": str(themes.SECONDARY_NOTE),
        "agenda": session.agenda_items,
    }  # fmt: skip
    by_id = {t.id: t for t in themes.themes()}
    for row in overview.rows:
        theme = by_id[row.key]
        view["themes"].append({
            "id": theme.id, "name": theme.name, "description": theme.description,
            "dated": theme.dated, "codes": [c.name for c in theme.codes],
            "cells": [str(c) for c in row.cells], "shares": [c.percent() for c in row.cells],
            "total": str(row.total), "quotes": [],
        })  # fmt: skip
    readers = [m for m in session.members if may_read_pack(m)]  # a researcher reads none
    _quotes(pack, view, readers)
    step(0.6)
    view["matrix"] = {"labels": overview.pair_labels,
                      "rows": [[str(c) for c in r] for r in overview.together]}  # fmt: skip
    view["charts"] = {}
    pngs = {}
    if overview.has_data and overview.rows:
        for name in PACK_CHARTS:
            # A chart of hidden counts is not drawn: the pack says why in its place.
            svg = None
            if themes.drawable(overview, name):
                svg, pngs[name] = themes.chart(overview, name, fmt="svg+png")
            view["charts"][name] = {"title": str(themes.CHARTS[name]),
                                    "alt": themes.describe(overview, name), "svg": svg}  # fmt: skip
    # the goals' sections: the actions this session follows up and its own name them
    for name, (build, _docx) in SECTIONS.items():
        view[name] = build(actor, scope, [*carried_actions(session), *session.actions])
    view["attrition"] = _attrition(session)
    view["actions"] = [
        {"what": a.what, "owner": a.owner.display_name, "due_on": format_day(a.due_on),
         "status": str(a.status_enum.label), "follow_up": a.follow_up, "overdue": overdue(a),
         "session": a.session.title}
        for a in carried_actions(session)
    ]  # fmt: skip
    step(0.8)
    # From here to the end of the job nothing is committed; a withdrawal meanwhile cancels
    # the job (``destroy_for_withdrawal``), which rolls all of this back.
    quoted = _final_check(view)
    stored = storage.save(io.BytesIO(docx(view, pngs)), "review_packs")
    storage.delete_on_rollback(stored.name)
    for earlier in session.packs:
        if earlier is not pack and earlier.destroyed_at is None and earlier.built_at:
            destroy_pack(earlier, "superseded")
    pack.content = json.dumps(view, ensure_ascii=False)
    pack.quoted = json.dumps(quoted)
    pack.docx_name, pack.built_at = stored.name, utcnow()
    if session.status_enum is SessionStatus.PLANNING:
        session.status = SessionStatus.PACK_READY.value
    db.session.flush()
    audit.record(actor, "review.pack_build", "review_session", session.id, pack=pack.id,
                 interviews=quoted)  # fmt: skip


def docx(view: dict, pngs: dict[str, bytes]) -> bytes:
    """The pack as a Word document (charts as pictures, each followed by its numbers)."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    document.add_heading(clean(view["title"]), level=0)
    document.add_paragraph(clean(_("Review pack for the meeting on %(day)s. %(scope)s. "
                                   "Built on %(built)s.", day=view["held_on"],
                                   scope=view["scope"], built=view["built_on"])))  # fmt: skip
    document.add_paragraph(_("Counts under 3 are shown as “< 3” so that nobody can be "
                             "recognised. Quotes are pseudonymised."))  # fmt: skip
    document.add_heading(_("Agenda"), level=1)
    for item in agenda_in(view["agenda"], str(get_locale() or "en")):  # the builder's language
        paragraph = document.add_paragraph(style="List Number")
        paragraph.add_run(clean(item["title"])).bold = True
        if item.get("guidance"):
            paragraph.add_run(" – " + clean(item["guidance"]))
    document.add_heading(_("Interviews and attrition"), level=1)
    document.add_paragraph(_("Released interviews in scope: %(n)s", n=view["released"]))
    att = view["attrition"]
    header = [_("Year"), _("Eligible"), _("Offered"), _("Interviewed"), *att["reasons"],
              _("Not offered"), _("In progress")]  # fmt: skip
    rows = [[str(r["year"]), r["eligible"], r["offered"], r["interviewed"], *r["declined"],
             r["not_offered"], r["in_progress"]] for r in att["rows"]]  # fmt: skip
    _table(document, header, rows)
    if view["attrition"].get("secondary"):
        document.add_paragraph(str(view["note"]))
    document.add_heading(_("Themes"), level=1)
    for name, chart in view["charts"].items():
        if name in pngs:
            document.add_picture(io.BytesIO(pngs[name]), width=Cm(16))
        else:
            document.add_paragraph().add_run(clean(chart["title"])).bold = True
        document.add_paragraph().add_run(clean(chart["alt"])).italic = True
    if view["themes"]:
        _table(document, [_("Theme"), *map(str, view["years"]), _("All years")],
               [[_("Coded interviews"), *view["coded"], view.get("coded_all", "")]]
               + [[t["name"], *t["cells"], t["total"]] for t in view["themes"]])  # fmt: skip
        if view.get("secondary"):
            document.add_paragraph(str(view["note"]))
    for theme in view["themes"]:
        document.add_heading(clean(theme["name"]), level=2)
        if theme["description"]:
            document.add_paragraph(clean(theme["description"]))
        document.add_paragraph(_("Codes: %(codes)s", codes=clean(", ".join(theme["codes"]))))
        for quote in theme["quotes"]:
            paragraph = document.add_paragraph(style="Intense Quote")
            paragraph.add_run(f"“{clean(quote['text'])}” ({quote['year']})")
            if quote["reader_name"]:
                document.add_paragraph(_("Read beforehand by %(name)s",
                                         name=clean(quote["reader_name"])))  # fmt: skip
        if not theme["quotes"]:
            document.add_paragraph(_("No quote: no interview under this theme has consent to "
                                     "quotation."))  # fmt: skip
    if view["empty"]:
        document.add_paragraph(_("Not counted, because they have no codes: %(names)s.",
                                 names=clean(", ".join(view["empty"]))))  # fmt: skip
    for name, (_build, docx) in SECTIONS.items():
        if name in view:  # packs built before a section was added have none
            docx(document, view[name], str(view["note"]), _table)
    document.add_heading(_("Last year's actions"), level=1)
    if view["actions"]:
        _table(document, [_("Action"), _("Owner"), _("Due"), _("Status"), _("Follow-up")],
               [[clean(a["what"]), clean(a["owner"]), a["due_on"], a["status"],
                 clean(a["follow_up"])] for a in view["actions"]])  # fmt: skip
    else:
        document.add_paragraph(_("No actions to follow up."))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = clean(str(text))
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = clean(str(text))
