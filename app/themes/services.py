"""Themes and what the coded interviews say about them, with small numbers suppressed.

Anyone who may see themes sees only these views: every count of interviews goes through
``analysis.aggregation`` before it reaches a page, a chart or a pack.
"""

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from analysis import aggregation as agg
from analysis import charts
from app.coding.models import Code
from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.users import Role
from app.releases.attributes import AGE_BANDS, CARE_BANDS
from app.themes import aggregates
from app.themes.aggregates import Scope
from app.themes.models import Theme


class ThemeError(Exception):
    """A theme could not be saved; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


def themes() -> list[Theme]:
    return db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()


def save_theme(actor, theme: Theme | None, *, name: str, description: str, formed_year: int,
               revised_year: int | None, code_ids: list[int]) -> Theme:  # fmt: skip
    """Create or change a theme; the codes must be codable codes."""
    authorize(actor, "themes.manage")
    name = (name or "").strip()
    if not name:
        raise ThemeError(_l("A theme needs a name."), "name")
    if len(name) > 200:
        raise ThemeError(_l("A theme's name can be at most 200 characters."), "name")
    clash = db.session.scalar(select(Theme).where(func.lower(Theme.name) == name.lower()))
    if clash is not None and clash is not theme:
        raise ThemeError(_l("There is already a theme with this name."), "name")
    this_year = today().year
    if not 1900 <= formed_year <= this_year:
        raise ThemeError(_l("The year it was formed must lie between 1900 and this year."),
                         "formed_year")  # fmt: skip
    if revised_year is not None and not formed_year <= revised_year <= this_year:
        raise ThemeError(
            _l("The year it was revised must lie between the year it was formed and this year."),
            "revised_year",
        )
    codes = db.session.scalars(select(Code).where(Code.id.in_(code_ids or []))).all()
    if len(codes) != len(set(code_ids or [])) or any(
        not c.codable or c.merged_into_id is not None for c in codes
    ):
        raise ThemeError(_l("Only codes of the codebook can be grouped into a theme."), "codes")
    if theme is None:
        theme = Theme(created_by_id=actor.id, position=len(themes()))
        db.session.add(theme)
    theme.name, theme.description = name, (description or "").strip()
    theme.formed_year, theme.revised_year = formed_year, revised_year
    theme.codes = sorted(codes, key=lambda c: (c.position, c.name))
    theme.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "theme.save", "theme", theme.id, codes=sorted(c.id for c in codes))
    return theme


def delete_theme(actor, theme: Theme) -> None:
    authorize(actor, "themes.manage")
    audit.record(actor, "theme.delete", "theme", theme.id)
    db.session.delete(theme)
    db.session.flush()


# --- the views -----------------------------------------------------------------------

#: who counts for the team's own learning: what a researcher sees counts research use only
TEAM_ROLES = (Role.COORDINATOR, Role.REVIEW_MEMBER)


def count_path(actor) -> str:
    """The gate path the themes pages count for ``actor``: a researcher's counts include
    only interviews with research-use consent, even one who also works in the team; the
    team's own (coordinator, review group) need the interview to be taken part in."""
    if actor.has_role(Role.RESEARCHER) or not actor.has_role(*TEAM_ROLES):
        return "research.count"
    return "themes.count"


def _counted_for(actor, scope: Scope) -> Scope:
    # The team's path is kept only for someone in the team (a review pack's builder asks
    # for it); anyone else gets research counts, whatever the caller passed.
    if scope.path == "themes.count" and not actor.has_role(*TEAM_ROLES):
        return replace(scope, path="research.count")
    return scope


@dataclass
class Row:
    key: int
    label: str
    cells: list  # agg.Cell per year
    passages: list  # passages per year, None where the interviews are suppressed
    total: agg.Cell


@dataclass
class Overview:
    scope: Scope
    years: list[int]
    coded: list  # agg.Cell of coded interviews per year
    released: int
    rows: list[Row]
    empty: list[str]  # themes without codes
    pair_labels: list[str] = field(default_factory=list)
    together: list = field(default_factory=list)  # matrix of cells, within interviews
    passages: list = field(default_factory=list)  # matrix of cells, within passages
    bands: dict = field(default_factory=dict)  # "age_band"/"care_band" -> (bands, rows)

    #: coded interviews in scope (shown only through the suppressed cells)
    coded_total: int = 0

    @property
    def has_data(self) -> bool:
        return self.coded_total > 0


def _rows(keys: list[tuple[int, str]], counts, years, coded) -> list[Row]:
    """Rows per theme or code: the years add up to the total shown beside them, so a row
    is suppressed as a whole (``agg.partition``); passages are hidden with their cell."""
    interviews = {(k, y): n for k, y, n, _p in counts}
    passages = {(k, y): p for k, y, _n, p in counts}
    rows = []
    for key, label in keys:
        values = [interviews.get((key, y), 0) for y in years]
        cells = [
            agg.Cell(c.n, None if c.suppressed or not coded.get(y) else c.n / coded[y])
            for c, y in zip(agg.partition(values, sum(values)), years, strict=True)
        ]
        shown = [None if c.suppressed else passages.get((key, y), 0)
                 for c, y in zip(cells, years, strict=True)]  # fmt: skip
        rows.append(Row(key, label, cells, shown, agg.cell(sum(values))))
    return rows


def overview(actor, scope: Scope, *, full: bool = True, passages: bool = True,
             bands: bool = True) -> Overview:  # fmt: skip
    """Every theme per year, their co-occurrence and their breakdowns, suppressed;
    ``passages`` and ``bands`` say whether to count co-occurrence on overlapping passages
    and the breakdowns too (a chart needs only its own numbers)."""
    authorize(actor, "themes.view")
    scope = _counted_for(actor, scope)
    listed = themes()
    coded = aggregates.coded_per_year(scope)
    years = sorted(coded)
    keys = [(t.id, t.name) for t in listed if t.codes]
    view = Overview(
        scope=scope,
        years=years,
        coded=agg.partition([coded[y] for y in years], sum(coded.values())),
        coded_total=sum(coded.values()),
        released=sum(aggregates.released_per_year(scope).values()),
        rows=_rows(keys, aggregates.theme_year(scope), years, coded),
        empty=[t.name for t in listed if not t.codes],
    )
    if full and keys:
        ids = [k for k, _ in keys]
        view.pair_labels = [label for _, label in keys]
        view.together = agg.symmetric(ids, aggregates.cooccurrence(scope, "theme", "interview"))
        if passages:
            found = aggregates.cooccurrence(scope, "theme", "passage")
            view.passages = agg.symmetric(ids, found)
        if bands:
            view.bands = {a: _bands(scope, "theme", a, view.rows) for a in aggregates.ATTRIBUTES}
    return view


def _bands(scope: Scope, level: str, attribute: str, rows: list[Row]):
    names = [b[0] for b in (AGE_BANDS if attribute == "age_band" else CARE_BANDS)]
    data = aggregates.by_attribute(scope, level, attribute)
    touching = {(k, band): n for k, band, n in data["touching"]}
    coded = data["coded"]
    if coded.get(""):  # releases of interviews whose band is unknown
        names = [*names, ""]
    shown = [agg.partition([coded.get(b, 0) for b in names], sum(coded.values()))]
    for row in rows:
        values = [touching.get((row.key, b), 0) for b in names]
        shown.append(agg.partition(values, None if row.total.suppressed else sum(values)))
    return names, shown


def code_rows(actor, theme: Theme, scope: Scope) -> tuple[list[int], list[Row]]:
    """The theme's codes per year."""
    authorize(actor, "themes.view")
    scope = _counted_for(actor, scope)
    coded = aggregates.coded_per_year(scope)
    years = sorted(coded)
    counts = [row for row in aggregates.per_year(scope, "code") if row[0] in
              {c.id for c in theme.codes}]  # fmt: skip
    return years, _rows([(c.id, c.path) for c in theme.codes], counts, years, coded)


# --- charts ----------------------------------------------------------------------------

CHARTS = {
    "years": _l("Interviews touching each theme, per year"),
    "trends": _l("Share of the year's coded interviews touching each theme"),
    "together": _l("Themes in the same interview"),
    "passages": _l("Themes on overlapping passages"),
}


def chart(view: Overview, name: str, fmt: str = "svg"):
    """Chart ``name`` drawn from an overview's suppressed numbers: SVG text, PNG bytes, or
    both (``fmt="svg+png"``)."""
    years = [str(y) for y in view.years]
    if name == "years":
        series = [(row.label, [c.value for c in row.cells]) for row in view.rows]
        return charts.grouped_bars(years, series, title=str(CHARTS[name]),
                                   ylabel=_("Interviews"), fmt=fmt)  # fmt: skip
    if name == "trends":
        series = [
            (row.label, [float("nan") if c.share is None else 100 * c.share for c in row.cells])
            for row in view.rows
        ]
        return charts.trend_lines(years, series, title=str(CHARTS[name]), ylabel="%", fmt=fmt)
    if name in ("together", "passages"):
        matrix = view.together if name == "together" else view.passages
        values = [[float("nan") if i == j else c.value for j, c in enumerate(row)]
                  for i, row in enumerate(matrix)]  # fmt: skip
        texts = [["" if i == j else str(c) for j, c in enumerate(row)]
                 for i, row in enumerate(matrix)]  # fmt: skip
        return charts.heat_map(view.pair_labels, values, texts, title=str(CHARTS[name]), fmt=fmt)
    raise KeyError(name)


def describe(view: Overview, name: str) -> str:
    """The text alternative of a chart: what it shows, in words, with the largest figures."""
    if not view.has_data or not view.rows:
        return _("No coded interviews in this scope yet, so there is nothing to draw.")
    if name in ("years", "trends"):
        best = []
        for row in view.rows:
            shown = [(c.n, y) for c, y in zip(row.cells, view.years, strict=True) if c.n]
            if shown:
                n, year = max(shown)
                best.append(_("%(theme)s: most in %(year)s (%(n)s interviews)",
                              theme=row.label, year=year, n=n))  # fmt: skip
        span = f"{view.years[0]}–{view.years[-1]}"
        lead = (_("Bars per year %(span)s for %(count)s themes.", span=span, count=len(view.rows))
                if name == "years" else
                _("Lines per year %(span)s for %(count)s themes.", span=span,
                  count=len(view.rows)))  # fmt: skip
        return " ".join([lead, *(["; ".join(best) + "."] if best else []),
                         _("Counts under 3 are not shown.")])  # fmt: skip
    matrix = view.together if name == "together" else view.passages
    pairs = []
    for i, row in enumerate(matrix):
        for j, c in enumerate(row):
            if j > i and c.n:
                pairs.append((c.n, view.pair_labels[i], view.pair_labels[j]))
    top = sorted(pairs, reverse=True)[:3]
    parts = [_("%(a)s with %(b)s: %(n)s", a=a, b=b, n=n) for n, a, b in top]
    return " ".join([
        _("A matrix of %(count)s themes; darker cells are pairs found together more often.",
          count=len(view.pair_labels)),
        (_("The most frequent pairs: %(pairs)s.", pairs="; ".join(parts)) if parts else
         _("No pair is frequent enough to be shown.")),
        _("Counts under 3 are not shown."),
    ])  # fmt: skip
