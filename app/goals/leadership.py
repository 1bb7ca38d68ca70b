"""Leadership information for the head of unit and the municipal committee: the goals with
their evidence, evaluations and actions, and the follow-up figures, as suppressed counts
only. Nothing here names a young person or carries a word of what they said.

Each table is a family (``analysis.aggregation.family``): its total and the rows that add
up to it are suppressed together, exactly as the themes page and the pack suppress theirs.
"""

import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from analysis import aggregation as agg
from app.core import audit
from app.core.calendar import local_date, today
from app.core.db import db
from app.core.i18n import format_day
from app.core.permissions import authorize
from app.core.text import clean
from app.goals import evaluations, queries
from app.goals import evidence as goal_evidence
from app.interviews.models import EthicsFlag, Interview, Status
from app.offers.models import ANSWER_LABELS, Answer
from app.offers.reports import Timing, attrition, offers_made
from app.participants.services import rules
from app.reviews.actions import overdue
from app.reviews.models import ActionStatus, ReviewAction
from app.reviews.pack import _table, attrition_table
from app.themes.services import SECONDARY_NOTE

#: days from conducted to documented, as the table groups them (the last is "later")
LAG_BANDS = (14, 30)
#: interview states that come after "documented" on the forward path
_DOCUMENTED = {Status.DOCUMENTED.value, Status.TRANSCRIBED.value, Status.VERIFIED.value,
               Status.RELEASED.value}  # fmt: skip


@dataclass
class Table:
    """Rows per year, each a suppressed family: (year, total cell, [row cells])."""

    columns: list[str]
    rows: list[tuple[int, agg.Cell, list[list[agg.Cell]]]] = field(default_factory=list)

    @property
    def has_secondary(self) -> bool:
        return any(agg.any_secondary(total, cells) for _y, total, cells in self.rows)


@dataclass
class GoalSummary:
    goal: object
    found: goal_evidence.Evidence
    latest: list  # GoalEvaluation, newest year first
    actions: list[ReviewAction]


@dataclass
class Leadership:
    goals: list[GoalSummary]
    actions: list[ReviewAction]
    offers: Table
    documentation: Table
    flags_overdue: agg.Cell
    attrition: dict
    on: date


def _offers(on: date) -> Table:
    """Offers per year made: before, within or after the placement's offer window (or with
    no window, the placement not being eligible), and the answers."""
    answers = list(Answer)
    table = Table(columns=[
        _("Before the window opened"), _("Within the window"), _("After the window closed"),
        _("No window (not eligible)"), *(str(ANSWER_LABELS[a]) for a in answers),
        _("Awaiting answer"),
    ])  # fmt: skip
    timings = [Timing.BEFORE, Timing.WITHIN, Timing.AFTER, Timing.NO_WINDOW]
    timing = len(timings)
    answered = [a.value for a in answers]
    years: dict[int, list[int]] = {}
    for (year, when, answer), n in offers_made(on, rules()).items():
        counts = years.setdefault(year, [0] * (timing + len(answers) + 1))
        counts[timings.index(Timing(when))] += n
        counts[timing + (answered.index(answer) if answer else len(answers))] += n
    for year in sorted(years):
        counts = years[year]
        cell_total, rows = agg.family(sum(counts[:timing]), [counts[:timing], counts[timing:]])
        table.rows.append((year, cell_total, rows))
    return table


def _documentation(on: date) -> Table:
    """Interviews conducted per year by how many days passed until they were documented."""
    low, high = LAG_BANDS
    table = Table(columns=[
        ngettext("Within %(num)d day", "Within %(num)d days", low),
        ngettext("%(a)s–%(num)d day", "%(a)s–%(num)d days", high, a=low + 1),
        ngettext("Later than %(num)d day", "Later than %(num)d days", high),
        _("Documented, day not recorded"),
        _("Not yet documented"),
    ])  # fmt: skip
    years: dict[int, list[int]] = {}
    interviews = db.session.execute(
        select(Interview.conducted_on, Interview.documented_at, Interview.status).where(
            Interview.conducted_on.is_not(None),
            Interview.status.not_in([Status.WITHDRAWN.value, Status.CANCELLED.value]),
        )
    ).all()
    for conducted_on, documented_at, status in interviews:
        counts = years.setdefault(conducted_on.year, [0] * 5)
        day = local_date(documented_at) if documented_at is not None else None
        if status not in _DOCUMENTED:
            counts[4] += 1
        elif day is None:
            counts[3] += 1
        else:
            days = (day - conducted_on).days
            counts[0 if days <= low else 1 if days <= high else 2] += 1
    for year in sorted(years):
        counts = years[year]
        total, (cells,) = agg.family(sum(counts), [counts])
        table.rows.append((year, total, [cells]))
    return table


def _flags_overdue(on: date) -> agg.Cell:
    flags = db.session.scalars(
        select(EthicsFlag.id).where(EthicsFlag.resolved_at.is_(None), EthicsFlag.due_on < on)
    ).all()
    return agg.cell(len(flags))


def warm(_scope) -> None:
    """Work out, and keep, today's follow-up figures of the head of unit's page and the
    pack: the themes' recount calls this each minute (``themes.tasks.WARMERS``), and it is
    a lookup until the register changes."""
    on = today()
    offers_made(on, rules())
    attrition(on, rules())


def leadership(actor) -> Leadership:
    """What the head of unit sees: counts, verdicts and the team's own actions."""
    authorize(actor, "leadership.view")
    on = today()
    actions = db.session.scalars(
        select(ReviewAction).order_by(ReviewAction.due_on, ReviewAction.id)
    ).all()
    goals = [
        GoalSummary(
            goal=g,
            found=goal_evidence.evidence(actor, g),
            latest=evaluations.evaluations(g),
            actions=[a for a in actions if a.goal_id == g.id],
        )
        for g in queries.goals()
    ]
    return Leadership(
        goals=goals, actions=actions, offers=_offers(on), documentation=_documentation(on),
        flags_overdue=_flags_overdue(on), attrition=attrition_table(), on=on,
    )  # fmt: skip


def status_counts(actions: list[ReviewAction]) -> list[tuple[str, int]]:
    """Actions per status (the team's own decisions: no young person is in them)."""
    return [(str(s.label), sum(1 for a in actions if a.status_enum is s)) for s in ActionStatus]


def report_docx(actor, found: Leadership) -> bytes:
    """The leadership information as a Word document for the municipal committee; the
    download is audited."""
    from docx import Document

    document = Document()
    document.add_heading(_("Leadership information"), level=0)
    document.add_paragraph(_("Built on %(day)s. Counts only: no names and no interview text. "
                             "Counts under 3 are shown as “< 3”.",
                             day=format_day(found.on)))  # fmt: skip
    note = str(_secondary_note())
    document.add_heading(_("Goals"), level=1)
    for summary in found.goals:
        document.add_heading(clean(summary.goal.title), level=2)
        view = summary.found.view if summary.found.has_data else None
        if not summary.found.linked:
            document.add_paragraph(
                _("No code or theme is linked to this goal yet, so there is no evidence.")
            )
        elif view is None:
            document.add_paragraph(
                _("No coded interviews in this scope yet, so there is nothing to count.")
            )
        else:
            coded = [_("Coded interviews"), *map(str, view.coded), str(view.coded_all)]
            rows = [[row.label, *map(str, row.cells), str(row.total)] for row in view.rows]
            header = [_("Direction"), *map(str, view.years), _("All years")]
            _table(document, header, [coded, *rows])
            if view.has_secondary:
                document.add_paragraph(note)
        for e in summary.latest:
            document.add_paragraph(
                clean(f"{e.year}: {e.current.verdict_label}"
                      + (f" – {e.current.evidence}" if e.current.evidence else "")),
                style="List Bullet",
            )  # fmt: skip
    document.add_heading(_("Actions"), level=1)
    _table(document, [_("Action"), _("Goal"), _("Due"), _("Status")],
           [[clean(a.what), clean(a.goal.title) if a.goal else "", format_day(a.due_on),
             str(a.status_enum.label) + (" – " + _("Overdue") if overdue(a) else "")]
            for a in found.actions])  # fmt: skip
    for title, table in ((_("Offers made"), found.offers),
                         (_("From conducted to documented"), found.documentation)):  # fmt: skip
        document.add_heading(title, level=1)
        _table(document, [_("Year"), _("All"), *table.columns],
               [[str(y), str(total), *(str(c) for cells in rows for c in cells)]
                for y, total, rows in table.rows])  # fmt: skip
        if table.has_secondary:
            document.add_paragraph(note)
    document.add_paragraph(_("Ethics flags open past their deadline: %(n)s",
                             n=str(found.flags_overdue)))  # fmt: skip
    document.add_heading(_("Attrition"), level=1)
    att = found.attrition
    _table(document, [_("Year"), _("Eligible"), _("Offered"), _("Interviewed"), *att["reasons"],
                      _("Not offered"), _("In progress")],
           [[str(r["year"]), r["eligible"], r["offered"], r["interviewed"], *r["declined"],
             r["not_offered"], r["in_progress"]] for r in att["rows"]])  # fmt: skip
    if att["secondary"]:
        document.add_paragraph(note)
    out = io.BytesIO()
    document.save(out)
    audit.record(actor, "leadership.report", goals=len(found.goals))
    return out.getvalue()


def _secondary_note():
    return SECONDARY_NOTE
