"""A password set by an administrator is temporary: the user must choose their own first."""

from sqlalchemy import select

from app.admin import services
from app.auth.services import PasswordRejected, change_own_password
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role

TEMPORARY = "meadow-tinsel-orbit-19"
OWN = "harbour-violet-lantern-42"


def reset_by_admin(client, auth, user):
    auth.login(Role.ADMIN)
    response = client.post(
        f"/admin/users/{user.id}/password", data={"password": TEMPORARY, "confirm": TEMPORARY}
    )
    assert response.status_code == 302
    client.post("/logout")
    db.session.refresh(user)


def test_reset_sets_the_flag_and_own_change_clears_it(app, make_user):
    admin = make_user(roles=[Role.ADMIN])
    user = make_user()
    services.reset_password(admin, user, TEMPORARY)
    assert user.must_change_password
    try:
        change_own_password(user, TEMPORARY, TEMPORARY)
    except PasswordRejected as rejected:
        assert "not the one you were given" in str(rejected)
    else:
        raise AssertionError("the temporary password was accepted as the new one")
    assert change_own_password(user, TEMPORARY, OWN)
    assert not user.must_change_password
    details = [
        e.detail_dict
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.password_set")
        )
    ]
    assert details == [{"by_self": False}, {"by_self": True}]


def test_user_must_change_the_password_before_anything_else(app, client, auth, make_user):
    user = make_user(roles=[Role.COORDINATOR])
    reset_by_admin(client, auth, user)
    assert user.must_change_password
    login = client.post("/login", data={"username": user.username, "password": TEMPORARY})
    assert login.status_code == 302
    for path in ("/home", "/participants", "/participants/import", "/admin/users"):
        assert client.get(path).headers["Location"] == "/account", path
    assert client.post("/participants/new", data={}).headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "temporary password" in page
    assert "Two-factor login" not in page  # one thing at a time
    same = client.post(
        "/account",
        data={"current_password": TEMPORARY, "new_password": TEMPORARY, "confirm": TEMPORARY},
    )
    assert "not the one you were given" in same.get_data(as_text=True)
    assert client.get("/home").headers["Location"] == "/account"
    done = client.post(
        "/account", data={"current_password": TEMPORARY, "new_password": OWN, "confirm": OWN}
    )
    assert done.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password


def test_after_the_change_a_required_second_factor_comes_next(app_factory, make_user):
    app = app_factory(REQUIRE_2FA_ROLES=frozenset({Role.INTERVIEWER}))
    with app.app_context():
        admin = make_user(roles=[Role.ADMIN])
        user = make_user(roles=[Role.INTERVIEWER])
        services.reset_password(admin, user, TEMPORARY)
        db.session.commit()
        username = user.username
    client = app.test_client()
    client.post("/login", data={"username": username, "password": TEMPORARY})
    assert client.get("/home").headers["Location"] == "/account"
    client.post(
        "/account", data={"current_password": TEMPORARY, "new_password": OWN, "confirm": OWN}
    )
    assert client.get("/home").headers["Location"] == "/account/two-factor"
    assert client.post("/logout").headers["Location"] == "/login"  # logging out always works


def test_the_admin_page_says_the_password_is_temporary(client, auth, make_user):
    user = make_user()
    admin = auth.login(Role.ADMIN)
    services.reset_password(admin, user, TEMPORARY)
    db.session.commit()
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "has not yet replaced the temporary password" in page


def test_an_account_an_admin_creates_starts_with_a_password_change(app, make_user):
    admin = make_user(roles=[Role.ADMIN])
    user = services.create_user(
        actor=admin, username="nyanstalld", display_name="Ny Anställd",
        password="amber-falcon-thimble-73", roles=[Role.INTERVIEWER], email=None, language="sv",
    )  # fmt: skip
    assert user.must_change_password
