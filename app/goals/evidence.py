"""What the interviews say about a goal: per year, how many speak for it and against it,
their share of the year's coded interviews, a trend chart, and consented quotes.

The counts are the themes page's counts of a group of codes (``themes.code_groups``):
counted through the same consent gate path and suppressed the same way ("< 3", "–"). A
direction whose codes are a theme's shows exactly the theme's row.

On top of that a direction's cells are checked against every other row a user can see in
the same scope (``app.goals.overlap``): the themes, each theme's codes, and every goal's
directions. A cell is hidden ("–") where the same codes are hidden on the other page, or
where nested codes (one group holding every code of the other) are shown with a count 1 or
2 apart, which would give the interviews of the difference away by subtraction. A
direction whose codes are exactly two themes' hides its total where the themes page hides
their co-occurrence and shows both totals (together = one + other - either).

What this does not protect, honestly: other sums and differences of groups that are not
nested (three themes, or a theme and a code of another theme, with a direction holding
them); chains of three or more rows; the same rows in
other years or scopes (a period chosen on the themes page, a review session's dates, last
year's pack against this year's page: differences over time); the other goals' directions
are taken by their own counts (shown unless small), not as their pages finally show them,
which errs on the side of hiding.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from analysis import charts
from app.codebook.models import Code
from app.consent import gate
from app.consent.models import ConsentRecord
from app.core import audit
from app.core.db import db
from app.core.permissions import authorize, can
from app.core.text import clean
from app.core.users import Role
from app.goals import overlap, queries
from app.goals.models import Direction, Goal
from app.interviews.models import Interview
from app.offers.models import Offer
from app.participants.models import Participant, Placement
from app.releases.models import Release
from app.themes import services as themes
from app.themes.aggregates import Scope

QUOTES_PER_DIRECTION = 3
QUOTE_LENGTH = 700  # code points at most; longer passages are cut at a word

TREND = _l("Share of the year's coded interviews that speak to the goal")


@dataclass
class Evidence:
    goal: Goal
    #: whether any code or theme is linked: without, there is no evidence (not "0 %")
    linked: bool
    view: themes.Overview | None = None
    #: codes that a theme or code link makes speak both for and against the goal, by path
    clashes: list[Code] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.view is not None and self.view.has_data


def count_path(actor) -> str:
    """The team counts its own goals by the interviews taken part in (the themes page's
    team path); anyone who also holds the researcher role counts research use only."""
    return "research.count" if actor.has_role(Role.RESEARCHER) else "themes.count"


def evidence(
    actor,
    goal: Goal,
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    scope: Scope | None = None,
) -> Evidence:
    """The goal's evidence per year, suppressed; in ``scope`` when given (a review
    session's interviews, counted as the session counts them), else in the years given."""
    authorize(actor, "goals.view")
    codes = queries.direction_codes(goal)
    known = queries.code_directions(goal)
    linked = {
        c.id: c
        for link in goal.links
        for c in ([link.code] if link.code is not None else link.theme.codes)
    }
    clashes = sorted((linked[c] for c, d in known.items() if {"for", "against"} <= set(d)),
                     key=lambda c: c.path)  # fmt: skip
    if not codes:
        return Evidence(goal, linked=False, clashes=clashes)
    keys = [(d.value, str(d.label)) for d in Direction if d.value in codes]
    if scope is None:
        scope = Scope(year_from=year_from, year_to=year_to, path=count_path(actor))
    # a direction whose codes are a theme's is that theme's row, whose bands the themes
    # page shows: it is suppressed with them, so that both pages hide the same cells
    grouped = [{c.id for c in t.codes} for t in themes.themes()]
    banded = {d for d, ids in codes.items() if set(ids) in grouped}
    raw = {}

    def count(s):
        raw["counts"] = queries.direction_counts(s, codes)
        return raw["counts"]

    view = themes.code_groups(scope, keys, count, banded=banded)
    if view.years:
        # no row may give away by subtraction what this or another page hides
        overlap.suppress(view, codes, raw["counts"][0], overlap.others(scope, view.years))
    return Evidence(goal, linked=True, view=view, clashes=clashes)


def may_quote(actor) -> bool:
    """Quotes are released text: the coordinator reads them; nobody who holds the researcher
    role does (they are picked without research-use consent), and never the head of unit."""
    return can(actor, "goals.quotes") and not actor.has_role(Role.RESEARCHER)


def _quote_text(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_LENGTH:
        return text
    return text[:QUOTE_LENGTH].rsplit(" ", 1)[0] + " …"


def _consent_loaded() -> tuple:
    """What the consent gate reads of an interview, loaded with it: its consents, and only
    the birth date of the participant (whether a guardian must consent)."""
    return (
        selectinload(Interview.consents).selectinload(ConsentRecord.grants),
        selectinload(Interview.offer)
        .selectinload(Offer.placement)
        .selectinload(Placement.participant)
        .options(load_only(Participant.birth_date)),
    )


def quotes(actor, goal: Goal) -> dict[str, list[dict]]:
    """direction -> a few pseudonymised quotes from interviews whose consent covers
    quotation, each from a different interview; audited when any are shown."""
    authorize(actor, "goals.quotes")
    if not may_quote(actor):
        return {}
    scope = Scope(path="themes.count")
    found: dict[str, list[dict]] = {}
    read: set[tuple[int, int]] = set()  # (interview, release) of every quote shown
    for direction, code_ids in queries.direction_codes(goal).items():
        batch = queries.quote_candidates(scope, code_ids)
        interviews = db.session.scalars(
            select(Interview)
            .where(Interview.id.in_({c.interview_id for c in batch}))
            .options(*_consent_loaded())
        ).all()
        allowed = {i.id for i in gate.consenting(interviews, "review.quote")}
        chosen, seen = [], set()
        for c in batch:
            if c.interview_id in allowed and c.interview_id not in seen:
                seen.add(c.interview_id)
                chosen.append(c)
            if len(chosen) == QUOTES_PER_DIRECTION:
                break
        releases = {
            r.id: r
            for r in db.session.scalars(
                select(Release).where(Release.id.in_({c.release_id for c in chosen}))
            )
        }
        texts = [
            {
                "text": clean(
                    _quote_text(releases[c.release_id].text[c.start_offset : c.end_offset])
                ),
                "year": c.year,
            }
            for c in chosen
        ]
        if texts:
            found[direction] = texts
            read.update((c.interview_id, c.release_id) for c in chosen)
    shown = sum(len(q) for q in found.values())
    if shown:  # whose words were read, as a release read names its interview
        audit.record(actor, "goal.quotes_read", "goal", goal.id, quotes=shown,
                     interviews=sorted({i for i, _r in read}),
                     releases=sorted({r for _i, r in read}))  # fmt: skip
    return found


# --- the trend chart -------------------------------------------------------------------------


def _shares(view) -> list[tuple[str, list[float]]]:
    return [
        (row.label, [float("nan") if c.share is None else 100 * c.share for c in row.cells])
        for row in view.rows
    ]


def drawable(found: Evidence) -> bool:
    """Whether the trend has anything to draw: a chart of hidden (or only zero) shares is
    not drawn, and the page says why."""
    if not found.has_data:
        return False
    return any(v == v and v > 0 for _label, values in _shares(found.view) for v in values)


def chart(found: Evidence) -> str:
    """The trend as SVG text with a title and a description inside, drawn from the
    suppressed shares. Only for evidence that is ``drawable``."""
    if not drawable(found):
        raise ValueError("nothing to draw")
    view = found.view
    svg = charts.trend_lines(
        [str(y) for y in view.years],
        _shares(view),
        title=str(TREND),
        percent=True,
        ylabel=_("Share of the year's coded interviews"),
    )
    head, sep, rest = _split_root(svg)
    return (
        f"{head}{sep}<title>{escape(found.goal.title)}: {escape(str(TREND))}</title>"
        f"<desc>{escape(describe(found))}</desc>{rest}"
    )


def _split_root(svg: str) -> tuple[str, str, str]:
    """The SVG text cut just after its root element's start tag."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    return svg[:end], ">", svg[end + 1 :]


def describe(found: Evidence) -> str:
    """The chart's text alternative: what it shows, the largest shares, what it hides."""
    if not found.linked:
        return _("No code or theme is linked to this goal yet, so there is no evidence.")
    if not found.has_data:
        return _("No coded interviews in this scope yet, so there is nothing to draw.")
    if not drawable(found):
        return str(themes.NOT_DRAWN)
    view = found.view
    parts = [
        _("Lines per year %(span)s, one per direction.", span=f"{view.years[0]}–{view.years[-1]}")
    ]
    for row in view.rows:
        shown = [
            (c.share, y) for c, y in zip(row.cells, view.years, strict=True) if c.share is not None
        ]
        if shown:
            share, year = max(shown)
            parts.append(
                _(
                    "%(direction)s: highest in %(year)s (%(share)s %%).",
                    direction=row.label,
                    year=year,
                    share=round(100 * share),
                )
            )
    parts.append(_("Counts under 3 are not shown."))
    if view.has_secondary:
        parts.append(str(themes.SECONDARY_NOTE))
    return " ".join(parts)
