"""The head of unit: the team's goals and aggregated figures, and nothing else."""

import pytest

from app.core.db import db
from app.core.permissions import RULES, can
from app.core.users import Role

#: every action the leader may perform; any other is refused
#: DESIGN: goals and guidelines; leadership information; case-review statuses (which name
#: nobody); a private calendar of their own.
LEADER_ACTIONS = {
    "home.view", "account.manage", "goals.view", "goals.edit", "leadership.view",
    "casereview.statuses", "calendar.manage",
}  # fmt: skip


def test_the_leader_gets_only_what_the_design_gives(make_user):
    leader = make_user(roles=[Role.LEADER])
    assert {action for action in RULES if can(leader, action)} == LEADER_ACTIONS


@pytest.mark.parametrize(
    ("role", "edits"),
    [(Role.INTERVIEWER, False), (Role.COORDINATOR, True), (Role.REVIEW_MEMBER, False),
     (Role.LEADER, True), (Role.RESEARCHER, None), (Role.ADMIN, None)],
)  # fmt: skip
def test_the_team_reads_the_goals_and_the_leader_and_coordinator_keep_them(make_user, role, edits):
    user = make_user(roles=[role])
    assert can(user, "goals.view") is (edits is not None)
    assert can(user, "goals.edit") is bool(edits)
    # quotes are released text: the coordinator's, never the head of unit's
    assert can(user, "goals.quotes") is (role == Role.COORDINATOR)


def test_the_leader_has_a_label_and_a_card_on_the_start_page(client, auth):
    auth.login(Role.LEADER)
    page = client.get("/home").get_data(as_text=True)
    assert "Head of unit" in page and "you see no names and no interview text" in page
    assert 'href="/goals/"' in page


def test_the_leader_reaches_no_identity_or_transcript_page(client, auth):
    auth.login(Role.LEADER)
    for path in ("/participants/", "/interviews/", "/themes/", "/reviews/", "/coding/",
                 "/releases/research", "/consent/"):  # fmt: skip
        assert client.get(path).status_code in (403, 404), path


def test_an_administrator_gives_another_user_the_leader_role(client, auth, make_user):
    colleague = make_user(roles=[Role.INTERVIEWER], username="chef")
    auth.login(Role.ADMIN)
    page = client.get(f"/admin/users/{colleague.id}").get_data(as_text=True)
    assert 'value="leader"' in page
    answer = client.post(
        f"/admin/users/{colleague.id}",
        data={"display_name": "Chef", "email": "", "roles": ["leader"], "language": ""},
    )
    assert answer.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.LEADER}
