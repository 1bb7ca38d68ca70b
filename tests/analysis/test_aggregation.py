"""analysis.aggregation: what a table shows is true, and no hidden count can be worked out.

The property test plays a reader who sees a family (a total and rows that each add up to
it, like a theme's years, age bands and bands of years in care) and knows the rules: a
"< 3" is 1 or 2 (0 to 2 where the family shows no number at all), a "–" is at least 3 (any
count where the family shows no "< 3"). The reader lists every filling of the hidden cells
that fits; each hidden cell must have more than one possible value. The listing is brute
force, independent of how ``family`` reasons, and kept small so that it stays fast.
"""

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import aggregation as agg

T = agg.THRESHOLD


def shown_domain(c: agg.Cell, family_cells: list[agg.Cell], cap: int) -> range:
    shows_number = any(not x.suppressed for x in family_cells)
    has_small = any(x.suppressed and not x.secondary for x in family_cells)
    if not c.suppressed:
        return range(c.n, c.n + 1)
    if c.secondary:
        return range(T if has_small else 0, cap + 1)
    return range(1 if shows_number else 0, T)


def possible(total_cell, rows, cap, bounds):
    """{"total": values, (r, c): values} a reader holds possible."""
    everything = [total_cell, *(c for row in rows for c in row)]
    totals = shown_domain(total_cell, everything, cap)
    seen: dict = {"total": set()}
    for total in totals:
        per_row = []
        for row, row_bounds in zip(rows, bounds, strict=True):
            domains = [
                range(d.start, min(d.stop, b + 1)) if b is not None and c.suppressed else d
                for d, c, b in zip(
                    (shown_domain(c, everything, total) for c in row),
                    row,
                    row_bounds,
                    strict=True,
                )
            ]
            fits = [v for v in product(*domains) if sum(v) == total]
            if not fits:
                break
            per_row.append(fits)
        else:
            seen["total"].add(total)
            for r, fits in enumerate(per_row):
                for values in fits:
                    for c, v in enumerate(values):
                        seen.setdefault((r, c), set()).add(v)
    return seen


@st.composite
def families(draw):
    first = draw(st.lists(st.integers(0, 6), min_size=1, max_size=4))
    total = sum(first)
    rows = [first]
    for _ in range(draw(st.integers(0, 2))):
        size = draw(st.integers(1, 5))
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=size - 1,
                                    max_size=size - 1)))  # fmt: skip
        rows.append([b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)])
    # what bounds a cell from above, as a year's coded interviews bound a theme's
    # a year's coded interviews as a reader sees them: unknown ("–"), at most 2 ("< 3"), or
    # a number shown (0 or at least 3; a 0 tells its cells are 0 and is left out here)
    bounds = [[draw(st.one_of(st.none(), st.integers(max(v, T), max(v, T) + 2),
                              st.just(T - 1) if v < T else st.none())) for v in row]
              for row in rows]  # fmt: skip
    total_bound = draw(st.one_of(st.none(), st.integers(max(total, T), max(total, T) + 2)))
    return total, rows, bounds, total_bound


@settings(max_examples=300, deadline=None)
@given(families())
def test_no_hidden_count_of_a_family_can_be_worked_out(case):
    total, rows, bounds, total_bound = case
    total_cell, cells = agg.family(total, rows, bounds=bounds, total_bound=total_bound)
    everything = [total_cell, *(c for row in cells for c in row)]
    # what is shown is true
    for c, v in zip(everything, [total, *(v for row in rows for v in row)], strict=True):
        if not c.suppressed:
            assert c.n == v
        elif not c.secondary:
            assert v < T and str(c) == "< 3"
        else:
            assert str(c) == "–"
    if not any(c.suppressed for c in everything):
        return
    cap = total + 2 * T if total_bound is None or not total_cell.suppressed else total_bound
    seen = possible(total_cell, cells, cap=cap, bounds=bounds)
    assert total in seen["total"]  # the truth is among what the reader holds possible
    if total_cell.suppressed:
        assert len(seen["total"]) > 1, (rows, [str(c) for c in everything])
    for r, row in enumerate(cells):
        for c, x in enumerate(row):
            if x.suppressed:
                assert rows[r][c] in seen[(r, c)]
                assert len(seen[(r, c)]) > 1, (rows, [str(c) for c in everything], (r, c))


def test_a_cell_hidden_to_protect_another_does_not_say_it_is_small():
    total, (row,) = agg.family(14, [[2, 5, 7, 0]])
    assert [str(c) for c in row] == ["< 3", "–", "7", "0"] and str(total) == "14"
    assert row[1].secondary and not row[0].secondary and agg.any_secondary(row)
    assert not agg.any_secondary([agg.cell(2), agg.cell(5)])


def test_a_total_that_would_tell_the_hidden_years_is_hidden():
    # "< 3 | < 3 | < 3 | All years 3" told that each year was 1
    total, (row,) = agg.family(3, [[1, 1, 1]])
    assert total.suppressed and total.secondary
    # a total under the threshold hides the zeros beside its small cells too
    total, (row,) = agg.family(2, [[1, 0, 1]])
    assert str(total) == "< 3" and [str(c) for c in row] == ["< 3"] * 3


def test_a_cell_hidden_to_protect_another_is_not_pinned_by_what_bounds_it():
    # 2026 had 3 coded interviews, all touching the theme: a "–" there (at least 3, at most
    # 3) would tell that 2025's "< 3" is 1, so the total goes too
    total, (row,) = agg.family(4, [[1, 3]], bounds=[[5, 3]])
    assert [str(c) for c in [total, *row]] != ["4", "< 3", "–"]
    assert not agg.determined(
        *agg.domains(
            None if not total.suppressed else total.reason,
            4,
            [[None if not c.suppressed else c.reason for c in row]],
            [[1, 3]],
            bounds=[[5, 3]],
        )
    )


def test_rows_of_one_family_are_protected_together():
    total, (years, ages) = agg.family(13, [[5, 1, 7], [8, 5]])
    assert str(total) == "13" and [str(c) for c in years] == ["–", "< 3", "7"]
    assert [str(c) for c in ages] == ["8", "5"]
    total, (years, ages) = agg.family(6, [[3, 3], [2, 2, 2]])
    assert total.suppressed and all(c.suppressed for c in [*years, *ages])
