"""The themes' charts, drawn from the suppressed numbers only, with their text alternatives."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from analysis import charts
from app.themes.views import SECONDARY_NOTE, Overview, Row

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


#: the legend of a heat map's hidden cells (grey and hatched, never white like a zero)
HIDDEN = _l("Hatched grey: hidden (“< 3” or “–”)")


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
                           desc=desc, hidden=str(HIDDEN))  # fmt: skip


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
