"""Security headers, secure cookies over HTTPS, and the idle session timeout."""

from datetime import UTC, datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, logout_user

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


def add_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
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
        session.permanent = True
        session["last_seen"] = datetime.now(UTC).timestamp()
    return response
