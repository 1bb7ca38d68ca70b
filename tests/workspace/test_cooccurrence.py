"""Codes found together on the retrieval page: the counts, their suppression, consent and
access (``app.workspace.cooccurrence``)."""

from datetime import date

import pytest

from app.consent import services as consent
from app.consent.scopes import Scope
from app.core.db import db
from app.core.users import Role
from app.themes import aggregates
from app.workspace import cooccurrence, retrieval
from app.workspace import services as workspace
from tests.codebook.sample import a_code
from tests.releases.test_releases import release_all


@pytest.fixture
def together(coded):
    """Four interviews with research use and one the team may code only. Codes a and b
    overlap in three research interviews and in the team's; c is in two with a, one of
    them with b, on passages of its own."""
    anna, interviewer = coded["anna"], coded["interviewer"]
    releases = [coded["release"], coded["release2"]]
    for _ in range(2):
        _, transcript = coded["interview_with"]()
        releases.append(release_all(interviewer, transcript)[1])
    _, transcript = coded["interview_with"](scopes=(Scope.PARTICIPATION,))
    team_only = release_all(interviewer, transcript)[1]
    a, b, c = a_code(0), a_code(1), a_code(2)
    for release in [*releases[:3], team_only]:
        workspace.apply(anna if release is not team_only else coded["boss"], release, a.id, 0, 10)
        workspace.apply(coded["ben"] if release is not team_only else coded["boss"], release,
                        b.id, 5, 15)  # fmt: skip
    workspace.apply(anna, releases[3], a.id, 0, 10)
    for release in (releases[0], releases[3]):
        workspace.apply(anna, release, c.id, 20, 30)
    db.session.commit()
    return {**coded, "releases": releases, "team_only": team_only, "a": a, "b": b, "c": c}


def _cells(found, within):
    return [[str(cell) for cell in row] for row in found.matrices[within]]


def test_counts_match_the_themes_rules_and_are_suppressed(together):
    anna, a, b, c = together["anna"], together["a"], together["b"], together["c"]
    ids = [a.id, b.id, c.id]
    release_ids = [r.id for r in together["releases"]]
    assert cooccurrence._in_interviews(release_ids, ids) == {
        (a.id, b.id): 3, (a.id, c.id): 2, (b.id, c.id): 1,
    }  # fmt: skip
    assert cooccurrence._in_passages(release_ids, ids) == {(a.id, b.id): 3}
    # the same numbers the themes page counts by code, on the same interviews
    scope = aggregates.Scope(path="research.count")
    raw = aggregates.cooccurrence(scope, "code", "passage")
    assert {k: v for k, v in raw.items() if set(k) <= set(ids)} == {(a.id, b.id): 3}
    raw = aggregates.cooccurrence(scope, "code", "interview")
    assert {k: v for k, v in raw.items() if set(k) <= set(ids)} == {
        (a.id, b.id): 3, (a.id, c.id): 2, (b.id, c.id): 1,
    }  # fmt: skip
    found = cooccurrence.together(anna, [a, b, c])
    assert _cells(found, "interview") == [["0", "3", "< 3"], ["3", "0", "< 3"],
                                          ["< 3", "< 3", "0"]]  # fmt: skip
    # c's passages overlap none, but beside "< 3" interviews even a 0 is hidden ("–")
    assert _cells(found, "passage") == [["0", "3", "–"], ["3", "0", "–"], ["–", "–", "0"]]
    assert found.drawable("interview") and found.drawable("passage")
    svg = found.chart("interview")
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and "&lt; 3" in svg
    # a matrix of hidden and zero counts only is not drawn
    assert not cooccurrence.together(anna, [b, c]).drawable("interview")


def test_the_result_chooses_the_codes_and_filters_change_no_count(together):
    anna, ben, a, b, c = (together[k] for k in ("anna", "ben", "a", "b", "c"))
    everything = retrieval.Query(code_id=a.id)
    found = cooccurrence.for_search(anna, everything, retrieval.passages(anna, everything))
    # the result's code, then the codes most often on its passages; c never overlaps a
    assert found.codes == [a, b]
    with_c = retrieval.Query(code_id=a.id, combine="not", other_id=c.id)
    shown = cooccurrence.for_search(anna, with_c, retrieval.passages(anna, with_c))
    assert shown.codes == [a, c, b]
    # a filtered search shows the counts of every year, coder and band: two searches
    # cannot be subtracted to find a hidden one
    by_ben = retrieval.Query(code_id=b.id, coder_id=ben.id, year=2026)
    filtered = cooccurrence.for_search(anna, by_ben, retrieval.passages(anna, by_ben))
    assert filtered.codes == [b, a]
    assert _cells(filtered, "interview") == [["0", "3"], ["3", "0"]]
    # a category counts through the codes its passages carry, never as a sum of them
    category = retrieval.Query(code_id=a.parent_id)
    assert a.parent_id not in [c.id for c in cooccurrence.for_search(
        anna, category, retrieval.passages(anna, category)).codes]  # fmt: skip
    empty = retrieval.Query(code_id=a.id, year=2001)
    assert cooccurrence.for_search(anna, empty, []).codes == []


def test_consent_decides_what_is_counted(together):
    anna, boss, a, b = together["anna"], together["boss"], together["a"], together["b"]
    # the team's own interview counts for the coordinator, not for a research partner
    assert _cells(cooccurrence.together(boss, [a, b]), "interview")[0][1] == "4"
    assert _cells(cooccurrence.together(boss, [a, b]), "passage")[0][1] == "4"
    assert _cells(cooccurrence.together(anna, [a, b]), "interview")[0][1] == "3"
    # withdrawing research use takes an interview out of a researcher's counts at once
    consent.withdraw(together["interviewer"], together["releases"][2].interview,
                     scopes=[Scope.RESEARCH_USE], giver="young_person",
                     withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
    db.session.commit()
    assert _cells(cooccurrence.together(anna, [a, b]), "interview")[0][1] == "< 3"
    # the passages beside "< 3" interviews are hidden with them (not "< 3": not small)
    assert _cells(cooccurrence.together(anna, [a, b]), "passage")[0][1] == "–"
    assert _cells(cooccurrence.together(boss, [a, b]), "interview")[0][1] == "4"


def test_the_page_and_its_charts(together, client, auth, make_user):
    a, b = together["a"], together["b"]
    auth.login(user=together["anna"])
    html = client.get("/coding/retrieve", query_string={"code": a.id}).get_data(as_text=True)
    assert 'data-together="interview"' in html and 'data-together="passage"' in html
    table = html.split('data-together="interview"', 1)[1].split("</table>", 1)[0]
    assert "<td>3</td>" in table
    # the passages beside "< 3" interviews are hidden, and the page says why, once per
    # chart (a heading, not a drawn title as well as a caption)
    assert "coded alike by several coders counts once" in html and "hatched grey" in html
    assert html.count("<figcaption") == 0 and html.count('<h3 id="together-') == 2
    # the second code's empty choice reads "(none)", not its value 0
    assert 'value="0">(none)</option>' in html
    assert f"/coding/retrieve/together.svg?within=interview&amp;code={a.id}&amp;code={b.id}" in (
        html
    )
    chart = client.get("/coding/retrieve/together.svg",
                       query_string={"within": "passage", "code": [a.id, b.id]})  # fmt: skip
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    svg = chart.get_data(as_text=True)
    assert 'role="img"' in svg and "<pattern" not in svg  # a and b: nothing hidden
    three = {"within": "interview", "code": [a.id, b.id, together["c"].id]}
    hidden = client.get("/coding/retrieve/together.svg", query_string=three)
    assert "<pattern" in hidden.get_data(as_text=True)  # "< 3": grey, hatched, in the legend
    assert "Hatched grey: hidden" in hidden.get_data(as_text=True)
    for bad in ({"within": "passage", "code": [b.id, together["c"].id]},  # nothing to draw
                {"within": "passage", "code": ["x"]}, {"within": "year", "code": [a.id]},
                {"within": "passage", "code": [2**70, a.id]}, {"within": "passage"},
                {"within": "passage", "code": [424242, a.id]}):  # fmt: skip
        assert client.get("/coding/retrieve/together.svg", query_string=bad).status_code == 404
    # in Swedish and Danish, with the themes page's words where they are the same
    for language, heading, desc, none in [
        ("sv", "Koder som förekommer tillsammans", "En matris med 2", "(ingen)"),
        ("da", "Koder, der optræder sammen", "En matrix med 2", "(ingen)"),
    ]:
        together["anna"].language = language
        db.session.commit()
        auth.login(user=together["anna"])
        html = client.get("/coding/retrieve", query_string={"code": a.id}).get_data(as_text=True)
        assert heading in html and desc in html
        assert f'value="0">{none}</option>' in html


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.REVIEW_MEMBER, Role.LEADER])
def test_only_coders_see_the_chart(together, client, auth, role):
    a, b = together["a"], together["b"]
    auth.login(role)
    chart = client.get("/coding/retrieve/together.svg",
                       query_string={"within": "interview", "code": [a.id, b.id]})  # fmt: skip
    assert chart.status_code in (302, 403)


def test_a_passage_coded_alike_by_several_coders_counts_once(together, make_user):
    """The walk-through's case: one passage in one interview, coded with the same two codes
    by three coders, showed 9 overlapping passages (3 x 3 copies) beside "< 3" interviews."""
    anna, ben, a, b = together["anna"], together["ben"], together["a"], together["b"]
    carl = make_user(roles=[Role.RESEARCHER], display_name="Carl Forskare")
    d, e = a_code(3), a_code(4)
    one = together["releases"][3]
    for coder in (anna, ben, carl):
        workspace.apply(coder, one, d.id, 0, 10)
        workspace.apply(coder, one, e.id, 5, 15)
    # the same codings again where a and b already overlap in three interviews
    first = together["releases"][0]
    workspace.apply(ben, first, a.id, 0, 10)
    workspace.apply(carl, first, a.id, 0, 10)
    workspace.apply(anna, first, b.id, 5, 15)
    db.session.commit()
    release_ids = [r.id for r in together["releases"]]
    assert cooccurrence._in_passages(release_ids, [d.id, e.id]) == {(d.id, e.id): 1}
    assert cooccurrence._in_passages(release_ids, [a.id, b.id]) == {(a.id, b.id): 3}
    found = cooccurrence.together(anna, [d, e])
    assert _cells(found, "interview")[0][1] == "< 3"
    # a count of passages never shows what the count of interviews hides: not "9", and not
    # "< 3" either (that would say which side of 3 it is); hidden as a secondary cell
    passage = found.matrices["passage"][0][1]
    assert passage.suppressed and passage.secondary and str(passage) == "–"
    assert not found.drawable("passage")
    assert _cells(cooccurrence.together(anna, [a, b]), "passage")[0][1] == "3"


def test_a_passage_count_is_shown_only_beside_a_shown_interview_count(together):
    anna, a, b, c = together["anna"], together["a"], together["b"], together["c"]
    found = cooccurrence.together(anna, [a, b, c])
    interviews, passages = found.matrices["interview"], found.matrices["passage"]
    for i, row in enumerate(passages):
        for j, cell in enumerate(row):
            if i != j and interviews[i][j].suppressed:
                assert cell.suppressed, (i, j)
    # the chart of one matrix (the route asks for one) hides the same cells
    alone = cooccurrence.together(anna, [a, b, c], ("passage",))
    assert _cells(alone, "passage") == _cells(found, "passage")


def test_a_union_of_codes_does_not_give_away_a_hidden_pair_of_codes(together):
    """A researcher makes themes {a} and {b, c}: "T1 with T2" (4) less "a with b" (3) on
    the retrieval page would tell that exactly one interview holds a and c without b,
    which "a with c" hides as "< 3". The theme cell is hidden instead."""
    from app.themes import aggregates, views
    from app.themes import services as themes

    anna, a, b, c = together["anna"], together["a"], together["b"], together["c"]
    themes.save_theme(anna, None, name="T1", description="", formed_year=2025,
                      revised_year=None, code_ids=[a.id])  # fmt: skip
    themes.save_theme(anna, None, name="T2", description="", formed_year=2025,
                      revised_year=None, code_ids=[b.id, c.id])  # fmt: skip
    db.session.commit()
    scope = aggregates.Scope(path="research.count")
    raw = aggregates.cooccurrence(scope, "theme", "interview")
    by_code = aggregates.cooccurrence(scope, "code", "interview")
    low, high = sorted((a.id, b.id))
    assert list(raw.values()) == [4] and by_code[(low, high)] == 3
    view = views.overview(anna, scope)
    cell = view.together[0][1]
    assert cell.suppressed and cell.secondary and str(view.together[1][0]) == "–"
    assert view.passages[0][1].suppressed
