"""Evidence per goal: codes and themes linked for, against or neutrally; counted through the
themes page's consent path and suppressed as it suppresses; quotes for the coordinator only."""

from datetime import date

import pytest
from sqlalchemy import select

from app.consent import services as consent
from app.consent.scopes import Scope as ConsentScope
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.goals import evidence, services
from app.goals.models import GoalError
from app.themes import services as themes
from app.themes.aggregates import Scope
from tests.goals.test_goals import FIELDS


@pytest.fixture
def goal(corpus, make_user):
    leader = make_user(roles=[Role.LEADER])
    found = services.create_goal(leader, kind="team", **FIELDS)
    db.session.commit()
    return found, leader


def cells(row) -> list[str]:
    return [str(c) for c in [*row.cells, row.total]]


def test_a_code_never_speaks_both_for_and_against_one_goal(corpus, goal):
    found, leader = goal
    (a, b, c), (belonging, origins) = corpus["codes"], corpus["themes"]
    services.link(leader, found, direction="for", theme=belonging)  # belonging groups A
    with pytest.raises(GoalError, match=r"both for and against.*Belonging"):
        services.link(leader, found, direction="against", code=a)
    services.link(leader, found, direction="for", code=b)
    with pytest.raises(GoalError, match="“B” would speak both for and against"):
        services.link(leader, found, direction="against", theme=origins)  # origins groups B
    with pytest.raises(GoalError, match="already linked to this goal as “For”"):
        services.link(leader, found, direction="against", code=b)
    # neutral beside for is allowed, and so is against for a code nobody linked for
    services.link(leader, found, direction="neutral", code=a)
    services.link(leader, found, direction="against", code=c)
    db.session.commit()
    assert sorted(link.direction for link in found.links) == ["against", "for", "for", "neutral"]


def test_counts_are_the_themes_pages_counts_suppressed_the_same_way(corpus, goal):
    found, leader = goal
    belonging = corpus["themes"][0]
    (_a, _b, c) = corpus["codes"]
    services.link(leader, found, direction="for", theme=belonging)
    services.link(leader, found, direction="against", code=c)
    db.session.commit()
    shown = evidence.evidence(leader, found)
    overview = themes.overview(corpus["boss"], Scope(path="themes.count"), full=False)
    theme_row = next(r for r in overview.rows if r.key == belonging.id)
    rows = {row.key: row for row in shown.view.rows}
    assert cells(rows["for"]) == cells(theme_row)
    assert [c.share for c in rows["for"].cells] == [c.share for c in theme_row.cells]
    assert [str(c) for c in shown.view.coded] == [str(c) for c in overview.coded]
    # C is on one interview of 2026: small, hidden, and the year beside it too
    assert str(rows["against"].cells[1]) == "< 3"
    assert rows["against"].cells[1].share is None


def test_the_leader_sees_counts_and_no_quote_the_coordinator_sees_quotes(
    corpus, goal, client, auth
):
    found, leader = goal
    services.link(leader, found, direction="for", theme=corpus["themes"][0])
    corpus["releases"][4].year = 2026  # one year of five: a share that can be drawn
    db.session.commit()
    release = corpus["releases"][0]
    passage = release.text[0:20]
    auth.login(user=leader)
    page = client.get(f"/goals/{found.id}").get_data(as_text=True)
    assert '<td>5 <span class="muted">(100 %)</span>' in page
    assert "Quotes" not in page and passage not in page and "[Person 1]" not in page
    svg = client.get(f"/goals/{found.id}/trend.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "<title>A stable home: " in text and "<desc>" in text
    auth.logout()
    auth.login(user=corpus["boss"])
    page = client.get(f"/goals/{found.id}").get_data(as_text=True)
    assert "Quotes" in page and "“Hur var det att bo h”" in page


def test_quotes_leave_when_quotation_is_withdrawn(corpus, goal):
    found, leader = goal
    (a, _b, _c) = corpus["codes"]
    services.link(leader, found, direction="for", code=a)
    db.session.commit()
    boss = corpus["boss"]
    assert len(evidence.quotes(boss, found)["for"]) == 3
    # the audit names whose words were read, as a release read does
    db.session.flush()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "goal.quotes_read")
    ).one()
    quoted_releases = {r.id: r.interview_id for r in corpus["releases"]}
    assert len(entry.detail_dict["releases"]) == 3
    assert entry.detail_dict["interviews"] == sorted(
        quoted_releases[r] for r in entry.detail_dict["releases"]
    )
    for release in corpus["releases"][:4]:
        consent.withdraw(corpus["interviewer"], release.interview,
                         scopes=[ConsentScope.QUOTATION], giver="young_person",
                         withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
    db.session.commit()
    quoted = evidence.quotes(boss, found)["for"]
    assert len(quoted) == 1 and quoted[0]["year"] == 2025
    assert evidence.quotes(make_researcher_coordinator(boss), found) == {}


def make_researcher_coordinator(user):
    user.set_roles([Role.COORDINATOR, Role.RESEARCHER])
    db.session.flush()
    return user


def test_a_goal_without_links_has_no_evidence_yet_never_zero_percent(goal, client, auth):
    found, leader = goal
    shown = evidence.evidence(leader, found)
    assert not shown.linked and shown.view is None
    auth.login(user=leader)
    page = client.get(f"/goals/{found.id}").get_data(as_text=True)
    assert (
        "no evidence" in page and "%" not in page.split('id="evidence"')[1].split("</section>")[0]
    )
    assert client.get(f"/goals/{found.id}/trend.svg").status_code == 404


def test_the_link_page_refuses_a_clash_with_a_clear_message(corpus, goal, client, auth):
    found, leader = goal
    (a, _b, _c) = corpus["codes"]
    auth.login(user=leader)
    assert client.post(f"/goals/{found.id}/links",
                       data={"target": f"theme:{corpus['themes'][0].id}",
                             "direction": "for"}).status_code == 302  # fmt: skip
    answer = client.post(f"/goals/{found.id}/links", data={"target": f"code:{a.id}",
                                                           "direction": "against"},
                         follow_redirects=True)  # fmt: skip
    assert "would speak both for and against" in answer.get_data(as_text=True)
    assert [link.direction for link in found.links] == ["for"]


def test_the_page_and_its_chart_text_read_in_swedish(corpus, goal, client, auth):
    found, leader = goal
    services.link(leader, found, direction="for", theme=corpus["themes"][0])
    corpus["releases"][4].year = 2026
    db.session.commit()
    auth.login(user=leader)
    page = client.get(f"/goals/{found.id}", headers={"Accept-Language": "sv"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Vad intervjuerna säger" in text
    assert "För: högst 2026 (100 %)." in text
