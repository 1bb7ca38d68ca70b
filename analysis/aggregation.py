"""Small numbers suppressed, and counts shaped into tables.

A count of interviews between 1 and ``threshold - 1`` could point at a young person, so it is
shown as "< 3" and its share is not shown at all. Zero stays zero: it tells nobody anything.

Counts often add up: the years of a theme add up to its total, and so do its age bands and
its bands of years in care. Such a total and the rows that divide it are a *family*
(``family``). Within a family a hidden count could be worked out from what is shown (the
total less the shown cells, or two hidden cells whose sum can only be 2), so more cells are
hidden until nothing hidden is determined. A cell hidden only for that reason is a
*secondary* cell and says so ("–", with a footnote): it is not small, and printing "< 3"
for it would be false.

What counts as "determined" is judged as a reader would who knows these rules: a "< 3" is
1 or 2 (0 to 2 where the family shows no number at all), a "–" is at least the threshold
(any count where the family shows no "< 3"), and every row of the family adds up to the
same total. Each hidden cell must have more than one value consistent with all of that.
"""

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3

#: why a cell is hidden
SMALL = "small"
SECONDARY = "secondary"
#: what a secondary cell shows instead of its number
SECONDARY_MARK = "–"

_UNBOUNDED = 10**9


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``n`` is None when suppressed, and ``reason`` says why
    (``SMALL``: the count itself is small; ``SECONDARY``: it is hidden so that a small
    count elsewhere cannot be worked out)."""

    n: int | None
    share: float | None = None
    threshold: int = THRESHOLD
    reason: str | None = None

    def __post_init__(self):
        if self.n is None and self.reason is None:
            object.__setattr__(self, "reason", SMALL)
        if self.n is not None:
            object.__setattr__(self, "reason", None)

    @property
    def suppressed(self) -> bool:
        return self.n is None

    @property
    def secondary(self) -> bool:
        return self.reason == SECONDARY

    @property
    def value(self) -> float:
        """What a chart draws: nothing for a suppressed cell."""
        return float("nan") if self.n is None else float(self.n)

    def __str__(self) -> str:
        if self.n is not None:
            return str(self.n)
        return SECONDARY_MARK if self.secondary else f"< {self.threshold}"

    def percent(self) -> str:
        return "" if self.share is None else f"{round(100 * self.share)} %"


def hidden(n: int, threshold: int = THRESHOLD) -> bool:
    return 0 < n < threshold


def cell(n: int, total: int | None = None, threshold: int = THRESHOLD) -> Cell:
    """One count with its share of ``total``, suppressed when small."""
    if hidden(n, threshold):
        return Cell(None, None, threshold, SMALL)
    share = n / total if total else None
    return Cell(n, share, threshold)


def any_secondary(*cells) -> bool:
    """Whether any of the cells (or nested lists of cells) is a secondary one: a page shows
    the footnote that explains "–" only then."""
    for c in cells:
        if isinstance(c, Cell):
            if c.secondary:
                return True
        elif isinstance(c, list | tuple) and any_secondary(*c):
            return True
    return False


# --- families: a total and rows that each add up to it --------------------------------------

_SHOWN = None


def domains(total_mark, total: int, marks, values, threshold: int = THRESHOLD, bounds=None,
            total_bound: int | None = None, forced=None,
            total_forced: str | None = None):  # fmt: skip
    """The values a reader can hold possible for the total and for every cell, as closed
    intervals (lo, hi), given the marks (None: shown, ``SMALL``, ``SECONDARY``) and what
    the reader knows to bound each cell from above (``bounds``, like ``values``; None for
    no bound) and the total (``total_bound``). A *forced* cell (``forced``, like ``values``;
    ``total_forced``) is hidden because a cell of another family that it is part of is
    hidden, and carries that cell's mark: the reader knows it may be anything from 0 up
    to what the mark allows."""
    flat = [m for row in marks for m in row]
    shows_number = total_mark is _SHOWN or any(m is _SHOWN for m in flat)
    has_small = total_mark == SMALL or SMALL in flat
    small = (1 if shows_number else 0, threshold - 1)
    secondary = (threshold if has_small else 0, _UNBOUNDED)

    def one(mark, value, forced_mark=None):
        if forced_mark is not None and mark is not _SHOWN:
            return (0, threshold - 1 if mark == SMALL else _UNBOUNDED, True)
        if mark is _SHOWN:
            return (value, value, False)
        return (*small, True) if mark == SMALL else (*secondary, True)

    if total_forced is not None:
        total_domain = one(total_mark, total, total_forced)
    elif total_mark == SMALL:
        total_domain = (1, threshold - 1, True)
    else:
        total_domain = one(total_mark, total)
    total_domain = _capped(total_domain, total_bound)
    bounds = bounds or [[None] * len(vs) for vs in values]
    forced = forced or [[None] * len(vs) for vs in values]
    cells = [
        [_capped(one(m, v, f), b) for m, v, b, f in zip(ms, vs, bs, fs, strict=True)]
        for ms, vs, bs, fs in zip(marks, values, bounds, forced, strict=True)
    ]
    return total_domain, cells


def _capped(domain, bound):
    lo, hi, is_hidden = domain
    return domain if bound is None or not is_hidden else (lo, max(lo, min(hi, bound)), True)


def determined(total_domain, cells) -> list:
    """What a reader can work out: "total" when the total is hidden and has one possible
    value, and (row, column) for every hidden cell with one possible value. The total and
    ``cells`` are (lo, hi, hidden) as from ``domains``."""
    low, high, total_hidden = total_domain
    sums = [(sum(d[0] for d in row), sum(d[1] for d in row)) for row in cells]
    for lo, hi in sums:
        low, high = max(low, lo), min(high, hi)
    found = []
    if total_hidden and low >= high:
        found.append("total")
    for r, row in enumerate(cells):
        lo_row, hi_row = sums[r]
        for c, (lo, hi, is_hidden) in enumerate(row):
            if not is_hidden:
                continue
            # the others of the row hold between lo_row - lo and hi_row - hi together
            least = max(lo, low - (hi_row - hi))
            most = min(hi, high - (lo_row - lo))
            if most <= least:
                found.append((r, c))
    return found


def family(total: int, rows: Sequence[Sequence[int]], threshold: int = THRESHOLD,
           bounds=None, total_bound: int | None = None, forced=None,
           total_forced: str | None = None):  # fmt: skip
    """The total and every row's cells, suppressed so that no hidden count can be worked
    out from the rest. Returns (total cell, [row cells]). ``bounds`` (like ``rows``, None
    for none) are what a reader knows to bound a cell from above: the interviews of a year
    touching a theme are at most the year's coded interviews; ``total_bound`` likewise.
    ``forced`` (like ``rows``, None or a mark) and ``total_forced`` hide cells from the
    start with a given mark, whatever their value: a code's cell where its theme's cell is
    hidden, since the code's count would give the theme's away.

    Small cells are hidden. Then, while a hidden count is determined, the smallest shown
    non-zero cell of its row is hidden as secondary; a row with nothing left to hide hides
    the total, and then the smallest shown cell of any row. When even that is not enough,
    every cell of the family is hidden."""
    rows = [list(r) for r in rows]
    if any(sum(r) != total for r in rows):
        raise ValueError("every row of a family must add up to its total")
    t = threshold
    forced = forced or [[None] * len(r) for r in rows]
    extra = {"forced": forced, "total_forced": total_forced}
    if total == 0:
        # zeros tell nobody anything; a forced cell keeps its mark all the same
        return _cells(total_forced or _SHOWN, 0, [[f or _SHOWN for f in fs] for fs in forced],
                      rows, t)  # fmt: skip
    if total < t:
        # Every cell is under the threshold too; hiding the zeros as well keeps a row of
        # "< 3 | 0 | < 3" from telling that both are 1.
        return _cells(total_forced or SMALL, total, [[f or SMALL for f in fs] for fs in forced],
                      rows, t)  # fmt: skip
    marks = [[f or (SMALL if hidden(v, t) else _SHOWN) for v, f in zip(r, fs, strict=True)]
             for r, fs in zip(rows, forced, strict=True)]  # fmt: skip
    total_mark = total_forced or _SHOWN
    while True:
        found = determined(*domains(total_mark, total, marks, rows, t, bounds, total_bound,
                                    **extra))  # fmt: skip
        if not found:
            break
        if not _hide_more(found, marks, rows):
            if total_mark is _SHOWN:
                total_mark = SECONDARY
                continue
            if not _hide_smallest(range(len(rows)), marks, rows):
                return _all_hidden(total, rows, t, bounds, total_bound, **extra)
    return _cells(total_mark, total, marks, rows, t)


def _cells(total_mark, total: int, marks, rows, t: int):
    def one(mark, value):
        return Cell(value, None, t) if mark is _SHOWN else Cell(None, None, t, mark)

    return one(total_mark, total), [
        [one(m, v) for m, v in zip(ms, vs, strict=True)] for ms, vs in zip(marks, rows, strict=True)
    ]


def _hide_more(found, marks, rows) -> bool:
    """Hide one more cell in the row of a determined cell; False when none is left."""
    rows_found = [item[0] for item in found if item != "total"]
    return any(_hide_smallest([r], marks, rows) for r in rows_found)


def _hide_smallest(row_indexes, marks, rows) -> bool:
    candidates = [(rows[r][c], r, c) for r in row_indexes for c, m in enumerate(marks[r])
                  if m is _SHOWN and rows[r][c] > 0]  # fmt: skip
    if not candidates:
        return False
    _, r, c = min(candidates)
    marks[r][c] = SECONDARY
    return True


def _all_hidden(total: int, rows, t: int, bounds=None, total_bound=None, forced=None,
                total_forced=None):  # fmt: skip
    """The last resort: small cells and zeros say "< 3", the others "–" (a forced cell
    keeps its mark). If a reader could still work a count out from the marks alone,
    every cell says "–"."""
    forced = forced or [[None] * len(r) for r in rows]
    marks = [[f or (SMALL if v < t else SECONDARY) for v, f in zip(r, fs, strict=True)]
             for r, fs in zip(rows, forced, strict=True)]  # fmt: skip
    total_mark = total_forced or SECONDARY
    if not determined(*domains(total_mark, total, marks, rows, t, bounds, total_bound,
                               forced, total_forced)):  # fmt: skip
        return _cells(total_mark, total, marks, rows, t)
    return Cell(None, None, t, SECONDARY), [[Cell(None, None, t, SECONDARY) for _ in r]
                                            for r in rows]  # fmt: skip


def row_intervals(total_cell: Cell, cells: Sequence[Cell], bounds=None,
                  total_bound: int | None = None, forced=None,
                  total_forced: str | None = None):  # fmt: skip
    """What a reader holds possible for a one-row family as shown (``family``'s result
    for one row, with the same ``bounds``, ``forced`` and so on): ((lo, hi) of the total,
    [(lo, hi) per cell]), once the row's sum is taken into account. For checking the row
    against what ties it to other rows."""

    def mark(c):
        return _SHOWN if not c.suppressed else c.reason

    values = [[c.n or 0 for c in cells]]
    (t_lo, t_hi, _), (row,) = domains(
        mark(total_cell), total_cell.n or 0, [[mark(c) for c in cells]], values,
        total_cell.threshold, [bounds] if bounds else None, total_bound,
        [forced] if forced else None, total_forced,
    )  # fmt: skip
    sum_lo, sum_hi = sum(d[0] for d in row), sum(d[1] for d in row)
    t_lo, t_hi = max(t_lo, sum_lo), min(t_hi, sum_hi)
    return (t_lo, t_hi), [
        (max(lo, t_lo - (sum_hi - hi)), min(hi, t_hi - (sum_lo - lo))) for lo, hi, _h in row
    ]


def bound(c: Cell) -> int | None:
    """What a shown or hidden cell tells a reader about the most a part of it can be: its
    number, ``threshold - 1`` under "< 3", nothing under "–"."""
    if not c.suppressed:
        return c.n
    return None if c.secondary else c.threshold - 1


def partition(values: Sequence[int], total: int | None = None, threshold: int = THRESHOLD):
    """Cells of one row whose values add up to a shown ``total`` (a family of one row; the
    total's own cell is ``family(...)[0]``). Without a total, only small cells are hidden."""
    if total is None:
        return [cell(v, None, threshold) for v in values]
    return family(total, [values], threshold)[1][0]


def grid(rows: Sequence, columns: Sequence, counts: dict, totals: dict | None = None,
         threshold: int = THRESHOLD) -> list[list[Cell]]:  # fmt: skip
    """Cells for every (row, column) from ``counts[(row, column)]`` (missing: 0), with shares
    of ``totals[column]``."""
    totals = totals or {}
    return [[cell(counts.get((r, c), 0), totals.get(c), threshold) for c in columns] for r in rows]


def symmetric(keys: Sequence, pairs: dict, threshold: int = THRESHOLD) -> list[list[Cell]]:
    """A square co-occurrence matrix from ``pairs[(a, b)]`` with a < b; the diagonal is
    empty (a theme always co-occurs with itself)."""
    rows = []
    for a in keys:
        row = []
        for b in keys:
            if a == b:
                row.append(Cell(0, None, threshold))
                continue
            low, high = (a, b) if a < b else (b, a)
            row.append(cell(pairs.get((low, high), 0), None, threshold))
        rows.append(row)
    return rows


def beside(interviews: list[list[Cell]], passages: list[list[Cell]]) -> list[list[Cell]]:
    """A matrix of passage counts with every cell hidden whose pair's interview count is
    hidden: a count of passages (9 pairs in one interview) must not reveal what "< 3"
    interviews hide. Hidden as a secondary cell ("–") whatever its own count, so that not
    even which side of 3 it lies is told; a pair in no interview has no passages, and
    says 0."""
    return [[Cell(None, None, p.threshold, SECONDARY) if iv.suppressed else p
             for iv, p in zip(irow, prow, strict=True)]
            for irow, prow in zip(interviews, passages, strict=True)]  # fmt: skip
