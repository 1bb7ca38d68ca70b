"""A theme's page shows the theme's row (years, total, and its age bands on the themes
page) and a row per code: together, no hidden count may be worked out.

The reader knows what ties the rows together: a code's count in a year is at most its
theme's (an interview coded with the code touches the theme), and a theme's is at most the
sum of its codes' (an interview touches the theme only through one of its codes). For a
theme of one code the two rows are the same numbers. The reader lists every filling of the
hidden cells that fits all of it, by brute force, and each hidden cell must keep more than
one possible value (or be known to be 0, which tells nobody anything). A code's cell hidden
because its theme's cell is hidden ("forced") may be anything from 0 up to what its mark
allows, and so may a code's "–" under a theme's shown count (it may hide a small count so
that the sum cannot pin another code's); any other mark reads as in
tests/analysis/test_aggregation.py.
"""

from itertools import product
from types import SimpleNamespace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis import aggregation as agg
from app.themes import code_rows, views

T = agg.THRESHOLD


def _domain(c: agg.Cell, family: list[agg.Cell], cap: int, forced: agg.Cell | None = None):
    if not c.suppressed:
        return range(c.n, c.n + 1)
    if forced is not None and forced.suppressed:
        return range(0, (T - 1 if not forced.secondary else cap) + 1)
    if forced is not None and c.secondary:
        # a code's "–" under a theme's shown count may be a small count hidden so that the
        # sum of the codes cannot pin another code's (a "–" of the family's own is at
        # least 3, but the reader cannot tell the two apart)
        return range(0, cap + 1)
    natural = [x for x in family]
    shows_number = any(not x.suppressed for x in natural)
    has_small = any(x.suppressed and not x.secondary for x in natural)
    if c.secondary:
        return range(T if has_small else 0, cap + 1)
    return range(1 if shows_number else 0, T)


def _capped(d: range, bound: int | None) -> range:
    return d if bound is None else range(d.start, min(d.stop, bound + 1))


def reader(theme, bands, codes, coded_bounds, cap):
    """{name: set of values} the reader holds possible for every hidden cell."""
    theme_family = [theme.total, *theme.cells, *bands]
    year_domains = [_capped(_domain(c, theme_family, cap), b)
                    for c, b in zip(theme.cells, coded_bounds, strict=True)]  # fmt: skip
    total_domain = set(_domain(theme.total, theme_family, cap))
    band_domains = [_domain(c, theme_family, cap) for c in bands]
    band_fits = {}  # theme total -> fillings of the bands
    for values in product(*band_domains):
        band_fits.setdefault(sum(values), []).append(values)
    seen: dict = {}

    def note(name, value):
        seen.setdefault(name, set()).add(value)

    for years in product(*year_domains):
        total = sum(years)
        if total not in total_domain or total not in band_fits:
            continue
        per_code = []
        for code in codes:
            family = [code.total, *code.cells]
            domains = [
                range(d.start, min(d.stop, t + 1))
                for d, t in zip(
                    (_domain(c, family, cap, f)
                     for c, f in zip(code.cells, theme.cells, strict=True)),
                    years, strict=True,
                )
            ]  # fmt: skip
            totals = set(_domain(code.total, family, cap, theme.total))
            per_code.append([v for v in product(*domains) if sum(v) in totals and sum(v) <= total])
        for filling in product(*per_code):
            if any(t > sum(code[y] for code in filling) for y, t in enumerate(years)):
                continue
            note("total", total)
            for y, t in enumerate(years):
                note(("year", y), t)
            for k, values in enumerate(filling):
                note(("code total", k), sum(values))
                for y, v in enumerate(values):
                    note(("code", k, y), v)
            for values in band_fits[total]:
                for b, v in enumerate(values):
                    note(("band", b), v)
    return seen


@st.composite
def theme_pages(draw):
    n_years, n_bands, n_codes = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
                                 draw(st.integers(1, 2)))  # fmt: skip
    interviews = draw(st.lists(st.tuples(st.integers(0, n_years - 1),
                                         st.integers(0, n_bands - 1),
                                         st.sets(st.integers(0, n_codes - 1), min_size=1)),
                               max_size=7))  # fmt: skip
    extra = draw(st.lists(st.integers(0, 3), min_size=n_years, max_size=n_years))
    return n_years, n_bands, n_codes, interviews, extra


@settings(max_examples=150, deadline=None)
@given(theme_pages())
# theme 4 in a year, codes A and B 2 each: "< 3" and "< 3" under a 4 could only be 2 and 2
@example((1, 1, 2, [(0, 0, {0}), (0, 0, {0}), (0, 0, {1}), (0, 0, {1})], [0]))
# theme 7, code A 5 and code B 2: "5" and "< 3" under a 7 tell that B is 2
@example((1, 1, 2, [(0, 0, {0})] * 5 + [(0, 0, {1})] * 2, [0]))
def test_no_hidden_count_of_a_theme_or_its_codes_can_be_worked_out(case):
    n_years, n_bands, n_codes, interviews, extra = case
    years = list(range(2025, 2025 + n_years))
    theme_year = [sum(1 for y, _b, _c in interviews if y == i) for i in range(n_years)]
    theme_band = [sum(1 for _y, b, _c in interviews if b == j) for j in range(n_bands)]
    code_year = [[sum(1 for y, _b, c in interviews if y == i and k in c) for i in range(n_years)]
                 for k in range(n_codes)]  # fmt: skip
    # a year is on the page only when it has coded interviews
    coded = {y: max(n + e, 1) for y, n, e in zip(years, theme_year, extra, strict=True)}
    coded_cells = [agg.cell(coded[y]) for y in years]
    unknown = agg.Cell(None, reason=agg.SECONDARY)  # bounds nothing
    names = [f"b{j}" for j in range(n_bands)]
    bands = {"age_band": (names, {"coded": {}, "touching": [
        (1, f"b{j}", n) for j, n in enumerate(theme_band)]})}  # fmt: skip
    counts = [(1, y, n, n) for y, n in zip(years, theme_year, strict=True)]
    (theme,), band_rows = views._families([(1, "T")], counts, years, coded, coded_cells, bands,
                                           {"age_band": [unknown] * n_bands}, unknown)  # fmt: skip
    view = SimpleNamespace(years=years, coded=coded_cells, coded_all=unknown, released=unknown,
                           rows=[theme])  # fmt: skip
    code_counts = [(10 + k, y, n, n) for k in range(n_codes)
                   for y, n in zip(years, code_year[k], strict=True)]  # fmt: skip
    codes = code_rows.code_families([(10 + k, f"C{k}") for k in range(n_codes)], code_counts,
                                  theme, view)  # fmt: skip
    band_cells = band_rows["age_band"][0]
    truth = {"total": sum(theme_year)}
    truth |= {("year", y): n for y, n in enumerate(theme_year)}
    truth |= {("band", b): n for b, n in enumerate(theme_band)}
    for k, values in enumerate(code_year):
        truth[("code total", k)] = sum(values)
        truth |= {(("code", k, y)): n for y, n in enumerate(values)}
    shown = {"total": theme.total}
    shown |= {("year", y): c for y, c in enumerate(theme.cells)}
    shown |= {("band", b): c for b, c in enumerate(band_cells)}
    for k, code in enumerate(codes):
        shown[("code total", k)] = code.total
        shown |= {("code", k, y): c for y, c in enumerate(code.cells)}
    for name, c in shown.items():  # what is shown is true
        assert c.suppressed or c.n == truth[name], name
        if c.suppressed and not c.secondary:
            assert truth[name] < T, name
    if not any(c.suppressed for c in shown.values()):
        return
    bounds = [agg.bound(c) for c in coded_cells]
    seen = reader(theme, band_cells, codes, bounds, cap=len(interviews) + T)
    page = {name: str(c) for name, c in shown.items()}
    for name, c in shown.items():
        if c.suppressed:
            assert truth[name] in seen[name], (name, page)
            # a hidden zero the reader can tell is zero (a code in a year its theme has
            # none) tells nobody anything
            assert len(seen[name]) > 1 or seen[name] == {0}, (name, page, truth)


def test_a_code_is_not_shown_where_its_theme_of_one_code_is_hidden():
    # three coded interviews in 2026, one in each of three age bands, all with code A: the
    # theme hides its year and total; code A's row showed "3", total "3" beside it
    years, coded = [2026], {2026: 3}
    names = ["15-17", "18-20", "21-24"]
    bands = {"age_band": (names, {"coded": dict.fromkeys(names, 1),
                                  "touching": [(1, b, 1) for b in names]})}  # fmt: skip
    released = agg.cell(3)
    coded_all, coded_cells, coded_bands = views._coded(years, coded, bands, released)
    (theme,), _ = views._families([(1, "T")], [(1, 2026, 3, 3)], years, coded, coded_cells,
                                   bands, coded_bands, coded_all, released)  # fmt: skip
    assert theme.total.suppressed and theme.cells[0].suppressed
    view = SimpleNamespace(years=years, coded=coded_cells, coded_all=coded_all,
                           released=released, rows=[theme])  # fmt: skip
    (code,) = code_rows.code_families([(10, "A")], [(10, 2026, 3, 3)], theme, view)
    assert code.cells[0].suppressed and code.total.suppressed and code.passages == [None]
    assert [str(c) for c in [*code.cells, code.total]] == [
        str(c) for c in [*theme.cells, theme.total]
    ]
