"""Small numbers suppressed, and counts shaped into tables.

A count of interviews between 1 and ``threshold - 1`` could point at a young person, so it is
shown as "< 3" and its share is not shown at all. Zero stays zero: it tells nobody anything.
Where the cells of a row add up to a total that is shown (interviews by age band add up to
the year's coded interviews), one hidden cell could be worked out from the others, so the
next smallest cell is hidden as well.
"""

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``n`` is None when suppressed."""

    n: int | None
    share: float | None = None
    threshold: int = THRESHOLD

    @property
    def suppressed(self) -> bool:
        return self.n is None

    @property
    def value(self) -> float:
        """What a chart draws: nothing for a suppressed cell."""
        return float("nan") if self.n is None else float(self.n)

    def __str__(self) -> str:
        return f"< {self.threshold}" if self.n is None else str(self.n)

    def percent(self) -> str:
        return "" if self.share is None else f"{round(100 * self.share)} %"


def hidden(n: int, threshold: int = THRESHOLD) -> bool:
    return 0 < n < threshold


def cell(n: int, total: int | None = None, threshold: int = THRESHOLD) -> Cell:
    """One count with its share of ``total``, suppressed when small."""
    if hidden(n, threshold):
        return Cell(None, None, threshold)
    share = n / total if total else None
    return Cell(n, share, threshold)


def partition(values: Sequence[int], total: int | None = None, threshold: int = THRESHOLD):
    """Cells of a row whose values add up to a shown total. Hidden cells hold 1 or 2, so
    their sum (the total less what is shown) could tell them apart; more cells are hidden,
    smallest first, until one hidden cell is at least ``threshold`` (then the sum no longer
    tells how it divides) or every non-zero cell is hidden."""
    cells = [cell(v, total, threshold) for v in values]
    if total is None or not any(c.suppressed for c in cells):
        return cells
    hidden_values = [v for v, c in zip(values, cells, strict=True) if c.suppressed]
    others = sorted((v, i) for i, v in enumerate(values) if not cells[i].suppressed and v > 0)
    while others and max(hidden_values) < threshold:
        value, index = others.pop(0)
        cells[index] = Cell(None, None, threshold)
        hidden_values.append(value)
    return cells


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
