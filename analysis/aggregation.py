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
    """Cells of a row whose values add up to a shown total: when exactly one is hidden, the
    smallest other non-zero one is hidden too, so that subtraction reveals nothing."""
    cells = [cell(v, total, threshold) for v in values]
    suppressed = [i for i, c in enumerate(cells) if c.suppressed]
    if len(suppressed) == 1 and total is not None:
        others = [(v, i) for i, v in enumerate(values) if i not in suppressed and v > 0]
        if others:
            _, index = min(others)
            cells[index] = Cell(None, None, threshold)
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
