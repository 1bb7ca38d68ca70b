"""What the coded interviews say about the themes, with small numbers suppressed.

Anyone who may see themes sees only these views: every count of interviews goes through
``analysis.aggregation`` before it reaches a page, a chart or a pack. The raw counts come
from ``app.themes.aggregates`` (kept under the database's change token).
"""

from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from analysis import aggregation as agg
from app.core.db import db
from app.core.permissions import authorize
from app.core.users import Role
from app.releases.attributes import AGE_BANDS, CARE_BANDS
from app.themes import aggregates
from app.themes.aggregates import Scope
from app.themes.models import Theme


def themes() -> list[Theme]:
    """Every theme, in the order the team gave them."""
    return db.session.scalars(
        select(Theme).options(selectinload(Theme.codes)).order_by(Theme.position, Theme.name)
    ).all()


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
    #: a view of some years only: the whole view its cells were cut from (``_within``);
    #: the breakdowns and co-occurrence are then left out (they are for all years only)
    whole: "Overview | None" = None

    @property
    def has_data(self) -> bool:
        return self.coded_total > 0

    @property
    def has_secondary(self) -> bool:
        """Whether a table of the page shows a "–" (and so needs the footnote)."""
        bands = [rows for _names, rows in self.bands.values()]
        return agg.any_secondary(self.coded, self.coded_all, self.released, bands) or any(
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


# --- some years of the whole ----------------------------------------------------------------
#
# A view of some years is cut from the view of every year, never counted and suppressed
# on its own: suppressed on their own, "all years" of one range less the shown years of
# another gave a hidden year's count away (5 in all, 4 in 2026 alone: 2025 held 1). So a
# year's cell is the same whatever range is asked, a range's total is shown only where
# every year in it is shown, and what cannot be cut by year (the breakdowns by band, the
# co-occurrence, the released count) is shown for all years only.


def _whole(scope: Scope) -> tuple[Scope, tuple[int | None, int | None] | None]:
    """The scope of every year, and the years asked for (None: every year)."""
    if scope.year_from is None and scope.year_to is None:
        return scope, None
    return replace(scope, year_from=None, year_to=None), (scope.year_from, scope.year_to)


def _sum(cells: list) -> agg.Cell:
    """A range's total: the sum of its years where each is shown (each is 0 or at least
    the threshold, so the sum tells nothing new), else hidden with the "–" of a cell
    kept back so that another cannot be worked out."""
    if any(c.suppressed for c in cells):
        return agg.Cell(None, reason=agg.SECONDARY)
    return agg.Cell(sum(c.n for c in cells))


def _cut(row: Row, keep: list[int], every: bool) -> Row:
    cells = [row.cells[i] for i in keep]
    found = [row.passages[i] for i in keep]
    return Row(row.key, row.label, cells, found, row.total if every else _sum(cells))


def _within(view: Overview, years: tuple[int | None, int | None]) -> Overview:
    """``view`` (of every year) cut to the years asked for."""
    low, high = years
    keep = [i for i, y in enumerate(view.years)
            if (low is None or y >= low) and (high is None or y <= high)]  # fmt: skip
    if len(keep) == len(view.years):  # every year: the whole view, as it is
        return view
    coded = [view.coded[i] for i in keep]
    shown = [c for c in coded if not c.suppressed]
    return Overview(
        scope=view.scope, years=[view.years[i] for i in keep], coded=coded,
        coded_all=_sum(coded),
        # only whether there is anything to count: a hidden year counts as some
        coded_total=sum(c.n for c in shown) + len(coded) - len(shown),
        released=released_in(view.scope, years),
        rows=[_cut(row, keep, False) for row in view.rows], empty=view.empty, whole=view,
    )  # fmt: skip


def released_in(scope: Scope, years: tuple[int | None, int | None]) -> agg.Cell:
    """The released interviews of some years (``scope`` of every year): their count, "< 3"
    when small, unless the other years' count, every year's less it, would be small (1 or
    2): then "–"."""
    low, high = years
    per_year = aggregates.released_per_year(scope)
    inside = sum(n for y, n in per_year.items()
                 if (low is None or y >= low) and (high is None or y <= high))  # fmt: skip
    if agg.hidden(sum(per_year.values()) - inside):
        return agg.Cell(None, reason=agg.SECONDARY)
    return agg.cell(inside)


def cut_rows(rows: list[Row], whole: Overview, part: Overview) -> list[Row]:
    """Rows counted on ``whole`` (a theme's codes) cut to ``part``'s years."""
    keep = [whole.years.index(y) for y in part.years]
    return [_cut(row, keep, len(keep) == len(whole.years)) for row in rows]


def overview(actor, scope: Scope, *, full: bool = True, passages: bool = True) -> Overview:
    """Every theme per year, their co-occurrence and their breakdowns, suppressed;
    ``passages`` says whether to count co-occurrence on overlapping passages too. The
    breakdowns by band are always counted: they are suppressed together with the years,
    so that a chart and a table of the same scope hide the same cells. A scope of some
    years is cut from the view of every year (``_within``)."""
    authorize(actor, "themes.view")
    scope, years = _whole(_counted_for(actor, scope))
    if years is not None:
        return _within(overview(actor, scope, full=full, passages=passages), years)
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
        pairs = aggregates.cooccurrence(scope, "theme", "interview")
        codes_of = {t.id: frozenset(c.id for c in t.codes) for t in listed if t.codes}
        view.together = _unnested(ids, codes_of, agg.symmetric(ids, pairs), pairs, scope)
        if passages:
            found = aggregates.cooccurrence(scope, "theme", "passage")
            # a count of passage pairs shows only beside a shown count of interviews
            view.passages = agg.beside(view.together, agg.symmetric(ids, found))
    return view


def _unnested(ids: list[int], codes_of: dict, matrix: list, pairs: dict, scope: Scope) -> list:
    """The themes' co-occurrence with every cell hidden ("–") that lies 1 or 2 above a
    count nested in it: a theme is a set of codes, so "T1 with T2" holds "a with b" for
    each code a of T1 and b of T2 (which the retrieval page shows), "T1 with T3" for a
    theme T3 within T2, and "a" alone for a code both share; and it lies within T1's own
    total. A researcher may make themes, so subtracting one from another would tell a
    number of 1 or 2 that the "< 3" beside it hides. Raw counts are compared, whether
    the nested one is shown or not."""
    if len(ids) < 2:
        return matrix
    by_code = aggregates.code_pairs(scope, [c for codes in codes_of.values() for c in codes])
    code_totals: dict = {}
    shared = [a & b for a in codes_of.values() for b in codes_of.values() if a is not b]
    if any(shared):  # a code in two themes: its own count lies within their pair's
        for code, _year, n, _passages in aggregates.per_year(scope, "code"):
            code_totals[code] = code_totals.get(code, 0) + n
    theme_totals: dict = {}
    for theme, _year, n, _passages in aggregates.theme_year(scope):
        theme_totals[theme] = theme_totals.get(theme, 0) + n

    def within(i: int, j: int) -> list[int]:
        mine, theirs = codes_of[ids[i]], codes_of[ids[j]]
        found = [code_totals.get(a, 0) if a == b else by_code.get((min(a, b), max(a, b)), 0)
                 for a in mine for b in theirs]  # fmt: skip
        for k, first in enumerate(ids):
            for m, second in enumerate(ids):
                if (
                    k < m
                    and {k, m} != {i, j}
                    and (
                        (codes_of[first] <= mine and codes_of[second] <= theirs)
                        or (codes_of[first] <= theirs and codes_of[second] <= mine)
                    )
                ):
                    found.append(pairs.get((min(first, second), max(first, second)), 0))
        return [*found, theme_totals.get(ids[i], 0), theme_totals.get(ids[j], 0)]

    hidden = agg.Cell(None, None, agg.THRESHOLD, agg.SECONDARY)
    shown = [list(row) for row in matrix]
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            cell = matrix[i][j]
            if cell.suppressed or not cell.n:
                continue
            if any(1 <= abs(cell.n - n) <= 2 for n in within(i, j) if n <= cell.n) or any(
                1 <= total - cell.n <= 2 for total in within(i, j)[-2:]
            ):
                shown[i][j] = shown[j][i] = hidden
    return shown


def code_groups(scope: Scope, keys: list, count, banded=frozenset()) -> Overview:
    """Rows for groups of codes that are not themes (the codes that speak for a goal, say),
    suppressed as ``overview`` suppresses a theme's row: the same coded interviews per
    year, band and in all (suppressed as one family, bounded by the released ones), and
    each row a family of its years, bounded by them. Only a group in ``banded`` (one whose
    codes are a theme's, so the themes page shows its bands) is a family of its bands too:
    a group's bands are shown nowhere else, and hiding cells to protect them hid whole rows.
    ``count(scope)`` gives the raw counts once the releases are stamped:
    ([(key, year, interviews, passages)], {attribute: [(key, band, interviews)]}). The
    caller checks who may see them. A scope of some years is cut from every year's."""
    scope, years = _whole(scope)
    if years is not None:
        return _within(code_groups(scope, keys, count, banded), years)
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
