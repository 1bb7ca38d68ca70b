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


def expire_idle_session():
    """Log out a user who has been idle longer than IDLE_TIMEOUT."""
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return None
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen")
    if current_user.is_authenticated and last_seen is not None:
        idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
        if now - last_seen > idle:
            logout_user()
            language = session.get("language")
            session.clear()
            if language:
                session["language"] = language
            flash(_("Your session expired after a period of inactivity. Please log in again."))
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def mark_activity(response):
    """after_request: the signed-in user was active now (also right after logging in)."""
    if current_user and current_user.is_authenticated:
        session.permanent = True
        session["last_seen"] = datetime.now(UTC).timestamp()
    return response
