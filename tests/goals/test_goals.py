"""Goals keep their history; two people editing one goal never overwrite each other silently;
guidelines serve a goal; retiring keeps a goal readable."""

from datetime import date

import pytest

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.goals import queries, services
from app.goals.models import Goal, GoalError, Guideline
from app.goals.services import GoalConflict

FIELDS = dict(title="A stable home", result="Every young person has an adult who stays",
              term="long", work="We visit the family home every month", reason="Trust grows",
              language="sv", adopted_on=date(2025, 3, 1), revised_on=None)  # fmt: skip


def goal_of(actor, **changes) -> Goal:
    return services.create_goal(actor, kind="team", **{**FIELDS, **changes})


def test_editing_makes_a_new_version_and_keeps_the_history(make_user):
    leader = make_user(roles=[Role.LEADER])
    goal = goal_of(leader)
    saved = services.revise_goal(leader, goal, 1, **{**FIELDS, "title": "A home that lasts",
                                                     "revised_on": date(2026, 1, 10)})  # fmt: skip
    db.session.commit()
    assert saved.number == 2 and goal.version == 2
    assert [v.title for v in goal.versions] == ["A stable home", "A home that lasts"]
    assert goal.title == "A home that lasts" and goal.current.revised_on == date(2026, 1, 10)
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert "goal.create" in actions and "goal.revise" in actions


def test_the_second_of_two_editors_is_refused_not_lost(make_user):
    first, second = make_user(roles=[Role.LEADER]), make_user(roles=[Role.COORDINATOR])
    goal = goal_of(first)
    db.session.commit()
    services.revise_goal(first, goal, 1, **{**FIELDS, "title": "First editor's"})
    with pytest.raises(GoalConflict, match="while you were editing"):
        services.revise_goal(second, goal, 1, **{**FIELDS, "title": "Second editor's"})
    db.session.commit()
    assert [v.title for v in goal.versions] == ["A stable home", "First editor's"]
    # having seen the newer version, the second editor saves over it deliberately
    services.revise_goal(second, goal, 2, **{**FIELDS, "title": "Second editor's"})
    assert goal.version == 3 and goal.title == "Second editor's"


def test_the_same_words_saved_twice_are_no_conflict(make_user):
    leader = make_user(roles=[Role.LEADER])
    goal = goal_of(leader)
    again = {**FIELDS, "title": "Twice"}
    first = services.revise_goal(leader, goal, 1, **again)
    assert services.revise_goal(leader, goal, 1, **again).id == first.id
    assert goal.version == 2


def test_goals_are_checked_before_anything_changes(make_user):
    leader = make_user(roles=[Role.LEADER])
    with pytest.raises(GoalError, match="short or the long term"):
        goal_of(leader, term=None)
    with pytest.raises(GoalError, match="revised before"):
        goal_of(leader, revised_on=date(2020, 1, 1))
    with pytest.raises(GoalError, match="needs a title"):
        goal_of(leader, title=" ")
    # a municipal goal may leave the term open
    assert services.create_goal(leader, kind="municipal", **{**FIELDS, "term": None}).id
    with pytest.raises(PermissionDenied):
        goal_of(make_user(roles=[Role.INTERVIEWER]))


def test_a_retired_goal_stays_in_the_history_and_cannot_be_changed(make_user):
    leader = make_user(roles=[Role.LEADER])
    goal = goal_of(leader)
    services.retire_goal(leader, goal, date(2026, 6, 1))
    db.session.commit()
    assert goal not in queries.goals() and goal in queries.goals(retired=True)
    with pytest.raises(GoalError, match="retired"):
        services.revise_goal(leader, goal, 1, **FIELDS)
    with pytest.raises(GoalError, match="already retired"):
        services.retire_goal(leader, goal, date(2026, 6, 2))


def test_a_guideline_serves_a_goal_and_two_editors_do_not_overwrite(make_user):
    leader, boss = make_user(roles=[Role.LEADER]), make_user(roles=[Role.COORDINATOR])
    goal = services.create_goal(leader, kind="municipal", **{**FIELDS, "term": None})
    fields = dict(goal=goal, title="Visit monthly", text="At least once a month",
                  owner="Method supervisor", language="da", adopted_on=date(2025, 4, 1),
                  revised_on=None)  # fmt: skip
    guideline = services.save_guideline(leader, None, **fields)
    db.session.commit()
    assert queries.guidelines(goal) == [guideline]
    services.save_guideline(leader, guideline, 1, **{**fields, "owner": "Head of unit"})
    with pytest.raises(GoalConflict):
        services.save_guideline(boss, guideline, 1, **{**fields, "owner": "Someone else"})
    db.session.commit()
    assert db.session.get(Guideline, guideline.id).owner == "Head of unit"
    with pytest.raises(GoalError, match="owns"):
        services.save_guideline(leader, None, **{**fields, "owner": ""})
    services.retire_guideline(leader, guideline, date(2026, 1, 1))
    assert guideline.retired_on == date(2026, 1, 1)


def test_the_pages_create_edit_show_history_and_refuse_a_stale_save(client, auth):
    leader = auth.login(Role.LEADER)
    data = {"kind": "team", "title": "En stabil vuxen", "result": "Någon som stannar",
            "term": "long", "work": "", "reason": "", "language": "sv",
            "adopted_on": "2025-03-01", "revised_on": ""}  # fmt: skip
    answer = client.post("/goals/new", data=data)
    assert answer.status_code == 302
    goal = db.session.scalars(db.select(Goal)).one()
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "En stabil vuxen" in page and 'lang="sv"' in page
    assert "no evidence" in page and "0 %" not in page
    # someone else saves version 2 meanwhile
    services.revise_goal(leader, goal, 1, **{**FIELDS, "title": "Saved meanwhile"})
    db.session.commit()
    del data["kind"]  # the edit page does not offer it
    missing = client.post(f"/goals/{goal.id}/edit", data={**data, "title": "No version"})
    assert missing.status_code == 200 and db.session.get(Goal, goal.id).version == 2
    stale = client.post(f"/goals/{goal.id}/edit",
                        data={**data, "title": "Mine", "version": "1"})  # fmt: skip
    text = stale.get_data(as_text=True)
    assert stale.status_code == 200 and "while you were editing" in text
    assert "Saved meanwhile" in text and 'value="Mine"' in text
    assert 'name="version" type="hidden" value="2"' in text
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).title == "Saved meanwhile"
    again = client.post(f"/goals/{goal.id}/edit", data={**data, "title": "Mine", "version": "2"})
    assert again.status_code == 302
    history = client.get(f"/goals/{goal.id}/history").get_data(as_text=True)
    for title in ("En stabil vuxen", "Saved meanwhile", "Mine"):
        assert title in history


def test_a_guideline_page_saves_and_lists_it_under_its_goal(client, auth):
    leader = auth.login(Role.LEADER)
    goal = goal_of(leader)
    db.session.commit()
    answer = client.post("/goals/guidelines/new", data={
        "goal_id": goal.id, "title": "Monthly visits", "text": "", "owner": "The team",
        "language": "en", "adopted_on": "2025-05-01", "revised_on": "",
    })  # fmt: skip
    assert answer.status_code == 302
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Monthly visits" in page and "The team" in page
    index = client.get("/goals/").get_data(as_text=True)
    assert "Monthly visits" in index and "A stable home" in index


def test_a_new_guideline_page_offers_the_goal_it_came_from(client, auth):
    leader = auth.login(Role.LEADER)
    goal = goal_of(leader)
    db.session.commit()
    page = client.get(f"/goals/guidelines/new?goal={goal.id}").get_data(as_text=True)
    assert f'<option selected value="{goal.id}">' in page
    for odd in ("abc", "-1", "9" * 30):  # left out: the page opens with no goal chosen
        answer = client.get(f"/goals/guidelines/new?goal={odd}")
        assert answer.status_code == 200
        assert f'<option selected value="{goal.id}">' not in answer.get_data(as_text=True)


def test_the_pages_retire_a_goal_and_a_guideline(client, auth):
    leader = auth.login(Role.LEADER)
    goal = goal_of(leader)
    guideline = services.save_guideline(
        leader, None, goal=goal, title="Visits", text="", owner="The team", language="en",
        adopted_on=date(2025, 4, 1), revised_on=None,
    )  # fmt: skip
    db.session.commit()
    early = client.post(f"/goals/guidelines/{guideline.id}/retire",
                        data={"retired_on": "2020-01-01"}, follow_redirects=True)  # fmt: skip
    assert "cannot be retired before it was adopted" in early.get_data(as_text=True)
    assert client.post(f"/goals/guidelines/{guideline.id}/retire",
                       data={"retired_on": "2026-02-01"}).status_code == 302  # fmt: skip
    assert client.post(f"/goals/{goal.id}/retire",
                       data={"retired_on": "2026-03-01"}).status_code == 302  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).retired_on == date(2026, 3, 1)
    index = client.get("/goals/").get_data(as_text=True)
    assert "Retired goals" in index and "A stable home" in index
    assert "retired on 1 Mar 2026" in client.get(f"/goals/{goal.id}/history").get_data(as_text=True)


def test_goal_dates_are_written_in_the_readers_language(client, auth, make_user):
    """Every day on the goal pages in the one style of the reader's language, never ISO on
    a Danish page (the index, a goal with its guideline, and the history)."""
    leader = auth.login(user=make_user(roles=[Role.LEADER], language="da"))
    goal = goal_of(leader, revised_on=date(2025, 6, 2))
    services.save_guideline(
        leader, None, goal=goal, title="Visits", text="", owner="The team", language="da",
        adopted_on=date(2025, 4, 1), revised_on=None,
    )  # fmt: skip
    db.session.commit()
    for path in ("/goals/", f"/goals/{goal.id}", f"/goals/{goal.id}/history"):
        page = client.get(path).get_data(as_text=True)
        assert "1. mar. 2025" in page and "2. jun. 2025" in page, path
        assert "2025-03-01" not in page and "2025-06-02" not in page, path
    assert "1. apr. 2025" in client.get("/goals/").get_data(as_text=True)
