"""Security headers, secure cookies over HTTPS, the idle session timeout, the account set-up
a user must finish before anything else (own password, two-factor login), and upload limits."""

from datetime import UTC, datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from limits import parse

from app.config import ConfigError
from app.core.permissions import PUBLIC, required_permission
from app.core.users import Role
from app.extensions import limiter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["FORCE_SECURE_COOKIES"] or request.is_secure)


#: A chart opened on its own: matplotlib styles its SVG with a <style> element and style
#: attributes, which the pages' policy would drop (an unstyled, unreadable chart). The SVG
#: gets inline styles and nothing else: no scripts, no loads, its own origin.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox"


def add_security_headers(response):
    policy = CONTENT_SECURITY_POLICY
    if response.mimetype == "image/svg+xml":
        policy = SVG_POLICY
    elif response.headers.get("Content-Disposition", "").startswith("attachment"):
        # A file for saving (a consent scan, an export) never runs as a page of this site,
        # even if a browser shows it after all: no scripts, no forms, an origin of its own.
        policy += "; sandbox"
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if current_user and current_user.is_authenticated:
        # Pages of a signed-in user may hold identity data: keep them out of shared caches.
        response.headers["Cache-Control"] = "no-store"
    return response


def fresh_session() -> None:
    """Empty the session (at login, logout and expiry), keeping only the chosen language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def _is_poll() -> bool:
    # A page that polls a job's progress is not the user being active.
    return request.accept_mimetypes.best == "application/json"


def expire_idle_session():
    """Log out a user idle longer than IDLE_TIMEOUT or signed in longer than SESSION_MAX_AGE."""
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return None
    if not current_user.is_authenticated:
        return None
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen", now)
    login_at = session.get("login_at", now)
    idle = now - last_seen > current_app.config["IDLE_TIMEOUT"].total_seconds()
    too_old = now - login_at > current_app.config["SESSION_MAX_AGE"].total_seconds()
    if not (idle or too_old):
        return None
    logout_user()
    fresh_session()
    flash(_("Your session expired after a period of inactivity. Please log in again."))
    target = request.full_path.rstrip("?") if request.method == "GET" and not _is_poll() else None
    return redirect(url_for("auth.login", next=target))


def mark_activity(response):
    """after_request: the signed-in user was active now (also right after logging in)."""
    if current_user and current_user.is_authenticated and not _is_poll():
        # The session stays a browser-session cookie: Flask-Login's "strong" protection (the
        # session bound to the browser and address that logged in) applies only to those,
        # and closing the browser on a shared computer ends the session.
        session["last_seen"] = datetime.now(UTC).timestamp()
    return response


#: the session key set when this browser gave a code (at login or when enrolling)
SECOND_FACTOR = "second_factor"


def two_factor_roles(names) -> frozenset:
    """The settings' REQUIRE_2FA_ROLES (role names) as roles, checked as the app is made: a
    name that is no role stops the start with the roles it may name."""
    known = {role.value for role in Role}
    unknown = {str(name) for name in names} - known
    if unknown:
        raise ConfigError(
            "REDTHREAD_REQUIRE_2FA_ROLES must list roles among "
            f"{', '.join(r.value for r in Role)} (or say none), got {', '.join(sorted(unknown))}"
        )
    return frozenset(Role(name) for name in names)


def two_factor_required(user) -> bool:
    """Whether the user holds a role that must log in with two factors (REQUIRE_2FA_ROLES)."""
    return bool(user.roles.intersection(current_app.config["REQUIRE_2FA_ROLES"]))


def setup_endpoint(user) -> str | None:
    """The page a signed-in user must finish before any other, or None.

    First their own password (after an administrator set one), then two-factor login where
    their role requires it.
    """
    if user.must_change_password:
        return "auth.account"
    if not user.two_factor_enabled and two_factor_required(user):
        return "auth.two_factor_setup"
    return None


def require_account_setup():
    """before_request: a user with unfinished set-up reaches only that page and logging out.

    A session of a user with two-factor login on that never gave a code (one logged in with
    the password before two-factor login was switched on) ends here, whatever the session
    version says.
    """
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if current_user.two_factor_enabled and not session.get(SECOND_FACTOR):
        logout_user()
        fresh_session()
        flash(_("Log in again with your code from the authenticator app."))
        return redirect(url_for("auth.login"))
    target = setup_endpoint(current_user)
    if target is None or request.endpoint in (target, "auth.logout"):
        return None
    if required_permission(request.endpoint) == PUBLIC:
        return None  # the login page, language choice, static files
    return redirect(url_for(target))


def _upload_limit() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


def _user_key() -> str:
    # Per user: colleagues behind one municipal proxy share an address.
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _upload_refusal() -> str:
    item = parse(current_app.config["UPLOAD_RATE_LIMIT"])
    return ngettext(
        "You have sent too many files in a short time: at most %(count)d in %(num)d "
        "minute. Nothing was saved; wait a while and try again.",
        "You have sent too many files in a short time: at most %(count)d in %(num)d "
        "minutes. Nothing was saved; wait a while and try again.",
        max(1, item.get_expiry() // 60),
        count=item.amount,
    )


_shared_upload_limit = limiter.shared_limit(
    _upload_limit,
    scope="upload",
    key_func=_user_key,
    methods=["POST"],
    error_message=_upload_refusal,
)


def upload_limited(view):
    """Count each POST of ``view`` toward the user's UPLOAD_RATE_LIMIT, shared by all uploads."""
    limited = _shared_upload_limit(view)
    limited.upload_limited = True
    return limited
