"""Two-factor login: TOTP codes from an authenticator app, and single-use recovery codes.

A code is accepted for the time step it belongs to and its two neighbours (clocks drift), and
only once: the last accepted step is stored, and a code of that step or an earlier one is
refused, so a code seen over someone's shoulder is useless after it was typed.
"""

import hmac
import io
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, select, update

from app.auth.models import RecoveryCode
from app.auth.services import check_own_password, count_failure
from app.core import audit
from app.core.crypto import DecryptionError, keyring
from app.core.db import db, utcnow
from app.core.passwords import hash_password, verify_password
from app.core.users import User

RECOVERY_CODES = 10
#: no 0/o, 1/l/i: codes are read off paper and typed by hand
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_DRIFT_STEPS = 1


class TwoFactorError(ValueError):
    """A two-factor change was refused; the message says why (translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def required_for(user: User, roles) -> bool:
    """Whether ``user`` holds one of ``roles``, the roles that must use two-factor login."""
    return bool(user.roles.intersection(roles))


def pending_secret(user: User) -> str:
    """A new secret for an enrolment; it is kept by the browser that enrols (in its session,
    sealed: ``seal_secret``) and stored on the user only when confirmed, so that nobody who
    merely knows the password can copy the secret before the real user sets up their phone."""
    if user.two_factor_enabled:
        raise TwoFactorError(_l("Two-factor login is already set up."))
    return pyotp.random_base32()


def seal_secret(user: User, secret: str) -> str:
    """The enrolment secret as the browser's session keeps it until it is confirmed.

    The session cookie is signed, not encrypted: anyone who sees the cookie (a proxy log, a
    shared computer's profile) could read a plain secret and make the user's codes. So it is
    encrypted with the data key, together with the user it belongs to and their session
    version, and opens only for that user and until their password or login changes.
    """
    payload = {"user": user.id, "version": user.session_version, "secret": secret}
    return keyring().encrypt(json.dumps(payload).encode()).decode("ascii")


def open_secret(user: User, sealed) -> str | None:
    """The secret ``seal_secret`` sealed for ``user``; None if it is missing, damaged, made
    under other keys, or belongs to another user or an older session version."""
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        payload = json.loads(keyring().decrypt(sealed.encode("ascii")))
    except (DecryptionError, UnicodeError, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("user") != user.id or payload.get("version") != user.session_version:
        return None
    secret = payload.get("secret")
    return secret if isinstance(secret, str) else None


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The URI as a QR code, an inline SVG drawn here (nothing is fetched from elsewhere)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=False, nl=False,
        svgclass="qr", title=title,
    )  # fmt: skip
    # segno escapes the title; the rest is drawn from the URI's bits only.
    return Markup(buffer.getvalue().decode("utf-8"))  # noqa: S704


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (of now and its neighbours) whose code is ``code``, else None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was; safe against races."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    ).rowcount
    db.session.refresh(user)
    return claimed == 1


def _new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of ``user`` with fresh ones; the plain codes, shown once."""
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return len(_unused_codes(user))


def _unused_codes(user: User) -> list[RecoveryCode]:
    return db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()


def confirm_enrolment(
    user: User, secret: str | None, code: str, password: str, now: datetime | None = None
) -> list[str]:
    """Switch two-factor login on with ``secret`` once the password and the first code from
    the app are right; every other session of the user ends (none of them gave a code).

    Returns the recovery codes (in plain text, to be shown once); TwoFactorError if the
    password or the code is wrong or no enrolment is in progress. Without the password, a
    session left open would let anyone bind the account to their own phone.
    """
    now = now or utcnow()
    if user.two_factor_enabled or not secret:
        raise TwoFactorError(_l("Start the set-up again: no set-up is in progress."))
    _check_password(user, password, "two_factor.enrol")
    step = _matching_step(secret, _normalise(code), now)
    if step is None:
        audit.record(user, "two_factor.enrol_failed", "user", user.id)
        raise TwoFactorError(
            _l("That code is not right. Check that the phone's clock is set automatically.")
        )
    user.totp_secret, user.totp_last_step, user.totp_enabled_at = secret, step, now
    user.invalidate_sessions()
    codes = _new_recovery_codes(user)
    audit.record(user, "two_factor.enrol", "user", user.id)
    return codes


class CodeOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass
class CodeResult:
    outcome: CodeOutcome
    #: a recovery code was spent (the user should know how many are left)
    recovery: bool = False
    left: int | None = None


def check_login_code(
    user: User, code: str, *, lock_after: int, lock_minutes: int, now: datetime | None = None
) -> CodeResult:
    """The second step of a login: a TOTP code or a recovery code.

    A wrong code counts as a failed login toward the lock, like a wrong password; a locked
    account accepts nothing. Every outcome is audited.
    """
    now = now or utcnow()
    if user.is_locked(now):
        audit.record(user, "auth.login_refused", "user", user.id, reason="locked")
        return CodeResult(CodeOutcome.LOCKED)
    typed = _normalise(code)
    result = None
    step = _matching_step(user.totp_secret, typed, now) if user.two_factor_enabled else None
    if step is not None:
        if _claim_step(user, step):
            result = CodeResult(CodeOutcome.OK)
        else:
            audit.record(user, "two_factor.code_replayed", "user", user.id)
    elif len(typed) == 12 and user.two_factor_enabled:
        for stored in _unused_codes(user):
            if verify_password(stored.code_hash, typed) and _spend(stored, now):
                left = recovery_codes_left(user)
                audit.record(user, "two_factor.recovery_used", "user", user.id, left=left)
                result = CodeResult(CodeOutcome.OK, recovery=True, left=left)
                break
    if result is None:
        locked = count_failure(user, now, lock_after, lock_minutes)
        audit.record(user, "two_factor.code_failed", "user", user.id, locked=locked)
        return CodeResult(CodeOutcome.LOCKED if locked else CodeOutcome.INVALID)
    user.register_login(now)
    audit.record(user, "auth.login", "user", user.id, second_factor=True)
    return result


def _spend(stored: RecoveryCode, now: datetime) -> bool:
    """Mark a recovery code used in one statement: of two logins with the same code at
    once, only one gets it."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(stored)
    return spent == 1


def _check_password(user: User, password: str, action: str) -> None:
    if not check_own_password(user, password, f"{action}_refused"):
        raise TwoFactorError(_l("The password is wrong."))


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """New recovery codes for an enrolled user who gives the password; the old ones end."""
    if not user.two_factor_enabled:
        raise TwoFactorError(_l("Two-factor login is not set up."))
    _check_password(user, password, "two_factor.codes")
    codes = _new_recovery_codes(user)
    audit.record(user, "two_factor.codes_regenerated", "user", user.id)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))


def disable(user: User, password: str) -> None:
    """Switch two-factor login off for oneself; needs the password."""
    if not user.two_factor_enabled:
        raise TwoFactorError(_l("Two-factor login is not set up."))
    _check_password(user, password, "two_factor.disable")
    _clear(user)
    user.invalidate_sessions()
    audit.record(user, "two_factor.disable", "user", user.id)


def reset(actor, user: User) -> None:
    """An administrator clears a user's two-factor login (a lost phone); their sessions end.

    The caller checks the actor's permission (admin.services.reset_two_factor).
    """
    was_enabled = user.two_factor_enabled
    _clear(user)
    user.invalidate_sessions()
    audit.record(actor, "two_factor.reset", "user", user.id, was_enabled=was_enabled)
