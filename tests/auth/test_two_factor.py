"""Two-factor login: enrolment, the second login step, replay, recovery codes, lock, reset."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from app.auth import two_factor
from app.auth.models import RecoveryCode
from app.auth.two_factor import CodeOutcome, TwoFactorError
from app.core.audit_entry import AuditEntry
from app.core.db import db, utcnow
from app.core.users import Role, User
from tests.conftest import PASSWORD

LOCK = {"lock_after": 5, "lock_minutes": 15}


def actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def enrolling(state, user) -> str:
    """The secret of the enrolment in progress, from the session where it is sealed."""
    secret = two_factor.open_secret(user, state["totp_enrolling"])
    assert secret, "no enrolment secret for this user in the session"
    return secret


def code_at(user, when):
    return pyotp.TOTP(user.totp_secret).at(when)


@pytest.fixture
def enrolled(make_user):
    """Factory: a committed user with two-factor login on; returns (user, recovery codes)."""

    def make(**overrides):
        user = make_user(**overrides)
        secret = two_factor.pending_secret(user)
        # Confirmed with the previous step's code (the phone 30 s behind), so that the
        # current code is still unused for the login the test makes.
        earlier = pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=30))
        codes = two_factor.confirm_enrolment(user, secret, earlier, PASSWORD)
        db.session.commit()
        return user, codes

    return make


def log_in_with_password(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    return response


# --- services -------------------------------------------------------------------------------


def test_enrolment_needs_a_right_first_code(make_user):
    user = make_user()
    secret = two_factor.pending_secret(user)
    # a new secret for every enrolment, not kept on the user until it is confirmed
    assert secret != two_factor.pending_secret(user) and user.totp_secret is None
    right = pyotp.TOTP(secret).at(utcnow())
    with pytest.raises(TwoFactorError):
        two_factor.confirm_enrolment(user, secret, "000000" if right != "000000" else "1", PASSWORD)
    assert not user.two_factor_enabled
    codes = two_factor.confirm_enrolment(user, secret, right, PASSWORD)
    db.session.commit()
    assert user.two_factor_enabled
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h for c in codes for h in stored)  # hashed
    assert actions()[-2:] == ["two_factor.enrol_failed", "two_factor.enrol"]
    with pytest.raises(TwoFactorError):
        two_factor.pending_secret(user)


def test_the_secret_is_stored_encrypted(enrolled):
    user, _codes = enrolled()
    raw = db.session.execute(
        text('SELECT totp_secret FROM "user" WHERE id = :id'), {"id": user.id}
    ).scalar_one()
    assert user.totp_secret not in raw
    assert raw.startswith("gAAAA")  # a Fernet token


def test_a_code_is_accepted_once_and_drift_is_tolerated(enrolled):
    user, _codes = enrolled()
    now = utcnow() + timedelta(minutes=5)

    def check(code):
        return two_factor.check_login_code(user, code, now=now, **LOCK).outcome

    behind = code_at(user, now - timedelta(seconds=30))  # the phone's clock is behind
    current = code_at(user, now)
    assert check(behind) is CodeOutcome.OK
    assert check(current) is CodeOutcome.OK
    assert check(current) is CodeOutcome.INVALID  # used already
    assert check(behind) is CodeOutcome.INVALID  # older than the last one used
    assert "two_factor.code_replayed" in actions()
    assert check(code_at(user, now + timedelta(minutes=3))) is CodeOutcome.INVALID
    assert check("12 34 5") is CodeOutcome.INVALID


def test_recovery_codes_work_once_each(enrolled):
    user, codes = enrolled()
    first = two_factor.check_login_code(user, codes[0].upper().replace("-", " "), **LOCK)
    assert (first.outcome, first.recovery, first.left) == (CodeOutcome.OK, True, 9)
    again = two_factor.check_login_code(user, codes[0], **LOCK)
    assert again.outcome is CodeOutcome.INVALID
    assert "two_factor.recovery_used" in actions()


def test_wrong_codes_count_toward_the_lock(enrolled):
    user, _codes = enrolled()
    wrong = "123456" if code_at(user, utcnow()) != "123456" else "654321"
    outcomes = [two_factor.check_login_code(user, wrong, **LOCK).outcome for _ in range(5)]
    assert outcomes == [CodeOutcome.INVALID] * 4 + [CodeOutcome.LOCKED]
    assert user.is_locked(utcnow())
    right = two_factor.check_login_code(user, code_at(user, utcnow()), **LOCK)
    assert right.outcome is CodeOutcome.LOCKED  # a locked account accepts nothing
    assert actions().count("two_factor.code_failed") == 5


def test_regenerate_and_disable_need_the_password(enrolled):
    user, codes = enrolled()
    with pytest.raises(TwoFactorError):
        two_factor.regenerate_recovery_codes(user, "not-the-password")
    new = two_factor.regenerate_recovery_codes(user, PASSWORD)
    assert set(new).isdisjoint(codes)
    old = two_factor.check_login_code(user, codes[1], **LOCK)
    assert old.outcome is CodeOutcome.INVALID
    with pytest.raises(TwoFactorError):
        two_factor.disable(user, "not-the-password")
    assert user.two_factor_enabled
    two_factor.disable(user, PASSWORD)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert {"two_factor.codes_refused", "two_factor.disable_refused", "two_factor.disable"} <= set(
        actions()
    )


# --- routes ---------------------------------------------------------------------------------


def test_login_takes_two_steps_and_the_first_reaches_nothing(client, enrolled):
    user, _codes = enrolled(roles=[Role.COORDINATOR])
    log_in_with_password(client, user)
    for path in ("/home", "/account", "/participants", "/admin/users"):
        response = client.get(path)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), path
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "auth.login" not in actions()
    page = client.get("/login/code")
    assert "6-digit code" in page.get_data(as_text=True)
    wrong = client.post("/login/code", data={"code": "12345x"})
    assert "not right" in wrong.get_data(as_text=True)
    response = client.post("/login/code", data={"code": code_at(user, utcnow())})
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    assert actions()[-1] == "auth.login"
    with client.session_transaction() as session:
        assert "two_factor_pending" not in session


def test_the_code_step_keeps_the_next_target_and_refuses_replay(app, client, enrolled):
    user, _codes = enrolled(roles=[Role.ADMIN])
    client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "next": "/admin/audit"},
    )
    code = code_at(user, utcnow())
    assert client.post("/login/code", data={"code": code}).headers["Location"] == "/admin/audit"
    client.post("/logout")
    other = app.test_client()
    log_in_with_password(other, user)
    replay = other.post("/login/code", data={"code": code})
    assert replay.status_code == 200
    assert "used already" in replay.get_data(as_text=True)
    assert other.get("/home").status_code == 302


def test_the_code_step_times_out_and_needs_the_password_first(client, enrolled):
    user, _codes = enrolled()
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login"
    log_in_with_password(client, user)
    with client.session_transaction() as session:
        pending = session["two_factor_pending"]
        session["two_factor_pending"] = {**pending, "at": pending["at"] - 301}
    response = client.post("/login/code", data={"code": code_at(user, utcnow())})
    assert response.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302


def test_a_forged_pending_session_for_another_user_is_useless(app, client, enrolled):
    victim, _codes = enrolled()
    with client.session_transaction() as session:
        session["two_factor_pending"] = {"user": victim.id, "version": 999, "at": 1e12}
    assert client.get("/login/code").headers["Location"] == "/login"


def test_wrong_codes_lock_the_account_through_the_page(app, client, enrolled):
    user, _codes = enrolled()
    log_in_with_password(client, user)
    for _ in range(app.config["LOGIN_LOCK_AFTER"] - 1):
        assert client.post("/login/code", data={"code": "000001"}).status_code == 200
    locked = client.post("/login/code", data={"code": "000001"})
    assert locked.headers["Location"] == "/login"
    assert "locked" in client.get("/login").get_data(as_text=True)
    # the right password no longer reaches the code step
    again = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert "locked for 15 minutes" in again.get_data(as_text=True)


def test_a_right_password_does_not_wipe_earlier_code_failures(app, client, enrolled):
    user, _codes = enrolled()
    for _ in range(app.config["LOGIN_LOCK_AFTER"] - 1):
        log_in_with_password(client, user)
        client.post("/login/code", data={"code": "000001"})
    log_in_with_password(client, user)
    client.post("/login/code", data={"code": "000001"})
    db.session.refresh(user)
    assert user.is_locked(utcnow())


def test_login_with_a_recovery_code_says_how_many_are_left(client, enrolled):
    user, codes = enrolled()
    log_in_with_password(client, user)
    response = client.post("/login/code", data={"code": codes[3]}, follow_redirects=True)
    assert "9 are left" in response.get_data(as_text=True)


def test_code_step_is_rate_limited(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.post("/login/code", data={"code": "1"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_enrolment_pages(client, auth):
    user = auth.login(Role.RESEARCHER)
    page = client.get("/account/two-factor").get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is None  # kept by this browser until confirmed
    with client.session_transaction() as state:
        secret = enrolling(state, user)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert spaced in page
    svg = page.split("<svg ", 1)[1].split("</svg>", 1)[0]
    assert 'class="qr"' in svg and "http" not in svg
    wrong = client.post("/account/two-factor", data={"code": "99999", "password": PASSWORD})
    assert "not right" in wrong.get_data(as_text=True)
    assert spaced in wrong.get_data(as_text=True)  # the same secret: the app need not change
    done = client.post(
        "/account/two-factor", data={"code": pyotp.TOTP(secret).at(utcnow()), "password": PASSWORD}
    )
    codes = re.findall(r"<code>([a-z2-9-]{14})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    db.session.refresh(user)
    assert user.two_factor_enabled
    assert client.get("/account/two-factor").headers["Location"] == "/account"
    account = client.get("/account").get_data(as_text=True)
    assert "10 unused recovery codes" in account
    refused = client.post("/account/two-factor/codes", data={"codes-password": "wrong-one-x"})
    assert refused.headers["Location"] == "/account"
    new = client.post("/account/two-factor/codes", data={"codes-password": PASSWORD})
    assert len(re.findall(r"<code>([a-z2-9-]{14})</code>", new.get_data(as_text=True))) == 10
    client.post("/account/two-factor/disable", data={"disable-password": "wrong-one-x"})
    db.session.refresh(user)
    assert user.two_factor_enabled
    client.post("/account/two-factor/disable", data={"disable-password": PASSWORD})
    db.session.refresh(user)
    assert not user.two_factor_enabled


def test_required_roles_must_enrol_before_anything_else(app_factory, make_user):
    app = app_factory(REQUIRE_2FA_ROLES=frozenset({Role.COORDINATOR}))
    with app.app_context():
        coordinator = make_user(roles=[Role.COORDINATOR])
        researcher = make_user(roles=[Role.RESEARCHER])
        names = (coordinator.username, researcher.username)
    client = app.test_client()
    client.post("/login", data={"username": names[0], "password": PASSWORD})
    for path in ("/home", "/participants", "/account", "/participants/import", "/no-such-page"):
        response = client.get(path)
        if path == "/no-such-page":
            assert response.status_code == 404
            continue
        assert response.headers["Location"] == "/account/two-factor", path
    assert client.post("/participants/new", data={}).headers["Location"] == ("/account/two-factor")
    page = client.get("/account/two-factor")
    assert "Set it up to continue" in page.get_data(as_text=True)
    with client.session_transaction() as state, app.app_context():
        code = pyotp.TOTP(enrolling(state, User.by_username(names[0]))).at(utcnow())
    client.post("/account/two-factor", data={"code": code, "password": PASSWORD})
    assert client.get("/home").status_code == 200
    # a role that is not required logs in with its password alone
    other = app.test_client()
    other.post("/login", data={"username": names[1], "password": PASSWORD})
    assert other.get("/home").status_code == 200


def test_admin_resets_a_lost_phone(app, client, auth, enrolled):
    user, _codes = enrolled(roles=[Role.INTERVIEWER])
    own = app.test_client()
    log_in_with_password(own, user)
    own.post("/login/code", data={"code": code_at(user, utcnow())})
    assert own.get("/home").status_code == 200
    auth.login(Role.ADMIN)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Reset two-factor login" in page
    response = client.post(f"/admin/users/{user.id}/two-factor")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert own.get("/home").status_code == 302  # the old session ended
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.object_id, entry.detail_dict) == (
        "two_factor.reset",
        str(user.id),
        {"was_enabled": True},
    )
    again = app.test_client()
    response = again.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/home"  # password only, until set up again


def test_only_an_admin_resets_two_factor(client, auth, enrolled):
    user, _codes = enrolled()
    auth.login(Role.COORDINATOR)
    assert client.post(f"/admin/users/{user.id}/two-factor").status_code == 403
    db.session.refresh(user)
    assert user.two_factor_enabled


def test_the_command_line_resets_the_only_admins_phone(runner, enrolled):
    admin, _codes = enrolled(roles=[Role.ADMIN])
    result = runner.invoke(args=["reset-two-factor", admin.username.upper()])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert not admin.two_factor_enabled
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_name) == ("two_factor.reset", "system")
    assert runner.invoke(args=["reset-two-factor", "nobody"]).exit_code != 0


def test_a_password_only_session_ends_when_the_owner_enrols(app, make_user):
    """Someone who knows only the password waits on the set-up page; the owner sets up
    their phone elsewhere: the waiting session gets nothing, and never saw the secret."""
    app.config["REQUIRE_2FA_ROLES"] = frozenset({Role.COORDINATOR})
    make_user(roles=[Role.COORDINATOR], username="owner")
    db.session.commit()
    intruder, owner = app.test_client(), app.test_client()
    for browser in (intruder, owner):
        browser.post("/login", data={"username": "owner", "password": PASSWORD})
        browser.get("/account/two-factor")
    with intruder.session_transaction() as state:
        copied = enrolling(state, User.by_username("owner"))
    with owner.session_transaction() as state:
        secret = enrolling(state, User.by_username("owner"))
    assert copied != secret
    owner.post(
        "/account/two-factor", data={"code": pyotp.TOTP(secret).at(utcnow()), "password": PASSWORD}
    )
    assert owner.get("/home").status_code == 200
    assert intruder.get("/home").headers["Location"].startswith("/login")


def test_the_enrolment_secret_is_not_readable_in_the_session_cookie(app, client, auth, make_user):
    """The cookie is signed, not encrypted: the secret in it is sealed, and a sealed secret
    opens for no other user and not after the user's sessions changed."""
    user = auth.login(Role.RESEARCHER)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code[^>]*>([A-Z2-7 ]{20,})</code>", page).group(1).replace(" ", "")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    payload = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in str(payload)
    assert secret not in cookie
    with client.session_transaction() as state:
        assert enrolling(state, user) == secret
        sealed = state["totp_enrolling"]
    assert two_factor.open_secret(make_user(roles=[Role.RESEARCHER]), sealed) is None
    user.invalidate_sessions()
    assert two_factor.open_secret(user, sealed) is None
    assert two_factor.open_secret(user, "not-a-token") is None
    assert two_factor.open_secret(user, None) is None


def test_a_recovery_code_is_spent_once(enrolled):
    user, _codes = enrolled()
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id))
    first = stored.first()
    assert two_factor._spend(first, utcnow()) is True
    assert two_factor._spend(first, utcnow()) is False  # a second login with it at once


def test_a_session_that_gave_no_code_has_no_access_once_two_factor_is_on(app, make_user):
    """Even a session the version check would let through (one made before the owner
    enrolled, with the version copied) needs the mark that it gave a code."""
    user = make_user(roles=[Role.RESEARCHER], username="owner2")
    db.session.commit()
    intruder = app.test_client()
    intruder.post("/login", data={"username": "owner2", "password": PASSWORD})
    assert intruder.get("/home").status_code == 200
    secret = pyotp.random_base32()
    two_factor.confirm_enrolment(user, secret, pyotp.TOTP(secret).at(utcnow()), PASSWORD)
    db.session.commit()
    with intruder.session_transaction() as state:
        state["_user_id"] = user.get_id()  # past the session-version check
        assert "second_factor" not in state
    response = intruder.get("/home")
    assert response.headers["Location"].startswith("/login")
    assert intruder.get("/account").headers["Location"].startswith("/login")


def test_the_code_step_and_enrolment_mark_the_session(client, auth, enrolled):
    user, _codes = enrolled()
    log_in_with_password(client, user)
    client.post("/login/code", data={"code": code_at(user, utcnow())})
    with client.session_transaction() as state:
        assert state["second_factor"] is True
    assert client.get("/home").status_code == 200
    client.post("/logout")
    other = auth.login(Role.RESEARCHER)
    client.get("/account/two-factor")
    with client.session_transaction() as state:
        secret = enrolling(state, other)
        state.pop("second_factor", None)
    client.post(
        "/account/two-factor", data={"code": pyotp.TOTP(secret).at(utcnow()), "password": PASSWORD}
    )
    db.session.refresh(other)
    assert other.two_factor_enabled
    with client.session_transaction() as state:
        assert state["second_factor"] is True
    assert client.get("/home").status_code == 200


def test_enrolment_needs_the_password(client, auth):
    """A session left open is not enough to bind the account to someone else's phone."""
    user = auth.login(Role.RESEARCHER)
    client.get("/account/two-factor")
    with client.session_transaction() as state:
        secret = enrolling(state, user)
    code = pyotp.TOTP(secret).at(utcnow())
    wrong = client.post("/account/two-factor", data={"code": code, "password": "not-it-at-all"})
    assert "The password is wrong." in wrong.get_data(as_text=True)
    missing = client.post("/account/two-factor", data={"code": code})
    assert missing.status_code == 200
    db.session.refresh(user)
    assert not user.two_factor_enabled
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "two_factor.enrol_refused")
    )


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account", {"current_password": "{wrong}", "new_password": "A new passphrase 2026",
                      "confirm": "A new passphrase 2026"}),
        ("/account/two-factor/codes", {"codes-password": "{wrong}"}),
        ("/account/two-factor/disable", {"disable-password": "{wrong}"}),
        ("/account/two-factor", {"code": "123456", "password": "{wrong}"}),
    ],
)  # fmt: skip
def test_wrong_passwords_on_account_pages_lock_the_account_and_end_the_session(
    app_factory, make_user, enrolled, path, data
):
    """Someone at an unattended session cannot guess the password on the account pages:
    each wrong one counts as a failed login, and the lock logs every session out."""
    app = app_factory(LOGIN_LOCK_AFTER=3)
    with app.app_context():
        if path == "/account/two-factor":
            user = make_user(roles=[Role.RESEARCHER])
        else:
            user, _codes = enrolled(roles=[Role.RESEARCHER])
        username, user_id = user.username, user.id
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    if path != "/account/two-factor" and client.get("/home").status_code != 200:
        with app.app_context():
            code = code_at(db.session.get(type(user), user_id), utcnow())
        client.post("/login/code", data={"code": code})
    assert client.get("/home").status_code == 200
    client.get("/account/two-factor")
    form = {key: value.replace("{wrong}", "not-the-password") for key, value in data.items()}
    answers = [client.post(path, data=form) for _ in range(3)]
    assert answers[-1].headers["Location"] == "/login"
    assert client.get("/home").headers["Location"].startswith("/login")
    with app.app_context():
        locked = db.session.get(type(user), user_id)
        assert locked.is_locked(utcnow())
    # the right password does not open a locked account
    client.post("/login", data={"username": username, "password": PASSWORD})
    assert client.get("/home").headers["Location"].startswith("/login")


def test_failed_logins_elsewhere_do_not_log_a_user_out_of_the_account_pages(app_factory, make_user):
    """Someone who fails logins on purpose locks the account against new logins; the
    owner's open session stays, and the account pages say it is locked."""
    app = app_factory(LOGIN_LOCK_AFTER=3)
    with app.app_context():
        username = make_user(roles=[Role.RESEARCHER]).username
    owner, stranger = app.test_client(), app.test_client()
    owner.post("/login", data={"username": username, "password": PASSWORD})
    for _ in range(3):
        stranger.post("/login", data={"username": username, "password": "guessing-wrong"})
    for path, data in (
        ("/account", {"current_password": PASSWORD, "new_password": "A new passphrase 2026",
                      "confirm": "A new passphrase 2026"}),
        ("/account/two-factor", {"code": "123456", "password": PASSWORD}),
        ("/account/two-factor/codes", {"codes-password": PASSWORD}),
    ):  # fmt: skip
        answer = owner.post(path, data=data, follow_redirects=True)
        assert "This account is locked" in answer.get_data(as_text=True), path
    assert owner.get("/home").status_code == 200
