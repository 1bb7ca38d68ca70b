"""The review group's evaluation of each goal per year, and what the interviews said about a
goal before and after an action that serves it.

An evaluation is kept like a goal: every save is a new version over the one the writer read
(compare and set), so a judgement is never silently overwritten. A year without released
interviews has nothing to judge from: its only verdict is "cannot tell yet".
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from analysis import aggregation as agg
from app.core import audit
from app.core.calendar import today
from app.core.db import db
from app.core.permissions import authorize, can
from app.goals import evidence as goal_evidence
from app.goals.models import (
    Goal,
    GoalError,
    GoalEvaluation,
    GoalEvaluationVersion,
    Verdict,
)
from app.goals.services import GoalConflict
from app.reviews.actions import board
from app.reviews.models import ReviewAction
from app.themes import aggregates
from app.themes.aggregates import Scope

#: interviews happen about two years after a placement ends, so an action finished in year
#: Y can first show in the interviews of year Y + 2
LAG_YEARS = 2


def evaluations(goal: Goal) -> list[GoalEvaluation]:
    """The goal's evaluations, newest year first."""
    return db.session.scalars(
        select(GoalEvaluation)
        .where(GoalEvaluation.goal_id == goal.id)
        .order_by(GoalEvaluation.year.desc())
    ).all()


def evaluation(goal: Goal, year: int) -> GoalEvaluation | None:
    """The goal's evaluation of ``year`` as the database holds it now."""
    return db.session.scalar(
        select(GoalEvaluation)
        .where(GoalEvaluation.goal_id == goal.id, GoalEvaluation.year == year)
        .execution_options(populate_existing=True)
    )


def released_in(year: int) -> int:
    """Released interviews of ``year`` that the team counts (the themes page's path)."""
    scope = Scope(year_from=year, year_to=year, path="themes.count")
    return sum(aggregates.released_per_year(scope).values())


def evaluate(actor, goal: Goal, *, year: int, version: int, verdict: str,
             evidence: str) -> GoalEvaluationVersion:  # fmt: skip
    """Save the group's verdict on ``goal`` for ``year`` over version ``version`` of the
    evaluation, the one the writer read (0: none yet). Refused with ``GoalConflict`` when
    someone saved since (the same words saved twice are no conflict)."""
    authorize(actor, "goals.evaluate")
    try:
        verdict = Verdict(verdict).value
    except ValueError:
        raise GoalError(_l("Choose a verdict."), "verdict") from None
    evidence = (evidence or "").strip()
    if len(evidence) > 5000:
        raise GoalError(_l("Keep the evidence under 5,000 characters."), "evidence")
    if not year or not 1900 <= year <= today().year:
        raise GoalError(_l("Choose a year that has begun."), "year")
    if goal.retired and year > goal.retired_on.year:
        raise GoalError(_l("The goal was retired before that year."), "year")
    if verdict != Verdict.CANNOT_TELL:
        if not evidence:
            raise GoalError(_l("Say what evidence supports the verdict."), "evidence")
        if released_in(year) == 0:
            raise GoalError(
                _l(
                    "No interviews of %(year)s are released yet, so the only honest verdict "
                    "for that year is “Cannot tell yet”.",
                    year=year,
                ),
                "verdict",
            )
    found = db.session.scalar(
        select(GoalEvaluation).where(GoalEvaluation.goal_id == goal.id,
                                     GoalEvaluation.year == year)
    )  # fmt: skip
    conflict = GoalConflict(
        _l(
            "Someone saved an evaluation of this goal for %(year)s while you were writing. "
            "Your text is kept below: compare it with the saved one before you save again.",
            year=year,
        )
    )
    if found is None:
        if version:
            raise conflict
        found = GoalEvaluation(goal_id=goal.id, year=year, version=1)
        # Two first saves at once: the second's row waits for the first's and then clashes
        # with it. Its savepoint goes, the request does not fail, and the writer is told.
        try:
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:
            raise conflict from None
        number = 1
    else:
        # One statement compares and sets, so two saves over one version cannot both win.
        moved = db.session.execute(
            update(GoalEvaluation)
            .where(GoalEvaluation.id == found.id, GoalEvaluation.version == version)
            .values(version=version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            db.session.refresh(found)
            newest = found.current
            if newest.verdict == verdict and newest.evidence == evidence:
                return newest
            raise conflict
        number = version + 1
    saved = GoalEvaluationVersion(evaluation_id=found.id, number=number, verdict=verdict,
                                  evidence=evidence, saved_by_id=actor.id)  # fmt: skip
    db.session.add(saved)
    db.session.flush()
    db.session.expire(found)
    audit.record(actor, "goal.evaluate", "goal", goal.id, year=year, version=number,
                 verdict=verdict)  # fmt: skip
    return saved


# --- before and after an action ------------------------------------------------------------


@dataclass
class Window:
    """Some years of a goal's evidence: per direction its suppressed cells per year, and a
    sum over the years only where every year is shown (a sum of shown numbers tells nothing
    new; one over a hidden cell could)."""

    years: list[int]
    coded: list  # agg.Cell per year
    rows: list[tuple[str, list, agg.Cell | None]] = field(default_factory=list)

    @property
    def coded_sum(self) -> agg.Cell | None:
        return _sum(self.coded, None)


def _sum(cells, coded: agg.Cell | None) -> agg.Cell | None:
    if not cells or any(c.suppressed for c in cells):
        return None
    n = sum(c.n for c in cells)
    share = n / coded.n if coded is not None and coded.n else None
    return agg.Cell(n, share)


def _window(view, years: list[int]) -> Window:
    index = [view.years.index(y) for y in years]
    coded = [view.coded[i] for i in index]
    found = Window(years=years, coded=coded)
    for row in view.rows:
        cells = [row.cells[i] for i in index]
        found.rows.append((row.label, cells, _sum(cells, found.coded_sum)))
    return found


def actions_serving(actor, goal: Goal) -> list:
    """The review actions that name ``goal``, for those who read the review group's actions:
    the head of unit and the coordinator all of them, a review member those of their
    sessions and those they own (as on the actions board)."""
    if can(actor, "leadership.view"):
        return db.session.scalars(
            select(ReviewAction)
            .where(ReviewAction.goal_id == goal.id)
            .order_by(ReviewAction.due_on, ReviewAction.id)
        ).all()
    if can(actor, "reviews.view"):
        return [a for a in board(actor).actions if a.goal_id == goal.id]
    return []


@dataclass
class ActionEvidence:
    goal: Goal
    #: interview years before the action was decided
    before_until: int
    #: the first interview year that can show the action (its due year + ``LAG_YEARS``)
    after_from: int
    linked: bool
    before: Window | None = None
    after: Window | None = None

    def table(self) -> list[tuple[str, str, str]]:
        """(direction, before, after) as text: the sum over the window's years where every
        year is shown, else the years one by one as the goal's page shows them."""
        if self.before is None:
            return []
        return [
            (label, _text(self.before, i), _text(self.after, i))
            for i, (label, _cells, _total) in enumerate(self.before.rows)
        ]

    @property
    def has_secondary(self) -> bool:
        return any(
            agg.any_secondary(cells)
            for w in (self.before, self.after)
            if w
            for _l, cells, _t in w.rows
        )


def _text(window: Window, index: int) -> str:
    if not window.years:
        return str(_l("no interviews yet"))
    _label, cells, total = window.rows[index]
    if total is not None:
        return f"{total} ({total.percent()})" if total.share is not None else str(total)
    return ", ".join(f"{y}: {c}" for y, c in zip(window.years, cells, strict=True))


def action_evidence(actor, action, found=None) -> ActionEvidence | None:
    """What the interviews said about the action's goal in the years before it was decided
    and in the years from which it can show, counted and suppressed as on the goal's page
    (the same cells, never a new total over a hidden one); None when it names no goal.
    ``found`` is the goal's evidence when the caller has it already."""
    if action.goal is None:
        return None
    found = found or goal_evidence.evidence(actor, action.goal)
    shown = ActionEvidence(
        goal=action.goal,
        before_until=action.session.held_on.year - 1,
        after_from=action.due_on.year + LAG_YEARS,
        linked=found.linked,
    )
    if found.has_data:
        view = found.view
        shown.before = _window(view, [y for y in view.years if y <= shown.before_until])
        shown.after = _window(view, [y for y in view.years if y >= shown.after_from])
    return shown
