"""Logging in and out, passwords and language preference."""

from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.core import audit
from app.core.db import db, utcnow
from app.core.passwords import hash_password, needs_rehash, policy_problems, verify_password
from app.core.users import User


class LoginOutcome(StrEnum):
    OK = "ok"
    #: a wrong password, an unknown user name, or a locked account: one answer for all three
    INVALID = "invalid"
    INACTIVE = "inactive"
    #: the password was right; the login completes once a second-factor code is right too
    SECOND_FACTOR = "second_factor"


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None


def authenticate(username: str, password: str, *, lock_after: int, lock_minutes: int):
    """Check a login attempt, count failures, lock after too many; audit every outcome.

    A locked account answers INVALID whatever the password, as an unknown user name does,
    so the lock can be used neither to test passwords nor to find which user names exist;
    a wrong password during the lock counts as a failure like any other (and may lock the
    account again), a right one changes nothing.
    """
    now = utcnow()
    user = User.by_username(username)
    correct = verify_password(user.password_hash if user else None, password)
    if user is None:
        # The typed name is not logged: people type passwords into the name field.
        audit.record(None, "auth.login_failed", reason="unknown_user")
        return LoginResult(LoginOutcome.INVALID)
    if user.is_locked(now):
        locked = False if correct else count_failure(user, now, lock_after, lock_minutes)
        audit.record(user, "auth.login_refused", "user", user.id, reason="locked", locked=locked)
        return LoginResult(LoginOutcome.INVALID, user)
    if not correct:
        locked = count_failure(user, now, lock_after, lock_minutes)
        audit.record(user, "auth.login_failed", "user", user.id, locked=locked)
        return LoginResult(LoginOutcome.INVALID, user)
    if not user.active:
        audit.record(user, "auth.login_refused", "user", user.id, reason="deactivated")
        return LoginResult(LoginOutcome.INACTIVE, user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.two_factor_enabled:
        # The failure count stays until the code is right too: wrong codes count toward the
        # same lock, and a right password must not wipe them.
        audit.record(user, "auth.password_accepted", "user", user.id)
        return LoginResult(LoginOutcome.SECOND_FACTOR, user)
    user.register_login(now)
    audit.record(user, "auth.login", "user", user.id)
    return LoginResult(LoginOutcome.OK, user)


def count_failure(user: User, now, lock_after: int, lock_minutes: int) -> bool:
    """Add one failure in the database itself, so parallel attempts cannot undercount."""
    failures = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    db.session.refresh(user)
    if failures >= lock_after:
        user.lock(now, lock_minutes)
        return True
    return False


def check_own_password(user: User, password: str, refused_action: str) -> bool:
    """The password typed again on the account pages (a change to the login itself).

    A wrong one counts toward the lock as a failed login does, so an unattended session
    cannot be used to guess the password; when that locks the account, every session of the
    user ends. While the account is locked nothing is checked at all. Refusals are audited
    as ``refused_action``.
    """
    now = utcnow()
    if user.is_locked(now):
        audit.record(user, refused_action, "user", user.id, locked=True)
        return False
    if verify_password(user.password_hash, password):
        return True
    settings = current_app.config
    locked = count_failure(user, now, settings["LOGIN_LOCK_AFTER"], settings["LOGIN_LOCK_MINUTES"])
    if locked:
        user.invalidate_sessions()
    audit.record(user, refused_action, "user", user.id, locked=locked)
    return False


class PasswordRejected(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def checked_hash(user: User, password: str) -> str:
    """The hash of a password that passes the policy for this user; PasswordRejected if not."""
    problems = policy_problems(password, [user.username, user.display_name, user.email or ""])
    if problems:
        raise PasswordRejected(problems)
    return hash_password(password)


def set_password(user: User, new_password: str, *, actor: User) -> None:
    """Set a password that passes the policy; every older session of the user ends.

    A password set by someone else is temporary: the user must choose their own at the next
    login. One the user sets themselves ends that.
    """
    user.password_hash = checked_hash(user, new_password)
    user.invalidate_sessions()
    by_self = actor is not None and actor.id == user.id
    user.must_change_password = not by_self
    audit.record(actor, "user.password_set", "user", user.id, by_self=by_self)


def change_own_password(user: User, current: str, new_password: str) -> bool:
    """False if ``current`` is wrong (counted toward the lock); raises PasswordRejected for a
    weak new password.

    A temporary password (set by an administrator) cannot be kept as the new one.
    """
    if not check_own_password(user, current, "user.password_change_failed"):
        return False
    if user.must_change_password and new_password == current:
        raise PasswordRejected([_l("Choose a new password, not the one you were given.")])
    set_password(user, new_password, actor=user)
    return True


def set_language(user: User, language: str) -> None:
    user.language = language
