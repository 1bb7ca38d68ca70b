"""A goal's direction rows never give away by subtraction a small count that another row
hides, nor show a number that the themes pages hide (``app.goals.overlap``)."""

import pytest

from analysis import aggregation as agg
from app.core.db import db
from app.core.users import Role
from app.goals import evidence, overlap, services
from app.themes import services as themes
from app.themes.aggregates import Scope
from tests.goals.test_goals import goal_of
from tests.releases.test_releases import release_all
from tests.themes.test_themes import code, mark


def cells(row) -> list[str]:
    return [str(c) for c in [*row.cells, row.total]]


def row_for(leader, goal, direction="for"):
    return next(r for r in evidence.evidence(leader, goal).view.rows if r.key == direction)


@pytest.fixture
def leader(make_user):
    return make_user(roles=[Role.LEADER])


@pytest.fixture
def two_more(corpus, world):
    """The corpus with every interview in 2026 (A on 0-4, B on 0 and 1, C on 2) and two
    more interviews with B alone: A on 5, A or B on 7."""
    interviewer, interview_with = world
    corpus["releases"][4].year = 2026
    (_a, b, _c) = corpus["codes"]
    for _ in range(2):
        _, transcript = interview_with()
        release = release_all(interviewer, transcript)[1]
        mark(release, b.id, 10, 30, corpus["researcher"].id)
        corpus["releases"].append(release)
    db.session.commit()
    return corpus


def test_two_goals_nested_a_small_difference_apart_are_hidden(two_more, leader):
    # (A) goal 1 links A, goal 3 links A and B: 5 and 7 would tell that exactly 2
    # interviews hold B without A
    for theme in two_more["themes"]:
        themes.delete_theme(two_more["boss"], theme)
    (a, b, _c) = two_more["codes"]
    one, three = goal_of(leader, title="One"), goal_of(leader, title="Three")
    services.link(leader, one, direction="for", code=a)
    services.link(leader, three, direction="for", code=a)
    services.link(leader, three, direction="for", code=b)
    db.session.commit()
    first, third = row_for(leader, one), row_for(leader, three)
    assert cells(first) == ["–", "–"] and cells(third) == ["–", "–"]
    assert first.cells[0].secondary and first.cells[0].share is None
    assert third.passages == [None]
    assert evidence.evidence(leader, three).view.has_secondary


def test_a_goal_whose_codes_are_a_theme_shows_the_themes_row_the_other_yields(two_more, leader):
    (a, b, _c) = two_more["codes"]
    belonging = two_more["themes"][0]  # groups A alone
    one, three = goal_of(leader, title="One"), goal_of(leader, title="Three")
    services.link(leader, one, direction="for", code=a)
    services.link(leader, three, direction="for", theme=belonging)
    services.link(leader, three, direction="for", code=b)
    db.session.commit()
    overview = themes.overview(two_more["boss"], Scope(path="themes.count"), full=False)
    theme_row = next(r for r in overview.rows if r.key == belonging.id)
    first = row_for(leader, one)
    assert cells(first) == cells(theme_row) == ["5", "5"]
    assert [c.share for c in first.cells] == [c.share for c in theme_row.cells]
    assert cells(row_for(leader, three)) == ["–", "–"]


def test_a_code_the_theme_page_hides_is_hidden_on_the_goal_page(corpus, leader):
    # (B) theme T groups D and E: 5 in 2026, D on 3 and E on 2. The theme's page shows
    # D as "–" so that E cannot be worked out; a goal linking D alone must not show 3.
    releases = corpus["releases"]
    releases[4].year = 2026
    d, e = code("D"), code("E")
    for release in releases[:3]:
        mark(release, d.id, 0, 5, corpus["researcher"].id)
    for release in releases[3:]:
        mark(release, e.id, 0, 5, corpus["researcher"].id)
    boss = corpus["boss"]
    theme = themes.save_theme(boss, None, name="T", description="", formed_year=2024,
                              revised_year=None, code_ids=[d.id, e.id])  # fmt: skip
    db.session.commit()
    view = themes.overview(boss, Scope(path="themes.count"), full=False)
    assert cells(next(r for r in view.rows if r.key == theme.id)) == ["5", "5"]
    by_code = {r.key: cells(r) for r in themes.code_rows(boss, theme, view)}
    assert by_code[d.id][0] == "–" and by_code[e.id][0] == "< 3"
    goal = goal_of(leader)
    services.link(leader, goal, direction="for", code=d)
    db.session.commit()
    row = row_for(leader, goal)
    assert cells(row) == ["–", "–"] and row.cells[0].secondary


def test_a_difference_of_zero_still_shows(two_more, leader):
    # B lies inside A on the corpus's interviews: A and "A or C" are both 5
    for theme in two_more["themes"]:
        themes.delete_theme(two_more["boss"], theme)
    (a, _b, c) = two_more["codes"]
    one, two = goal_of(leader, title="One"), goal_of(leader, title="Two")
    services.link(leader, one, direction="for", code=a)
    services.link(leader, two, direction="for", code=a)
    services.link(leader, two, direction="for", code=c)
    db.session.commit()
    assert cells(row_for(leader, one)) == cells(row_for(leader, two)) == ["5", "5"]


def seen(codes, *values):
    return overlap.Seen(frozenset(codes), tuple(agg.cell(v) for v in values))


@pytest.mark.parametrize(
    ("there", "hidden"),
    [(5, False), (6, True), (7, True), (8, False), (20, False), (4, True), (2, False)],
)
def test_only_a_nested_count_one_or_two_apart_hides(there, hidden):
    mine = frozenset({1})
    assert overlap._gives_away(mine, 0, agg.Cell(5), [seen({1, 2}, there)]) is hidden
    # rows that are not nested tell nothing by subtraction
    assert not overlap._gives_away(mine, 0, agg.Cell(5), [seen({2, 3}, there)])


def test_the_same_codes_hidden_elsewhere_hide_the_cell_even_zero():
    mine = frozenset({1, 2})
    forced = overlap.Seen(mine, (agg.Cell(None, reason=agg.SECONDARY),))
    assert overlap._gives_away(mine, 0, agg.Cell(0), [forced])
    assert not overlap._gives_away(mine, 0, agg.Cell(0), [seen({1, 2}, 0)])


def test_a_goal_holding_two_themes_does_not_give_their_small_overlap_away(two_more, leader):
    # D on interviews 0-3, E on 3-6: both 4, one interview together ("< 3" on the themes
    # page). A goal linking both would show 7, so together = 4 + 4 - 7 = 1; 7 is 3 more
    # than either theme, so no nested row hides it.
    releases = two_more["releases"]
    d, e = code("D"), code("E")
    for release in releases[:4]:
        mark(release, d.id, 0, 5, two_more["researcher"].id)
    for release in releases[3:]:
        mark(release, e.id, 0, 5, two_more["researcher"].id)
    boss = two_more["boss"]
    for theme in two_more["themes"]:
        themes.delete_theme(boss, theme)
    first, second = (
        themes.save_theme(
            boss,
            None,
            name=name,
            description="",
            formed_year=2024,
            revised_year=None,
            code_ids=[c.id],
        )
        for name, c in (("Dee", d), ("Eee", e))
    )
    db.session.commit()
    view = themes.overview(boss, Scope(path="themes.count"))
    assert [cells(r) for r in view.rows] == [["4", "4"], ["4", "4"]]
    assert str(view.together[0][1]) == "< 3"
    goal = goal_of(leader)
    services.link(leader, goal, direction="for", theme=first)
    services.link(leader, goal, direction="for", theme=second)
    db.session.commit()
    assert cells(row_for(leader, goal)) == ["–", "–"]


def test_the_rows_a_goal_is_checked_against_are_worked_out_once_under_the_token(
    two_more, leader, monkeypatch
):
    from flask import current_app

    from app.core import cache
    from app.goals import leadership

    (a, b, c) = two_more["codes"]
    one, two = goal_of(leader, title="One"), goal_of(leader, title="Two")
    services.link(leader, one, direction="for", code=a)
    services.link(leader, two, direction="for", code=b)
    services.link(leader, two, direction="against", code=c)
    db.session.commit()
    scope, years = Scope(path="themes.count"), [2026]
    fresh = overlap._others(scope, years, [t for t in themes.themes() if t.codes],
                            {frozenset({a.id}), frozenset({b.id}), frozenset({c.id})})  # fmt: skip
    db.session.rollback()
    assert overlap.others(scope, years) == fresh  # counted and kept
    db.session.rollback()
    assert overlap.others(scope, years) == fresh  # read back as it was
    db.session.rollback()

    current_app.extensions.pop(cache._EXTENSION)  # nothing kept: the first view after a change
    worked = []
    counted = overlap._others
    monkeypatch.setattr(overlap, "_others", lambda *args: worked.append(1) or counted(*args))
    shown = leadership.leadership(leader)
    assert len(shown.goals) == 2 and len(worked) == 1  # not once per goal
    db.session.rollback()
    # a goal's links do not change the token: a new direction is checked against all the same
    services.link(leader, one, direction="against", code=b)
    services.link(leader, one, direction="against", code=c)
    db.session.commit()
    found = overlap.others(scope, years)
    assert frozenset({b.id, c.id}) in {s.codes for s in found.seen if not s.exact}


def test_the_sets_checked_against_are_counted_in_one_query_as_each_alone(two_more):
    """Every goal direction's codes counted together (a code may be in several sets) give
    what each set counted alone gives."""
    from app.goals import queries

    a, b, c = (x.id for x in two_more["codes"])
    sets = [frozenset({a}), frozenset({a, b}), frozenset({b, c}), frozenset({c})]
    scope = Scope(path="themes.count")
    together = queries.set_year_counts(scope, sets)
    for codes in sets:
        alone: dict = {}
        for year, _age, _care, n, _passages in queries._set_cells(scope, codes):
            alone[year] = alone.get(year, 0) + n
        assert together[codes] == alone, codes
    assert together[frozenset({a, b})] == {2026: 7}
    assert queries.set_year_counts(scope, []) == {}
