"""Secondary suppression of a goal's direction rows against the other rows a user can see.

A direction row counts the interviews touching any of a group of codes. Other pages count
groups of codes too: the themes page a row per theme and, on a theme's page, a row per code
of it; every goal a row per direction. Where two groups are nested (one holds every code of
the other), the interviews of the larger one less those of the smaller one are the
interviews touching only the difference: if the two counts differ by 1 or 2, showing both
gives a small count away by subtraction. And where two groups are the same, one page must
not show the number that the other hides.

So each cell (each year and the total) of a direction row is checked against every such
row, in the same scope and through the same consent gate path:

1. the same group of codes, hidden there: hidden here too;
2. a nested group (containing or contained), shown there, whose count differs from this one
   by 1 or 2: hidden here.

And a direction whose codes are exactly two themes' hides its total where the themes page
shows both themes' totals and hides their co-occurrence ("< 3"): both = one + other - either.

A cell hidden by the check is a secondary cell ("–"); the row's years and total are then
suppressed again as a family with that cell forced hidden (``agg.family``), so that the
total less the shown years does not give it back, and checked again until nothing changes.
A direction whose codes are a theme's shows exactly the theme's row: it tells nothing that
the themes page does not. Theme rows and code rows are taken as the themes pages suppress
them; the directions of every goal (this one's included) by their raw counts with the
primary rule only (shown unless 1 or 2): they may hide more than that, so taking them as
shown errs on the side of hiding. The result depends only on the scope, the codes and the
counts, so it is the same on every page that shows it.
"""

from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import select

from analysis import aggregation as agg
from app.core.db import db, read_once
from app.goals import queries
from app.goals.models import Goal
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.themes.code_rows import code_families

#: two nested counts that differ by this much give a small count away
SMALL_GAPS = range(1, agg.THRESHOLD)


@dataclass(frozen=True)
class Seen:
    """A row another page shows: its codes and its cells (per year, then the total)."""

    codes: frozenset
    cells: tuple
    #: shown as they are (a themes page's row), not only assumed shown (a goal's direction)
    exact: bool = True


@dataclass
class Others:
    """The rows a direction row is checked against, and the theme rows by their codes."""

    seen: list
    theme_rows: dict  # frozenset of codes -> themes.Row
    #: codes of two themes together whose total, with the themes' shown totals, gives
    #: their hidden co-occurrence away (both = one + other - either)
    unions: set = field(default_factory=set)


def others(scope: Scope, years: list[int]) -> Others:
    """Every theme row and every theme's code rows as the themes pages suppress them in
    ``scope``, and every goal's directions by their raw counts with the primary rule.

    Kept under the themes' change token with what it depends on beside the counts (the
    themes' codes and every goal's directions, which the token does not follow), so that a
    page of every goal (the head of unit's, a review pack's) works it out once, not once
    per goal; and once per transaction until something is written, since what it depends on
    beside the counts takes a query per goal to gather."""
    return read_once(("goal_others", scope, tuple(years)), lambda: _kept_others(scope, years))


def _kept_others(scope: Scope, years: list[int]) -> Others:
    listed = [t for t in themes.themes() if t.codes]
    sets = set()
    for goal in db.session.scalars(select(Goal)):
        sets.update(frozenset(ids) for ids in queries.direction_codes(goal).values())
    params = (scope, years, [(t.id, t.name, [c.id for c in t.codes]) for t in listed],
              sorted(sorted(codes) for codes in sets))  # fmt: skip
    kept = aggregates.kept(
        "goal_others", params, lambda: _encode(_others(scope, years, listed, sets))
    )
    return _decode(kept)


def warm(scope: Scope) -> None:
    """Work out, and keep, what the goal pages of ``scope`` in every year check against."""
    years = sorted(aggregates.coded_per_year(scope))
    if years:
        others(scope, years)


def _others(scope: Scope, years: list[int], listed: list, sets: set) -> Others:
    codes_of = {t.id: frozenset(c.id for c in t.codes) for t in listed}

    def count(s):
        touching = {
            a: aggregates.by_attribute(s, "theme", a)["touching"] for a in aggregates.ATTRIBUTES
        }
        return aggregates.theme_year(s), touching

    # the theme rows exactly as ``themes.overview`` makes them (code_groups says so)
    view = themes.code_groups(scope, [(t.id, t.name) for t in listed], count,
                              banded={t.id for t in listed})  # fmt: skip
    seen, theme_rows = [], {}
    per_code = aggregates.per_year(scope, "code") if listed else []
    for theme, row in zip(listed, view.rows, strict=True):
        seen.append(Seen(codes_of[theme.id], (*row.cells, row.total)))
        theme_rows.setdefault(codes_of[theme.id], row)
        keys = [(c.id, c.path) for c in theme.codes]
        counts = [r for r in per_code if r[0] in codes_of[theme.id]]
        # a theme's code rows as its page suppresses them (``themes.code_rows``)
        for code_row in code_families(keys, counts, row, view):
            seen.append(Seen(frozenset({code_row.key}), (*code_row.cells, code_row.total)))
    unions = set()
    if len(listed) > 1:
        totals = {t.id: row.total for t, row in zip(listed, view.rows, strict=True)}
        for (a, b), n in aggregates.cooccurrence(scope, "theme", "interview").items():
            shown = a in totals and b in totals
            if shown and agg.hidden(n) and not totals[a].suppressed and not totals[b].suppressed:
                unions.add(codes_of[a] | codes_of[b])
    for codes, per_year in queries.set_year_counts(scope, sets).items():
        values = [per_year.get(y, 0) for y in years]
        cells = tuple(agg.cell(n) for n in [*values, sum(values)])
        seen.append(Seen(codes, cells, exact=False))
    return Others(seen, theme_rows, unions)


def _cell(c: agg.Cell) -> tuple:
    return (c.n, c.share, c.threshold, c.reason)


def _encode(found: Others) -> tuple:
    """``found`` as tuples of plain values, for the cache."""
    seen = [(sorted(o.codes), [_cell(c) for c in o.cells], o.exact) for o in found.seen]
    rows = [
        (sorted(codes), row.key, row.label, [_cell(c) for c in row.cells], list(row.passages),
         _cell(row.total))
        for codes, row in found.theme_rows.items()
    ]  # fmt: skip
    return seen, rows, [sorted(u) for u in found.unions]


def _decode(kept) -> Others:
    seen, rows, unions = kept
    return Others(
        [Seen(frozenset(codes), tuple(agg.Cell(*c) for c in cells), exact)
         for codes, cells, exact in seen],
        {frozenset(codes): themes.Row(key, label, [agg.Cell(*c) for c in cells], passages,
                                      agg.Cell(*total))
         for codes, key, label, cells, passages, total in rows},
        {frozenset(u) for u in unions},
    )  # fmt: skip


def _gives_away(codes: frozenset, column: int, cell: agg.Cell, seen: list) -> bool:
    """Whether shown ``cell`` (column ``column`` of a row of ``codes``) tells what another
    row hides: the same codes hidden there, or nested codes shown there whose count differs
    by 1 or 2."""
    for other in seen:
        there = other.cells[column]
        same = other.codes == codes
        nested = other.codes < codes or codes < other.codes
        if same and there.suppressed:
            return True
        if nested and not there.suppressed and abs(cell.n - there.n) in SMALL_GAPS:
            return True
    return False


def _bound(codes: frozenset, column: int, seen: list, *bounds) -> int | None:
    """The most a cell can be, for a reader: what bounds it already, and every row shown
    whose codes hold all of these (a direction taken as shown is not known to be)."""
    found = [agg.bound(o.cells[column]) for o in seen if o.exact and codes <= o.codes]
    known = [b for b in chain(found, bounds) if b is not None]
    return min(known) if known else None


def suppress(view, codes: dict, counts: list, found: Others) -> None:
    """Apply the check to every direction row of ``view`` (``themes.code_groups``' overview
    of ``codes``, direction -> code ids, counted as ``counts``: [(direction, year,
    interviews, passages)]), in place."""
    years = view.years
    raw = {(k, y): n for k, y, n, _p in counts}
    for index, row in enumerate(view.rows):
        mine = frozenset(codes[row.key])
        theme_row = found.theme_rows.get(mine)
        if theme_row is not None:
            view.rows[index] = themes.Row(row.key, row.label, list(theme_row.cells),
                                          list(theme_row.passages), theme_row.total)  # fmt: skip
            continue
        values = [raw.get((row.key, y), 0) for y in years]
        view.rows[index] = _checked(row, mine, values, view, found.seen, mine in found.unions)


def _checked(row, mine: frozenset, values: list, view, seen: list, union: bool = False):
    """The row with every cell that gives another row away hidden, and its family
    suppressed again around it; its total too where it is a ``union`` of two themes."""
    n = len(values)
    bounds = [_bound(mine, j, seen, agg.bound(c)) for j, c in enumerate(view.coded)]
    total_bound = _bound(mine, n, seen, agg.bound(view.coded_all), agg.bound(view.released))
    # what the row hides already stays hidden (a small cell is small again by itself)
    forced = [agg.SECONDARY if c.secondary else None for c in row.cells]
    total_forced = agg.SECONDARY if row.total.secondary else None
    while True:
        total, (cells,) = agg.family(sum(values), [values], bounds=[bounds],
                                     total_bound=total_bound, forced=[forced],
                                     total_forced=total_forced)  # fmt: skip
        more = [j for j, c in enumerate([*cells, total]) if not c.suppressed
                and (_gives_away(mine, j, c, seen) or (union and j == n))]  # fmt: skip
        if not more:
            break
        for j in more:
            if j == n:
                total_forced = agg.SECONDARY
            else:
                forced[j] = agg.SECONDARY
    # a cell shown now was shown before, with its share and passages
    shown = [old if not new.suppressed else new for old, new in zip(row.cells, cells, strict=True)]
    passages = [p if not c.suppressed else None for p, c in zip(row.passages, shown, strict=True)]
    return themes.Row(row.key, row.label, shown, passages,
                      row.total if not total.suppressed else total)  # fmt: skip
