"""Themes, their counts per year and together, small numbers suppressed, and the charts."""

from datetime import date

import pytest

from analysis import aggregation as agg
from app.codebook.models import Code
from app.consent import services as consent
from app.consent.scopes import Scope as ConsentScope
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.themes import aggregates, views
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.themes.services import ThemeError
from app.workspace.models import Coding, CodingRound
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)


def code(name: str, codable: bool = True) -> Code:
    found = Code(name=name, codable=codable)
    db.session.add(found)
    db.session.flush()
    return found


def mark(release, code_id: int, start: int, end: int, coder_id: int, **extra) -> Coding:
    coding = Coding(release_id=release.id, code_id=code_id, coder_id=coder_id,
                    start_offset=start, end_offset=end, **extra)  # fmt: skip
    db.session.add(coding)
    return coding


@pytest.fixture
def corpus(world, make_user):  # noqa: F811
    """Five released interviews: four in 2026 and one moved to 2025. Code A is on
    interviews 0-3 and 4, code B overlaps A on interviews 0 and 1, code C is alone on 2."""
    interviewer, interview_with = world
    releases = []
    for _ in range(5):
        _, transcript = interview_with()
        releases.append(release_all(interviewer, transcript)[1])
    releases[4].year = 2025
    boss = make_user(roles=[Role.COORDINATOR])
    researcher = make_user(roles=[Role.RESEARCHER])
    member = make_user(roles=[Role.REVIEW_MEMBER])
    a, b, c = code("A"), code("B"), code("C")
    for release in releases:
        mark(release, a.id, 0, 20, researcher.id)
    for release in releases[:2]:
        mark(release, b.id, 10, 30, researcher.id)
    mark(releases[2], c.id, 40, 50, researcher.id)
    t1 = themes.save_theme(boss, None, name="Belonging", description="Wanting to belong",
                           formed_year=2024, revised_year=None, code_ids=[a.id])  # fmt: skip
    t2 = themes.save_theme(boss, None, name="Origins", description="", formed_year=2024,
                           revised_year=2026, code_ids=[b.id, c.id])  # fmt: skip
    db.session.commit()
    return {"releases": releases, "boss": boss, "researcher": researcher, "member": member,
            "codes": (a, b, c), "themes": (t1, t2), "interviewer": interviewer}  # fmt: skip


def test_suppression_hides_small_counts_and_what_a_total_would_reveal():
    assert str(agg.cell(2)) == "< 3" and agg.cell(2).share is None
    assert str(agg.cell(0)) == "0" and str(agg.cell(3, 6)) == "3" and agg.cell(3, 6).share == 0.5
    row = agg.partition([2, 5, 7, 0], total=14)
    assert [c.suppressed for c in row] == [True, True, False, False]
    # two hidden ones and their sum (2) would tell that both are 1: a third goes too
    assert [c.suppressed for c in agg.partition([1, 1, 10], total=12)] == [True, True, True]
    assert [str(c) for c in agg.partition([1, 1, 10], total=12)] == ["< 3", "< 3", "–"]
    # 2 and 1 hidden with their sum 3 could be 1 + 2 or 2 + 1: nothing more needs to go
    assert [str(c) for c in agg.partition([2, 1, 7, 9], total=19)] == ["< 3", "< 3", "7", "9"]
    matrix = agg.symmetric([1, 2, 3], {(1, 2): 4, (2, 3): 1})
    assert str(matrix[0][1]) == str(matrix[1][0]) == "4" and matrix[1][2].suppressed


def test_a_year_whose_coded_interviews_all_touch_a_theme_does_not_pin_its_hidden_cell():
    # 2026: 3 coded interviews, all touching A; 2025: 1 of 5. "< 3 | – | 4" would read
    # "– is at least 3 and at most 2026's 3", so 2025 would be 4 - 3 = 1.
    coded = {2025: 5, 2026: 3}
    coded_all, coded_cells, _ = views._coded([2025, 2026], coded, {})
    assert [str(c) for c in [*coded_cells, coded_all]] == ["5", "3", "8"]
    counts = [(1, 2025, 1, 1), (1, 2026, 3, 3)]
    (row,), _ = views._families([(1, "A")], counts, [2025, 2026], coded, coded_cells, {}, {},
                                 coded_all)  # fmt: skip
    assert [str(c) for c in [*row.cells, row.total]] != ["< 3", "–", "4"]
    assert row.cells[0].suppressed and row.cells[1].suppressed and row.total.suppressed


def test_themes_are_checked_when_saved(corpus):
    boss, (a, _b, _c) = corpus["boss"], corpus["codes"]
    category = code("A category", codable=False)

    def save(**changes):
        values = dict(name="New", description="", formed_year=2025, revised_year=None,
                      code_ids=[a.id])  # fmt: skip
        values.update(changes)
        return themes.save_theme(boss, None, **values)

    with pytest.raises(ThemeError, match="needs a name"):
        save(name="  ")
    with pytest.raises(ThemeError, match="already a theme"):
        save(name="belonging")
    with pytest.raises(ThemeError, match="revised"):
        save(revised_year=2020)
    with pytest.raises(ThemeError, match="Only codes"):
        save(code_ids=[category.id])
    with pytest.raises(PermissionDenied):
        themes.save_theme(corpus["member"], None, name="X", description="", formed_year=2025,
                          revised_year=None, code_ids=[])  # fmt: skip
    empty = save(name="Nothing yet", code_ids=[])
    view = themes.overview(boss, Scope())
    assert "Nothing yet" in view.empty and empty.id not in {r.key for r in view.rows}


def test_counts_per_theme_and_year_come_from_the_database(corpus):
    t1, t2 = corpus["themes"]
    rows = {(k, y): (n, p) for k, y, n, p in aggregates.theme_year(Scope())}
    assert rows[(t1.id, 2026)] == (4, 4) and rows[(t1.id, 2025)] == (1, 1)
    assert rows[(t2.id, 2026)] == (3, 3)  # B on two interviews, C on a third
    assert aggregates.coded_per_year(Scope()) == {2025: 1, 2026: 4}
    view = themes.overview(corpus["boss"], Scope())
    belonging = next(r for r in view.rows if r.key == t1.id)
    assert view.years == [2025, 2026]
    # 1 and 4 beside a total of 5: the 4 would give the 1 away, so both are hidden, and the
    # 4 says that it is not small but hidden to protect the 1
    assert [str(c) for c in belonging.cells] == ["< 3", "–"] and belonging.has_secondary
    assert belonging.passages == [None, None] and str(belonging.total) == "5"
    assert belonging.total.share is None and [str(c) for c in view.coded] == ["< 3", "–"]
    assert str(view.coded_all) == "5" and view.has_secondary
    origins = next(r for r in view.rows if r.key == t2.id)
    # 3 of 2026's hidden coded interviews would tell how many there were: no share
    assert [str(c) for c in origins.cells] == ["0", "3"] and origins.cells[1].share is None
    # 2026 alone is cut from every year's view: its 4 stays hidden (shown, it gave the 1 away)
    wide = themes.overview(corpus["boss"], Scope(year_from=2026))
    assert [str(c) for c in next(r for r in wide.rows if r.key == t1.id).cells] == ["–"]


def test_cooccurrence_within_interviews_and_passages(corpus):
    t1, t2 = corpus["themes"]
    a, b, c = corpus["codes"]
    assert aggregates.cooccurrence(Scope(), "theme", "interview") == {(t1.id, t2.id): 3}
    assert aggregates.cooccurrence(Scope(), "theme", "passage") == {(t1.id, t2.id): 2}
    together = aggregates.cooccurrence(Scope(), "code", "interview")
    assert together == {(a.id, b.id): 2, (a.id, c.id): 1}
    assert aggregates.cooccurrence(Scope(), "code", "passage") == {(a.id, b.id): 2}
    view = themes.overview(corpus["boss"], Scope())
    # 3 together, but 5 touch Belonging: "3" would tell that 2 touch it without Origins
    assert [str(x) for x in view.together[0]] == ["0", "–"]
    assert view.passages[0][1].suppressed  # two pairs only


def test_blind_round_codings_do_not_count_until_settled(corpus):
    a = corpus["codes"][0]
    release = corpus["releases"][0]
    coding_round = CodingRound(name="Blind", releases=[release], coders=[corpus["researcher"]])
    db.session.add(coding_round)
    db.session.flush()
    mark(release, a.id, 100, 120, corpus["researcher"].id, round_id=coding_round.id)
    db.session.commit()
    rows = {(k, y): (n, p) for k, y, n, p in aggregates.per_year(Scope(), "code")}
    assert rows[(a.id, 2026)] == (4, 4)


def test_scope_by_period_and_newest_release_only(corpus):
    t1 = corpus["themes"][0]
    narrow = Scope(date(2026, 1, 1), date(2026, 12, 31))
    # the interviews were all conducted in 2026 (the 2025 stamp only moves the year column)
    assert aggregates.released_per_year(narrow) == {2025: 1, 2026: 4}
    assert aggregates.released_per_year(Scope(date(2027, 1, 1), None)) == {}
    rows = {(k, y): n for k, y, n, _ in aggregates.theme_year(Scope(None, date(2025, 1, 1)))}
    assert rows == {}
    assert (t1.id, 2026) in {(k, y) for k, y, _, _ in aggregates.theme_year(narrow)}


def test_breakdown_by_age_and_years_in_care_is_suppressed(corpus):
    view = themes.overview(corpus["boss"], Scope())
    names, rows = view.bands["age_band"]
    assert "25+" in names  # born 2000, interviewed 2026
    column = names.index("25+")
    assert str(rows[0][column]) == "5"
    care_names, care_rows = view.bands["care_band"]
    assert str(care_rows[0][care_names.index("5-9")]) == "5"  # 2015 to mid-2024


def test_withdrawal_of_participation_takes_the_interview_out_of_the_counts(corpus):
    t1 = corpus["themes"][0]
    interview = corpus["releases"][0].interview
    consent.withdraw(
        corpus["interviewer"], interview, scopes=[ConsentScope.PARTICIPATION],
        giver="young_person", withdrawn_on=date(2026, 11, 20), channel="phone",
    )  # fmt: skip
    db.session.commit()
    rows = {(k, y): n for k, y, n, _ in aggregates.theme_year(Scope())}
    assert rows[(t1.id, 2026)] == 3


def test_charts_are_svg_with_a_text_alternative(corpus):
    view = themes.overview(corpus["boss"], Scope())
    # no share can be shown (2026's coded interviews are hidden): the trends are not drawn,
    # nor the two pairs of overlapping passages
    assert not themes.drawable(view, "trends") and not themes.drawable(view, "passages")
    assert themes.describe(view, "trends") == str(themes.NOT_DRAWN)
    with pytest.raises(ValueError):
        themes.chart(view, "trends")
    # the one pair is hidden, nested 2 below Belonging's 5: nothing to draw
    assert not themes.drawable(view, "together")
    for name in ("years",):
        svg = themes.chart(view, name)
        text = themes.describe(view, name)
        assert svg.lstrip().startswith("<?xml") and "Counts under 3" in text
        assert "Belonging" in svg
    # every count of Belonging is hidden: the bar chart says so instead of leaving it out
    years = themes.chart(view, "years")
    assert "Not drawn, every count hidden: Belonging" in years
    assert "Not drawn, every count hidden: Belonging" in themes.describe(view, "years")
    assert "cannot be worked out" in themes.describe(view, "years")
    assert themes.chart(view, "years", fmt="png")[:4] == b"\x89PNG"


def test_pages_and_charts_for_each_role(corpus, client, auth):
    member = corpus["member"]
    client.post("/login", data={"username": member.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    assert client.get("/themes/").status_code == 403  # a member of no review session yet
    from app.reviews import sessions

    sessions.create_session(corpus["boss"], title="R", year=2026, held_on=date(2026, 12, 1),
                           scope_from=None, scope_to=None, members=[member])  # fmt: skip
    db.session.commit()
    page = client.get("/themes/").get_data(as_text=True)
    assert "Belonging" in page and "&lt; 3" in page and "New theme" not in page
    assert "cannot be worked out" in page and "–" in page
    assert "This chart is not drawn" in page  # the trends of hidden shares
    chart = client.get("/themes/charts/years.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    # opened on its own, the chart keeps matplotlib's styles and runs nothing
    policy = chart.headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "sandbox" in policy
    assert "default-src 'none'" in policy and "<style" in chart.get_data(as_text=True)
    assert client.get("/themes/charts/trends.svg").status_code == 404
    assert client.get("/themes/charts/nothing.svg").status_code == 404
    t1 = corpus["themes"][0]
    assert "Its codes per year" in client.get(f"/themes/{t1.id}").get_data(as_text=True)
    assert client.get("/themes/new").status_code == 403


def test_the_tally_follows_every_change_of_the_codings(corpus):
    from sqlalchemy import func, or_, select

    from app.themes.models import CodedRelease

    def tally():
        return {(t.code_id, t.release_id): t.passages
                for t in db.session.scalars(select(CodedRelease))}  # fmt: skip

    def recount():
        rows = db.session.execute(
            select(Coding.code_id, Coding.release_id, func.count())
            .where(or_(Coding.round_id.is_(None), Coding.consensus))
            .group_by(Coding.code_id, Coding.release_id)
        ).all()
        return {(c, r): n for c, r, n in rows}

    a, b, c = corpus["codes"]
    assert tally() == recount() and tally()[(a.id, corpus["releases"][0].id)] == 1
    db.session.execute(Coding.__table__.update().where(Coding.code_id == c.id)
                       .values(code_id=b.id))  # a merge moves codings  # fmt: skip
    extra = mark(corpus["releases"][3], a.id, 60, 70, corpus["researcher"].id)
    db.session.flush()
    assert tally() == recount() and tally()[(a.id, corpus["releases"][3].id)] == 2
    db.session.delete(extra)
    db.session.delete(corpus["releases"][1])
    db.session.commit()
    assert tally() == recount() and (b.id, corpus["releases"][1].id) not in tally()
