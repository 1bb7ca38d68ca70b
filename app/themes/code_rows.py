"""A theme's codes per year, suppressed so that no code says more than its theme."""

from analysis import aggregation as agg
from app.codebook.names import code_path
from app.core.permissions import authorize
from app.themes import aggregates
from app.themes.models import Theme
from app.themes.views import Overview, Row, _counted_for, _least, _year_cells, cut_rows


def code_rows(actor, theme: Theme, view: Overview) -> list[Row]:
    """The theme's codes per year in the overview's scope. A code's count is at most its
    theme's (and is its theme's, for a theme of one code), so a code is never shown more
    precisely than its theme: where the theme's cell is hidden, so is the code's, with the
    theme's mark, and the rest of each code's years are suppressed as a family bounded by
    the theme's shown cells (a code's breakdowns by band are not shown)."""
    authorize(actor, "themes.view")
    if view.whole is not None:  # some years: cut from the rows of every year
        return cut_rows(code_rows(actor, theme, view.whole), view.whole, view)
    scope = _counted_for(actor, view.scope)
    wanted = {c.id for c in theme.codes}
    counts = [row for row in aggregates.per_year(scope, "code") if row[0] in wanted]
    # the label marks a name shown in a stand-in language (WCAG 3.1.2); rows go to pages only
    keys = [(c.id, code_path(c)) for c in theme.codes]
    theme_row = next((r for r in view.rows if r.key == theme.id), None)
    if theme_row is None:
        return []
    return code_families(keys, counts, theme_row, view)


def code_families(keys, counts, theme_row: Row, view: Overview) -> list[Row]:
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
