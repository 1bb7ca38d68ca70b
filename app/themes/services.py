"""Themes and what the coded interviews say about them, with small numbers suppressed.

Anyone who may see themes sees only these views: every count of interviews goes through
``analysis.aggregation`` before it reaches a page, a chart or a pack.
"""

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from analysis import aggregation as agg
from analysis import charts
from app.codebook.models import Code
from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.core.users import Role
from app.releases.attributes import AGE_BANDS, CARE_BANDS
from app.themes import aggregates
from app.themes.aggregates import Scope
from app.themes.models import Theme


class ThemeError(Refused):
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

#: the footnote wherever a "–" is shown
SECONDARY_NOTE = _l("“–”: hidden so that a small number elsewhere cannot be worked out.")


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

    @property
    def has_secondary(self) -> bool:
        return agg.any_secondary(self.cells, self.total)


@dataclass
class Overview:
    scope: Scope
    years: list[int]
    coded: list  # agg.Cell of coded interviews per year
    #: released interviews in scope, coded or not: a count like any other ("< 3" when small)
    released: agg.Cell
    rows: list[Row]
    empty: list[str]  # themes without codes
    pair_labels: list[str] = field(default_factory=list)
    together: list = field(default_factory=list)  # matrix of cells, within interviews
    passages: list = field(default_factory=list)  # matrix of cells, within passages
    bands: dict = field(default_factory=dict)  # "age_band"/"care_band" -> (bands, rows)
    #: the coded interviews of every year together, suppressed with the years and bands
    coded_all: agg.Cell = field(default_factory=lambda: agg.Cell(0))

    #: coded interviews in scope (shown only through the suppressed cells)
    coded_total: int = 0

    @property
    def has_data(self) -> bool:
        return self.coded_total > 0

    @property
    def has_secondary(self) -> bool:
        """Whether a table of the page shows a "–" (and so needs the footnote)."""
        bands = [rows for _names, rows in self.bands.values()]
        return agg.any_secondary(self.coded, self.coded_all, bands) or any(
            row.has_secondary for row in self.rows
        )


def _band_names(attribute: str, coded: dict) -> list:
    names = [b[0] for b in (AGE_BANDS if attribute == "age_band" else CARE_BANDS)]
    # releases of interviews whose band is unknown ("") count in a column of their own
    return [*names, *sorted((b for b in coded if b not in names), key=str)]


def _year_cells(cells, years, coded_cells, coded: dict) -> list:
    """A row's year cells with their share of the year's coded interviews, where both the
    cell and the year's coded interviews are shown (a share of a hidden year would give
    the hidden count away)."""
    return [
        c if c.suppressed or coded_cell.suppressed or not coded.get(y)
        else agg.Cell(c.n, c.n / coded[y])
        for c, coded_cell, y in zip(cells, coded_cells, years, strict=True)
    ]  # fmt: skip


def _least(*bounds) -> int | None:
    """The tightest of several upper bounds (None: no bound)."""
    known = [b for b in bounds if b is not None]
    return min(known) if known else None


def _coded(years, coded: dict, bands: dict, released: agg.Cell | None = None
           ) -> tuple[agg.Cell, list, dict]:  # fmt: skip
    """The coded interviews: all years, per year and per band, one family. They are at
    most the released interviews shown beside them, and a reader may use that."""
    values = [[coded[y] for y in years]]
    values += [[data["coded"].get(b, 0) for b in names] for names, data in bands.values()]
    bound = agg.bound(released) if released is not None else None
    total, rows = agg.family(sum(coded.values()), values, total_bound=bound)
    return total, rows[0], dict(zip(bands, rows[1:], strict=True))


def _families(keys, counts, years, coded, coded_cells, bands, coded_bands=None,
              coded_all=None, released=None) -> tuple[list[Row], dict]:  # fmt: skip
    """Rows per theme or code. A row's years and its bands (by age, by years in care)
    each add up to its total, so they are suppressed together (``agg.family``); passages
    are hidden with their cell. A row's cell is at most the coded interviews of its year
    or band, and a reader who sees those may use them: they bound the cells. Returns the
    rows and, per attribute, every row's band cells."""
    interviews = {(k, y): n for k, y, n, _p in counts}
    passages = {(k, y): p for k, y, _n, p in counts}
    touching = {
        a: {(k, b): n for k, b, n in data["touching"]} for a, (_names, data) in bands.items()
    }
    bounds = [[agg.bound(c) for c in coded_cells]]
    bounds += [[agg.bound(c) for c in (coded_bands or {})[a]] for a in bands]
    total_bound = _least(*(agg.bound(c) for c in (coded_all, released) if c is not None))
    rows, band_rows = [], {a: [] for a in bands}
    for key, label in keys:
        values = [[interviews.get((key, y), 0) for y in years]]
        values += [[touching[a].get((key, b), 0) for b in names]
                   for a, (names, _data) in bands.items()]  # fmt: skip
        total, cells = agg.family(sum(values[0]), values, bounds=bounds, total_bound=total_bound)
        for a, band_cells in zip(bands, cells[1:], strict=True):
            band_rows[a].append(band_cells)
        shown = _year_cells(cells[0], years, coded_cells, coded)
        found = [None if c.suppressed else passages.get((key, y), 0)
                 for c, y in zip(shown, years, strict=True)]  # fmt: skip
        rows.append(Row(key, label, shown, found, total))
    return rows, band_rows


def _band_data(scope: Scope) -> dict:
    found = {}
    for attribute in aggregates.ATTRIBUTES:
        data = aggregates.by_attribute(scope, "theme", attribute)
        found[attribute] = (_band_names(attribute, data["coded"]), data)
    return found


def overview(actor, scope: Scope, *, full: bool = True, passages: bool = True) -> Overview:
    """Every theme per year, their co-occurrence and their breakdowns, suppressed;
    ``passages`` says whether to count co-occurrence on overlapping passages too. The
    breakdowns by band are always counted: they are suppressed together with the years,
    so that a chart and a table of the same scope hide the same cells."""
    authorize(actor, "themes.view")
    scope = _counted_for(actor, scope)
    listed = themes()
    coded = aggregates.coded_per_year(scope)
    years = sorted(coded)
    keys = [(t.id, t.name) for t in listed if t.codes]
    bands = _band_data(scope)
    # Coded interviews are at most the released ones, so the released count is shown as a
    # count too (a small one says "< 3") and bounds the coded ones.
    released = agg.cell(sum(aggregates.released_per_year(scope).values()))
    coded_all, coded_cells, coded_bands = _coded(years, coded, bands, released)
    counts = aggregates.theme_year(scope)
    rows, band_rows = _families(keys, counts, years, coded, coded_cells, bands, coded_bands,
                                coded_all, released)  # fmt: skip
    view = Overview(
        scope=scope,
        years=years,
        coded=coded_cells,
        coded_all=coded_all,
        coded_total=sum(coded.values()),
        released=released,
        rows=rows,
        empty=[t.name for t in listed if not t.codes],
        bands={a: (names, [coded_bands[a], *band_rows[a]]) for a, (names, _d) in bands.items()},
    )
    if full and keys:
        ids = [k for k, _ in keys]
        view.pair_labels = [label for _, label in keys]
        view.together = agg.symmetric(ids, aggregates.cooccurrence(scope, "theme", "interview"))
        if passages:
            found = aggregates.cooccurrence(scope, "theme", "passage")
            view.passages = agg.symmetric(ids, found)
    return view


def code_groups(scope: Scope, keys: list, count, banded=frozenset()) -> Overview:
    """Rows for groups of codes that are not themes (the codes that speak for a goal, say),
    suppressed as ``overview`` suppresses a theme's row: the same coded interviews per
    year, band and in all (suppressed as one family, bounded by the released ones), and
    each row a family of its years, bounded by them. Only a group in ``banded`` (one whose
    codes are a theme's, so the themes page shows its bands) is a family of its bands too:
    a group's bands are shown nowhere else, and hiding cells to protect them hid whole rows.
    ``count(scope)`` gives the raw counts once the releases are stamped:
    ([(key, year, interviews, passages)], {attribute: [(key, band, interviews)]}). The
    caller checks who may see them."""
    bands = _band_data(scope)
    released = agg.cell(sum(aggregates.released_per_year(scope).values()))
    coded = aggregates.coded_per_year(scope)
    years = sorted(coded)
    coded_all, coded_cells, coded_bands = _coded(years, coded, bands, released)
    counts, touching = count(scope)
    groups = {a: (names, {"touching": touching[a], "coded": data["coded"]})
              for a, (names, data) in bands.items()}  # fmt: skip
    with_bands, _band_rows = _families([k for k in keys if k[0] in banded], counts, years,
                                       coded, coded_cells, groups, coded_bands, coded_all,
                                       released)  # fmt: skip
    plain, _none = _families([k for k in keys if k[0] not in banded], counts, years, coded,
                             coded_cells, {}, {}, coded_all, released)  # fmt: skip
    found = {row.key: row for row in [*with_bands, *plain]}
    rows = [found[key] for key, _label in keys]
    return Overview(
        scope=scope, years=years, coded=coded_cells, coded_all=coded_all,
        coded_total=sum(coded.values()), released=released, rows=rows, empty=[],
    )  # fmt: skip


def code_rows(actor, theme: Theme, view: Overview) -> list[Row]:
    """The theme's codes per year in the overview's scope. A code's count is at most its
    theme's (and is its theme's, for a theme of one code), so a code is never shown more
    precisely than its theme: where the theme's cell is hidden, so is the code's, with the
    theme's mark, and the rest of each code's years are suppressed as a family bounded by
    the theme's shown cells (a code's breakdowns by band are not shown)."""
    authorize(actor, "themes.view")
    scope = _counted_for(actor, view.scope)
    wanted = {c.id for c in theme.codes}
    counts = [row for row in aggregates.per_year(scope, "code") if row[0] in wanted]
    keys = [(c.id, c.path) for c in theme.codes]
    theme_row = next((r for r in view.rows if r.key == theme.id), None)
    if theme_row is None:
        return []
    return _code_families(keys, counts, theme_row, view)


def _code_families(keys, counts, theme_row: Row, view: Overview) -> list[Row]:
    """Rows per code of one theme, each a family forced hidden where the theme is hidden
    (``agg.family``'s ``forced``) and bounded by the theme's and the year's coded cells.
    A theme's count is also at most the sum of its codes' (an interview touches the theme
    through one of them): where that sum would pin a hidden code cell, one more code cell
    of that year (or total) is hidden (``_pinned_by_sum``)."""
    years = view.years
    interviews = {(k, y): n for k, y, n, _p in counts}
    passages = {(k, y): p for k, y, _n, p in counts}
    values = {key: [interviews.get((key, y), 0) for y in years] for key, _label in keys}
    forced = {key: [c.reason if c.suppressed else None for c in theme_row.cells]
              for key, _label in keys}  # fmt: skip
    total_forced = {key: theme_row.total.reason if theme_row.total.suppressed else None
                    for key, _label in keys}  # fmt: skip
    bounds = [_least(agg.bound(t), agg.bound(c))
              for t, c in zip(theme_row.cells, view.coded, strict=True)]  # fmt: skip
    total_bound = _least(agg.bound(theme_row.total), agg.bound(view.coded_all),
                         agg.bound(view.released))  # fmt: skip

    def suppress(key):
        total, (cells,) = agg.family(sum(values[key]), [values[key]], bounds=[bounds],
                                     total_bound=total_bound, forced=[forced[key]],
                                     total_forced=total_forced[key])  # fmt: skip
        intervals = agg.row_intervals(total, cells, bounds, total_bound, forced[key],
                                      total_forced[key])  # fmt: skip
        return total, cells, intervals

    found = {key: suppress(key) for key, _label in keys}
    # each round hides at least one more cell, so this ends; a theme of one code is its
    # code, and its code row says no more than the theme's
    while len(keys) > 1:
        spot = _pinned_by_sum(theme_row, [(key, found[key]) for key, _label in keys], values)
        if spot is None:
            break
        key, column = spot
        if column == "total":
            total_forced[key] = agg.SECONDARY
        else:
            forced[key][column] = agg.SECONDARY
        found[key] = suppress(key)
    coded = {y: c.n for y, c in zip(years, view.coded, strict=True)}
    rows = []
    for key, label in keys:
        total, cells, _intervals = found[key]
        shown = _year_cells(cells, years, view.coded, coded)
        seen = [None if c.suppressed else passages.get((key, y), 0)
                for c, y in zip(shown, years, strict=True)]  # fmt: skip
        rows.append(Row(key, label, shown, seen, total))
    return rows


def _pinned_by_sum(theme_row: Row, found, values):
    """(code, year index or "total") of a code cell to hide so that the theme's shown
    count, at most the sum of its codes', pins no hidden code cell of that year (or of the
    totals); None when nothing is pinned. The smallest shown code cell goes first; where
    every code cell there is hidden already, the pinned one is marked "–" (at most what
    the theme's count allows), then the other hidden ones."""
    columns = [(i, c.n) for i, c in enumerate(theme_row.cells) if not c.suppressed and c.n]
    if not theme_row.total.suppressed and theme_row.total.n:
        columns.append(("total", theme_row.total.n))
    for column, theme_n in columns:
        here = []  # (key, cell, (lo, hi), value)
        for key, (total, cells, (total_interval, intervals)) in found:
            if column == "total":
                here.append((key, total, total_interval, sum(values[key])))
            else:
                here.append((key, cells[column], intervals[column], values[key][column]))
        highest = sum(hi for _k, _c, (_lo, hi), _v in here)
        pinned = [(key, c) for key, c, (lo, hi), _v in here if c.suppressed and hi > 0
                  and max(lo, theme_n - (highest - hi)) >= hi]  # fmt: skip
        if not pinned:
            continue
        shown = [(v, key) for key, c, _i, v in here if not c.suppressed]
        if shown:
            return min(shown)[1], column
        for key, c in pinned + [(k, c) for k, c, _i, _v in here if c.suppressed]:
            if not c.secondary:
                return key, column
        # every code cell here says "–" already: what still pins one is its row; hiding
        # the row's total as well leaves the row nothing to tell
        for key, (total, _cells, _i) in found:
            if column != "total" and not total.secondary:
                return key, "total"
    return None


# --- charts ----------------------------------------------------------------------------

CHARTS = {
    "years": _l("Interviews touching each theme, per year"),
    "trends": _l("Share of the year's coded interviews touching each theme"),
    "together": _l("Themes in the same interview"),
    "passages": _l("Themes on overlapping passages"),
}


NOT_DRAWN = _l(
    "This chart is not drawn: every count in it is zero, under 3, or hidden so that a small "
    "number elsewhere cannot be worked out. The table has what can be shown."
)


def _series_values(view: Overview, name: str) -> list[tuple[Row, list[float]]]:
    """What a year chart draws per theme: counts, or shares in percent; NaN where hidden."""
    if name == "years":
        return [(row, [c.value for c in row.cells]) for row in view.rows]
    return [
        (row, [float("nan") if c.share is None else 100 * c.share for c in row.cells])
        for row in view.rows
    ]


def _hidden_rows(view: Overview, name: str) -> list[str]:
    """Themes a year chart cannot draw although they were counted: all their counts (or
    shares) are hidden."""
    return [row.label for row, values in _series_values(view, name)
            if all(v != v or v == 0 for v in values)
            and any(c.n is None or (c.n and c.share is None) for c in row.cells)]  # fmt: skip


def drawable(view: Overview, name: str) -> bool:
    """Whether chart ``name`` has anything to draw: a chart of hidden (or only zero)
    counts is not drawn, and the page says why (``NOT_DRAWN``)."""
    if name not in CHARTS:
        raise KeyError(name)
    if not view.has_data or not view.rows:
        return False
    if name in ("years", "trends"):
        return any(v == v and v > 0 for _row, values in _series_values(view, name) for v in values)
    matrix = view.together if name == "together" else view.passages
    return any(c.n for i, row in enumerate(matrix) for j, c in enumerate(row) if i != j)


def chart(view: Overview, name: str, fmt: str = "svg"):
    """Chart ``name`` drawn from an overview's suppressed numbers: SVG text, PNG bytes, or
    both (``fmt="svg+png"``). Only for a chart that is ``drawable``."""
    if not drawable(view, name):
        raise ValueError(f"chart {name!r} has nothing to draw")
    years = [str(y) for y in view.years]
    desc = describe(view, name)
    if name in ("years", "trends"):
        series = [(row.label, values) for row, values in _series_values(view, name)]
        hidden = _hidden_rows(view, name)
        note = _("Not drawn, every count hidden: %(themes)s", themes=", ".join(hidden))
        note = note if hidden else ""
        if name == "years":
            return charts.grouped_bars(years, series, title=str(CHARTS[name]),
                                       ylabel=_("Interviews"), note=note, fmt=fmt,
                                       desc=desc)  # fmt: skip
        return charts.trend_lines(years, series, title=str(CHARTS[name]), percent=True,
                                  ylabel=_("Share of the year's coded interviews"), note=note,
                                  fmt=fmt, desc=desc)  # fmt: skip
    matrix = view.together if name == "together" else view.passages
    values = [[float("nan") if i == j else c.value for j, c in enumerate(row)]
              for i, row in enumerate(matrix)]  # fmt: skip
    texts = [["" if i == j else str(c) for j, c in enumerate(row)]
             for i, row in enumerate(matrix)]  # fmt: skip
    return charts.heat_map(view.pair_labels, values, texts, title=str(CHARTS[name]), fmt=fmt,
                           desc=desc)  # fmt: skip


def describe(view: Overview, name: str) -> str:
    """The text alternative of a chart: what it shows, in words, with the largest figures,
    what it cannot show, and what a "–" in its table means."""
    if not view.has_data or not view.rows:
        return _("No coded interviews in this scope yet, so there is nothing to draw.")
    if not drawable(view, name):
        return str(NOT_DRAWN)
    if name in ("years", "trends"):
        best = []
        for row in view.rows:
            shown = [(c.n, y) for c, y in zip(row.cells, view.years, strict=True) if c.n]
            if shown:
                n, year = max(shown)
                best.append(ngettext("%(theme)s: most in %(year)s (%(num)d interview)",
                                     "%(theme)s: most in %(year)s (%(num)d interviews)", n,
                                     theme=row.label, year=year))  # fmt: skip
        span = f"{view.years[0]}–{view.years[-1]}"
        lead = (ngettext("Bars per year %(span)s for %(num)d theme.",
                         "Bars per year %(span)s for %(num)d themes.", len(view.rows), span=span)
                if name == "years" else
                ngettext("Lines per year %(span)s for %(num)d theme.",
                         "Lines per year %(span)s for %(num)d themes.", len(view.rows),
                         span=span))  # fmt: skip
        hidden = _hidden_rows(view, name)
        parts = [lead, *(["; ".join(best) + "."] if best else [])]
        if hidden:
            parts.append(_("Not drawn, every count hidden: %(themes)s", themes=", ".join(hidden))
                         + ".")  # fmt: skip
        parts.append(_("Counts under 3 are not shown."))
        if view.has_secondary:
            parts.append(str(SECONDARY_NOTE))
        return " ".join(parts)
    matrix = view.together if name == "together" else view.passages
    pairs = []
    for i, row in enumerate(matrix):
        for j, c in enumerate(row):
            if j > i and c.n:
                pairs.append((c.n, view.pair_labels[i], view.pair_labels[j]))
    top = sorted(pairs, reverse=True)[:3]
    parts = [_("%(a)s with %(b)s: %(n)s", a=a, b=b, n=n) for n, a, b in top]
    return " ".join([
        ngettext("A matrix of %(num)d theme; darker cells are pairs found together more often.",
                 "A matrix of %(num)d themes; darker cells are pairs found together more often.",
                 len(view.pair_labels)),
        (_("The most frequent pairs: %(pairs)s.", pairs="; ".join(parts)) if parts else
         _("No pair is frequent enough to be shown.")),
        _("Counts under 3 are not shown."),
    ])  # fmt: skip
