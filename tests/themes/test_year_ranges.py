"""Some years of the themes: cut from every year's view, never counted and suppressed on
their own, so that no range of years gives a hidden year's count away by subtraction."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

from app.themes import services as themes
from app.themes.aggregates import Scope
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)


def shown(row) -> list[str]:
    return [str(c) for c in [*row.cells, row.total]]


def test_a_range_of_years_shows_each_year_as_every_year_does(corpus):
    boss = corpus["boss"]
    every = themes.overview(boss, Scope(path="themes.count"))
    belonging = next(r for r in every.rows if r.label == "Belonging")
    assert every.years == [2025, 2026] and shown(belonging) == ["< 3", "–", "5"]
    # Counted on its own, 2026 showed 4: with "5 in all", 2025 was 5 - 4 = 1.
    part = themes.overview(boss, Scope(year_from=2026, year_to=2026, path="themes.count"))
    row = next(r for r in part.rows if r.label == "Belonging")
    assert part.years == [2026] and shown(row) == ["–", "–"]
    assert str(part.released) == "–" and part.bands == {} and part.together == []
    # a range of every year is the whole view
    same = themes.overview(boss, Scope(year_from=2020, year_to=2030, path="themes.count"))
    assert shown(next(r for r in same.rows if r.label == "Belonging")) == shown(belonging)
    assert str(same.released) == str(every.released)


def test_the_theme_page_and_its_codes_in_some_years(corpus, client, auth):
    boss, (belonging, _origins) = corpus["boss"], corpus["themes"]
    auth.login(user=boss)
    page = client.get("/themes/?start=2026&end=2026").get_data(as_text=True)
    assert "shown for all years only" in page and ">4<" not in page
    theme = client.get(f"/themes/{belonging.id}?start=2026&end=2026")
    assert theme.status_code == 200 and ">4<" not in theme.get_data(as_text=True)
    every = themes.overview(boss, Scope(path="themes.count"))
    part = themes.overview(boss, Scope(year_from=2026, path="themes.count"))
    rows = themes.code_rows(boss, belonging, part)
    whole = themes.code_rows(boss, belonging, every)
    assert [r.cells for r in rows] == [r.cells[1:] for r in whole]
