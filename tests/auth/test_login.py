import re
from datetime import timedelta

from app.core.audit_entry import AuditEntry
from app.core.db import db, utcnow
from app.core.users import Role
from tests.conftest import PASSWORD


def actions():
    return [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_login_and_logout(client, auth, make_user):
    user = make_user(roles=[Role.COORDINATOR])
    response = client.post("/login", data={"username": user.username.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302
    assert actions() == ["auth.login", "auth.logout"]


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/login", data={"username": user.username, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope-nope-nope"})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Wrong user name or password, or the account is locked" in response.get_data(
            as_text=True
        )
    assert actions() == ["auth.login_failed", "auth.login_failed"]
    db.session.refresh(user)
    assert user.failed_logins == 1


def test_account_locks_after_repeated_failures(app, client, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_LOCK_AFTER"]):
        client.post("/login", data={"username": user.username, "password": "wrong-password-x"})
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert "locked for 15 minutes" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    db.session.refresh(user)
    assert user.is_locked(utcnow())
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert (
        client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code
        == 302
    )


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user(active=False)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, auth, app):
    user = auth.login(Role.INTERVIEWER)
    assert client.get("/home").status_code == 200
    user.active = False
    user.invalidate_sessions()
    db.session.commit()
    assert client.get("/home").status_code == 302


def test_idle_session_expires(client, auth, app):
    auth.login(Role.INTERVIEWER)
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 5
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "session expired" in page
    assert client.get("/home").status_code == 302


def test_next_parameter_never_redirects_off_site(client, make_user):
    user = make_user()
    for target, expected in [
        ("/admin/users", "/admin/users"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/\\evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
    ]:
        response = client.post(
            "/login", data={"username": user.username, "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == expected, target
        client.post("/logout")


def test_session_cookie_flags(app, make_user):
    user = make_user()
    for base_url, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        response = client.post(
            "/login", data={"username": user.username, "password": PASSWORD}, base_url=base_url
        )
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_login_is_rate_limited(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_missing_csrf_token_is_refused_with_a_message(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        username = make_user().username
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)


def test_oversized_request_is_refused(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/login", data={"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)


def test_change_own_password(client, auth):
    user = auth.login(Role.REVIEW_MEMBER)
    weak = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "password123",
            "confirm": "password123",
        },
    )
    assert "at least 12 characters" in weak.get_data(as_text=True)
    wrong = client.post(
        "/account",
        data={
            "current_password": "not-it-at-all",
            "new_password": "orbit-cello-marsh-2026",
            "confirm": "orbit-cello-marsh-2026",
        },
    )
    assert "current password is wrong" in wrong.get_data(as_text=True)
    good = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "orbit-cello-marsh-2026",
            "confirm": "orbit-cello-marsh-2026",
        },
    )
    assert good.status_code == 302
    assert client.get("/home").status_code == 200  # this session continues
    other = auth.client.application.test_client()
    assert (
        other.post(
            "/login", data={"username": user.username, "password": "orbit-cello-marsh-2026"}
        ).status_code
        == 302
    )


def test_a_session_copied_before_logout_is_dead_after_it(app, client, auth):
    auth.login(Role.ADMIN)
    stolen = client.get_cookie("redthread_session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("redthread_session", stolen)
    assert thief.get("/admin/users").status_code == 302


def test_sessions_have_a_maximum_age(app, client, auth):
    auth.login(Role.INTERVIEWER)
    with client.session_transaction() as session:
        session["login_at"] -= app.config["SESSION_MAX_AGE"].total_seconds() + 5
    assert client.get("/home").status_code == 302


def _error(response) -> str:
    return re.search(r'class="form-errors".*?</div>', response.get_data(as_text=True), re.S).group(
        0
    )


def test_a_locked_account_answers_the_same_whatever_the_password(app, client, make_user):
    """The lock is no password oracle: the right password, a wrong one and a user name that
    does not exist get one and the same answer."""
    user = make_user()
    for _ in range(app.config["LOGIN_LOCK_AFTER"]):
        client.post("/login", data={"username": user.username, "password": "wrong-password-x"})
    right = client.post("/login", data={"username": user.username, "password": PASSWORD})
    wrong = client.post("/login", data={"username": user.username, "password": "still-wrong-xx"})
    unknown = client.post("/login", data={"username": "nobody", "password": "still-wrong-xx"})
    assert _error(right) == _error(wrong) == _error(unknown)
    assert "locked for 15 minutes" in _error(right)
    assert client.get("/home").status_code == 302


def test_failures_during_the_lock_count(app, client, make_user):
    user = make_user()
    lock_after = app.config["LOGIN_LOCK_AFTER"]
    for _ in range(lock_after):
        client.post("/login", data={"username": user.username, "password": "wrong-password-x"})
    db.session.refresh(user)
    first_until = user.locked_until
    for _ in range(lock_after - 1):
        client.post("/login", data={"username": user.username, "password": "wrong-password-x"})
    db.session.refresh(user)
    assert user.failed_logins == lock_after - 1
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    db.session.refresh(user)
    assert user.failed_logins == lock_after - 1  # the right password neither counts nor opens
    client.post("/login", data={"username": user.username, "password": "wrong-password-x"})
    db.session.refresh(user)
    assert user.locked_until >= first_until  # locked again, from now
    assert user.failed_logins == 0


def test_typed_user_names_are_not_logged(client):
    client.post("/login", data={"username": "MyS3cretPassw0rd!", "password": "x"})
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert "MyS3cret" not in entry.detail
