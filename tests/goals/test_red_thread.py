"""The red thread through the review: actions that name a goal or guideline, what the
interviews said about the goal before and after, and the group's evaluation per year."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import io
from datetime import date

import pytest

from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.goals import evaluations, evidence, services
from app.goals.models import GoalError
from app.goals.services import GoalConflict
from app.reviews import actions, agenda, packs, sessions
from app.reviews.refusals import ReviewError
from tests.goals.test_goals import FIELDS
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)


@pytest.fixture
def thread(corpus):
    boss, member = corpus["boss"], corpus["member"]
    goal = services.create_goal(boss, kind="team", **FIELDS)
    services.link(boss, goal, direction="for", theme=corpus["themes"][0])  # code A
    services.link(boss, goal, direction="against", code=corpus["codes"][2])  # code C
    guideline = services.save_guideline(
        boss, None, goal=goal, title="Visits", text="", owner="The unit", language="sv",
        adopted_on=date(2025, 3, 1), revised_on=None,
    )  # fmt: skip
    early = sessions.create_session(
        boss, title="Review 2023", year=2023, held_on=date(2023, 11, 20), scope_from=None,
        scope_to=None, members=[member, boss],
    )  # fmt: skip
    later = sessions.create_session(
        boss, title="Review 2026", year=2026, held_on=date(2026, 11, 20), scope_from=None,
        scope_to=None, members=[member, boss],
    )  # fmt: skip
    db.session.commit()
    return {**corpus, "goal": goal, "guideline": guideline, "early": early, "later": later}


def add(t, session, **served):
    return actions.add_action(t["boss"], session, what="Visit more", owner=t["member"],
                              due_on=date(session.held_on.year, 12, 31), **served)  # fmt: skip


def test_an_action_names_a_goal_or_guideline_in_force_and_keeps_it_when_retired(thread):
    t = thread
    by_guideline = add(t, t["early"], guideline_id=t["guideline"].id)
    assert (by_guideline.goal_id, by_guideline.guideline_id) == (t["goal"].id, t["guideline"].id)
    by_goal = add(t, t["early"], goal_id=t["goal"].id)
    services.retire_guideline(t["boss"], t["guideline"], date(2026, 1, 1))
    with pytest.raises(ReviewError, match="in force"):
        add(t, t["later"], guideline_id=t["guideline"].id)
    services.retire_goal(t["boss"], t["goal"], date(2026, 6, 1))
    with pytest.raises(ReviewError, match="in force"):
        add(t, t["later"], goal_id=t["goal"].id)
    with pytest.raises(ReviewError, match="in force"):
        add(t, t["later"], goal_id=999999)
    db.session.commit()
    db.session.expire_all()
    assert by_goal.goal.retired and by_goal.goal_id == t["goal"].id  # history keeps the link


def test_before_and_after_are_the_goal_pages_cells_and_never_a_sum_over_a_hidden_one(thread):
    t = thread
    early = add(t, t["early"], goal_id=t["goal"].id)  # due 2023: can show from 2025
    db.session.commit()
    page = evidence.evidence(t["boss"], t["goal"]).view
    shown = evaluations.action_evidence(t["boss"], early)
    assert (shown.before_until, shown.after_from) == (2022, 2025)
    assert shown.before.years == [] and shown.after.years == page.years == [2025, 2026]
    for row, (_label, cells, total) in zip(page.rows, shown.after.rows, strict=True):
        assert [str(c) for c in cells] == [str(c) for c in row.cells]
        # 2025 holds one interview: "< 3", so no sum over the window is shown
        assert any(c.suppressed for c in cells) and total is None
    table = dict((label, (before, after)) for label, before, after in shown.table())
    assert table["For"][0] == "no interviews yet"
    assert table["For"][1].startswith("2025: < 3, 2026:")
    late = add(t, t["later"], goal_id=t["goal"].id)  # due 2026: can show from 2028
    db.session.commit()
    shown = evaluations.action_evidence(t["boss"], late)
    assert shown.before.years == [2025] and shown.after.years == []
    assert all(after == "no interviews yet" for _l, _b, after in shown.table())
    assert evaluations.action_evidence(t["boss"], add(t, t["later"])) is None


def test_a_window_sums_only_shown_cells():
    from analysis import aggregation as agg

    window = evaluations.Window(years=[2024, 2025], coded=[agg.Cell(5), agg.Cell(6)])
    assert evaluations._sum([agg.Cell(3), agg.Cell(4)], agg.Cell(11)).n == 7
    assert evaluations._sum([agg.Cell(3), agg.Cell(None)], agg.Cell(11)) is None
    assert window.coded_sum.n == 11


def test_the_later_review_shows_the_goal_and_the_caveats(thread, client, auth):
    t = thread
    add(t, t["early"], goal_id=t["goal"].id)
    db.session.commit()
    auth.login(user=t["member"])
    page = client.get(f"/reviews/{t['later'].id}").get_data(as_text=True)
    assert "Serves the goal" in page and t["goal"].title in page
    assert "about 2 years later" in page and "numbers are small" in page
    assert "2025: &lt; 3" in page


def test_the_action_form_offers_goals_in_force_only(thread, client, auth):
    t = thread
    other = services.create_goal(t["boss"], kind="team", **{**FIELDS, "title": "Gone"})
    services.retire_goal(t["boss"], other, date(2026, 1, 1))
    db.session.commit()
    auth.login(user=t["boss"])
    page = client.get(f"/reviews/{t['later'].id}").get_data(as_text=True)
    assert f'value="goal:{t["goal"].id}"' in page and f'value="goal:{other.id}"' not in page
    assert f'value="guideline:{t["guideline"].id}"' in page
    answer = client.post(f"/reviews/{t['later'].id}/actions", data={
        "what": "Visit", "owner": t["member"].id, "due_on": "2026-12-31", "theme_id": 0,
        "serves": f"guideline:{t['guideline'].id}"})  # fmt: skip
    assert answer.status_code == 302
    db.session.expire_all()
    assert t["later"].actions[-1].goal_id == t["goal"].id
    client.post(f"/reviews/{t['later'].id}/actions", data={
        "what": "Visit", "owner": t["member"].id, "due_on": "2026-12-31", "theme_id": 0,
        "serves": f"goal:{other.id}"})  # fmt: skip
    db.session.expire_all()
    assert len(t["later"].actions) == 1


# --- evaluations -------------------------------------------------------------------------


def test_an_evaluation_keeps_its_history_and_refuses_a_silent_overwrite(thread):
    t = thread
    goal, member, boss = t["goal"], t["member"], t["boss"]
    first = evaluations.evaluate(member, goal, year=2026, version=0, verdict="partly",
                                 evidence="Most say an adult stayed")  # fmt: skip
    assert first.number == 1
    with pytest.raises(GoalConflict, match="while you were writing"):
        evaluations.evaluate(boss, goal, year=2026, version=0, verdict="met", evidence="All")
    # the same words twice (a double click) are no conflict
    again = evaluations.evaluate(member, goal, year=2026, version=0, verdict="partly",
                                 evidence="Most say an adult stayed")  # fmt: skip
    assert again.id == first.id
    second = evaluations.evaluate(boss, goal, year=2026, version=1, verdict="met", evidence="All")
    with pytest.raises(GoalConflict):
        evaluations.evaluate(member, goal, year=2026, version=1, verdict="not_met", evidence="x")
    db.session.commit()
    (found,) = evaluations.evaluations(goal)
    assert [v.verdict for v in found.versions] == ["partly", "met"] and found.current == second
    assert found.version == 2


def test_a_year_without_released_interviews_can_only_be_cannot_tell_yet(thread):
    t = thread
    with pytest.raises(GoalError, match="Cannot tell yet"):
        evaluations.evaluate(t["member"], t["goal"], year=2024, version=0, verdict="met",
                             evidence="We think so")  # fmt: skip
    saved = evaluations.evaluate(t["member"], t["goal"], year=2024, version=0,
                                 verdict="cannot_tell", evidence="")  # fmt: skip
    assert saved.verdict == "cannot_tell"
    with pytest.raises(GoalError, match="evidence"):
        evaluations.evaluate(t["member"], t["goal"], year=2025, version=0, verdict="met",
                             evidence=" ")  # fmt: skip
    with pytest.raises(GoalError, match="begun"):
        evaluations.evaluate(t["member"], t["goal"], year=2999, version=0,
                             verdict="cannot_tell", evidence="")  # fmt: skip
    with pytest.raises(GoalError, match="verdict"):
        evaluations.evaluate(t["member"], t["goal"], year=2025, version=0, verdict="maybe",
                             evidence="x")  # fmt: skip


def test_only_the_review_group_evaluates(thread, make_user):
    for role in (Role.LEADER, Role.INTERVIEWER, Role.RESEARCHER):
        with pytest.raises(PermissionDenied):
            evaluations.evaluate(make_user(roles=[role]), thread["goal"], year=2026, version=0,
                                 verdict="cannot_tell", evidence="")  # fmt: skip


def test_the_goal_page_keeps_the_writers_text_on_a_conflict(thread, client, auth):
    t = thread
    auth.login(user=t["member"])
    data = {"year": 2026, "verdict": "partly", "evidence": "Most say so", "version": "0"}
    assert client.post(f"/goals/{t['goal'].id}/evaluations", data=data).status_code == 302
    page = client.get(f"/goals/{t['goal'].id}").get_data(as_text=True)
    assert "2026: Partly met" in page and "Most say so" in page
    mine = {**data, "verdict": "met", "evidence": "My own words"}
    page = client.post(f"/goals/{t['goal'].id}/evaluations", data=mine).get_data(as_text=True)
    assert "while you were writing" in page and "My own words" in page
    assert 'name="version" type="hidden" value="1"' in page
    refused = {**data, "year": 2024, "verdict": "met"}
    page = client.post(f"/goals/{t['goal'].id}/evaluations", data=refused).get_data(as_text=True)
    assert "Cannot tell yet" in page
    auth.logout()
    auth.login(Role.LEADER)
    assert client.post(f"/goals/{t['goal'].id}/evaluations", data=data).status_code == 403
    page = client.get(f"/goals/{t['goal'].id}").get_data(as_text=True)
    assert "2026: Partly met" in page and "Save the evaluation" not in page


# --- the pack goes goal by goal ------------------------------------------------------------


def test_the_pack_has_a_section_per_goal_with_the_goal_pages_cells(thread, client, auth):
    import io

    from docx import Document

    from app.core import storage
    from app.goals.review import EVALUATIONS_SHOWN

    t = thread
    add(t, t["early"], goal_id=t["goal"].id)
    evaluations.evaluate(t["member"], t["goal"], year=2026, version=0, verdict="partly",
                         evidence="Most say an adult stayed")  # fmt: skip
    assert EVALUATIONS_SHOWN >= 1
    db.session.commit()
    assert "goals" in [item["kind"] for item in t["later"].agenda_items]
    pack = packs.start_pack(t["boss"], t["later"])
    db.session.commit()
    db.session.refresh(pack)
    assert pack.ready
    (section,) = pack.data["goals"]
    page = evidence.evidence(t["boss"], t["goal"]).view  # all years, as the session's scope
    assert section["years"] == page.years
    assert [r["cells"] for r in section["rows"]] == [[str(c) for c in r.cells] for r in page.rows]
    assert section["evaluations"][0]["verdict"] == "Partly met"
    assert [a["what"] for a in section["actions"]] == ["Visit more"]
    document = Document(io.BytesIO(b"".join(storage.open_plaintext(pack.docx_name))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Goal by goal" in text and t["goal"].title in text and "Partly met" in text
    auth.login(user=t["member"])
    html = client.get(f"/reviews/packs/{pack.id}").get_data(as_text=True)
    assert f'id="goal-{t["goal"].id}"' in html and "Most say an adult stayed" in html
    html = client.get(f"/reviews/{t['later'].id}").get_data(as_text=True)
    assert f"#goal-{t['goal'].id}" in html


def test_the_agenda_editor_lets_an_item_go_goal_by_goal(thread, client, auth):
    t = thread
    auth.login(user=t["boss"])
    page = client.get("/reviews/agenda?language=en").get_data(as_text=True)
    assert '<option selected value="goals">Goal by goal</option>' in page
    data = {"items-0-kind": "goals", "items-0-title": "Our goals", "items-0-guidance": ""}
    assert client.post("/reviews/agenda?language=en", data=data).status_code == 302
    assert agenda.agenda_template("en") == [{"kind": "goals", "title": "Our goals",
                                              "guidance": ""}]  # fmt: skip


def test_the_goal_page_lists_the_actions_that_serve_it_for_those_who_read_actions(
    thread, client, auth, make_user
):
    t = thread
    add(t, t["early"], goal_id=t["goal"].id)
    db.session.commit()
    for user, sees in ((t["member"], True), (make_user(roles=[Role.LEADER]), True),
                       (make_user(roles=[Role.INTERVIEWER]), False),
                       (make_user(roles=[Role.REVIEW_MEMBER]), False)):  # fmt: skip
        auth.login(user=user)
        page = client.get(f"/goals/{t['goal'].id}").get_data(as_text=True)
        assert ("Visit more" in page) is sees, user.roles
        assert ("2025: &lt; 3" in page) is sees
        auth.logout()


def test_the_minutes_name_the_goals_their_evaluations_and_the_actions_serving_them(thread):
    from docx import Document

    from app.reviews.minutes import minutes_docx

    t = thread
    goal, later = t["goal"], t["later"]
    add(t, later, guideline_id=t["guideline"].id)
    evaluations.evaluate(t["member"], goal, year=2026, version=0, verdict="partly",
                         evidence="Most say an adult stayed")  # fmt: skip
    db.session.commit()
    document = Document(io.BytesIO(minutes_docx(t["boss"], later)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Goal by goal" in text and goal.title in text
    assert "Evaluation 2026: Partly met – Most say an adult stayed" in text
    assert f"Visit more — {t['member'].display_name}, due" in text
    assert f"(serves: {goal.title} – Visits)" in text
    assert "Action: Visit more (Open, due" in text
    # an earlier session's minutes hold no later year's evaluation
    early = "\n".join(p.text for p in Document(io.BytesIO(minutes_docx(t["boss"], t["early"])))
                      .paragraphs)  # fmt: skip
    assert goal.title in early and "Evaluation 2026" not in early
