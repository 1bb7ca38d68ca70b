"""An administrator cannot give their own account a data role; another administrator can,
and the user page shows who gave which role when. A lock is shown and another administrator
can lift it."""

from datetime import timedelta

import pytest

from app.admin import services
from app.admin.services import SelfGrantError, SelfUnlockError
from app.core.audit_entry import AuditEntry
from app.core.db import db, utcnow
from app.core.users import Role
from tests.conftest import PASSWORD


def edit_form(user, roles):
    return {"display_name": user.display_name, "email": "", "roles": roles, "language": ""}


@pytest.mark.parametrize(
    "data_role",
    [Role.INTERVIEWER, Role.COORDINATOR, Role.RESEARCHER, Role.REVIEW_MEMBER, Role.LEADER],
)
def test_an_administrator_cannot_give_themselves_a_data_role(app, make_user, data_role):
    admin = make_user(roles=[Role.ADMIN])
    make_user(roles=[Role.ADMIN])
    with pytest.raises(SelfGrantError):
        services.update_user(admin, admin, display_name="A", email=None,
                             roles=[Role.ADMIN, data_role], language=None)  # fmt: skip
    db.session.rollback()
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMIN}


def test_the_page_refuses_it_too_and_changes_nothing(client, auth):
    admin = auth.login(Role.ADMIN)
    page = client.post(f"/admin/users/{admin.id}", data=edit_form(admin, ["admin", "coordinator"]))
    assert page.status_code == 200
    assert "another administrator must" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMIN}


def test_another_administrator_grants_it_and_the_user_page_says_who_and_when(
    client, auth, make_user
):
    colleague = make_user(roles=[Role.ADMIN], username="colleague")
    granter = auth.login(Role.ADMIN)
    answer = client.post(
        f"/admin/users/{colleague.id}", data=edit_form(colleague, ["admin", "coordinator"])
    )
    assert answer.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.ADMIN, Role.COORDINATOR}
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "user.update")
    ).one()
    assert entry.actor_name == granter.username
    history = services.role_history(colleague)
    assert [(c.by, c.added, c.removed) for c in history] == [
        (granter.username, [Role.COORDINATOR], [])
    ]
    page = client.get(f"/admin/users/{colleague.id}").get_data(as_text=True)
    assert "Role history" in page
    assert granter.username in page.split("Role history", 1)[1]


def test_an_administrator_may_drop_their_own_data_role(app, make_user):
    admin = make_user(roles=[Role.ADMIN, Role.COORDINATOR])
    services.update_user(admin, admin, display_name="A", email=None, roles=[Role.ADMIN],
                         language=None)  # fmt: skip
    assert admin.roles == {Role.ADMIN}


def lock(user):
    user.locked_until = utcnow() + timedelta(minutes=15)
    user.failed_logins = 0
    db.session.commit()


def test_the_user_page_shows_the_lock_and_another_administrator_lifts_it(
    app, client, auth, make_user
):
    locked = make_user(roles=[Role.INTERVIEWER])
    lock(locked)
    admin = auth.login(Role.ADMIN)
    page = client.get(f"/admin/users/{locked.id}").get_data(as_text=True)
    assert "The account is locked after too many failed logins until" in page
    assert f"/admin/users/{locked.id}/unlock" in page
    assert client.post(f"/admin/users/{locked.id}/unlock").status_code == 302
    db.session.refresh(locked)
    assert not locked.is_locked(utcnow())
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "user.unlock")
    ).one()
    assert (entry.actor_id, entry.object_id) == (admin.id, str(locked.id))
    assert (
        app.test_client()
        .post("/login", data={"username": locked.username, "password": PASSWORD})
        .status_code
        == 302
    )


def test_unlock_needs_a_post_with_a_csrf_token(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        locked = make_user(roles=[Role.INTERVIEWER])
        lock(locked)
        admin = make_user(roles=[Role.ADMIN])
        locked_id, admin_name = locked.id, admin.username
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    from tests.conftest import csrf_token

    client.post("/login", data={"username": admin_name, "password": PASSWORD,
                                "csrf_token": csrf_token(login)})  # fmt: skip
    assert client.get(f"/admin/users/{locked_id}/unlock").status_code == 405
    client.post(f"/admin/users/{locked_id}/unlock")
    with app.app_context():
        assert db.session.get(type(admin), locked_id).is_locked(utcnow())


def test_an_administrator_cannot_lift_their_own_lock(app, make_user):
    admin = make_user(roles=[Role.ADMIN])
    lock(admin)
    with pytest.raises(SelfUnlockError):
        services.unlock(admin, admin)
    assert admin.is_locked(utcnow())


def test_a_role_given_by_a_command_reads_as_the_system_in_the_readers_language(
    client, auth, make_user
):
    """A user made on the command line has no actor: the history says so in Swedish on a
    Swedish page, not the audit log's English token "system"."""
    made = services.create_user(actor=None, username="kim", display_name="Kim",
                                password=PASSWORD, roles=[Role.REVIEW_MEMBER])  # fmt: skip
    db.session.commit()
    auth.login(user=make_user(roles=[Role.ADMIN], language="sv"))
    page = client.get(f"/admin/users/{made.id}").get_data(as_text=True)
    history = page.split("Rollhistorik", 1)[1]
    assert "<td>systemet</td>" in history and "<td>system</td>" not in history
