"""Error pages that say what happened in the user's language and leak nothing else."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core import transaction
from app.core.permissions import PermissionDenied
from app.core.refusal import Refused

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was changed.")),
    403: (
        _l("Not allowed"),
        _l("Your account does not have access to this page. Nothing was changed."),
    ),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way. Nothing was changed.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than this server accepts. Nothing was saved."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l(
            "An unexpected error occurred and nothing was saved. "
            "The error has been logged; please try again or contact your administrator."
        ),
    ),
}
CSRF_MESSAGE = _l(
    "The form had expired or was sent from somewhere else. Reload the page and try again; "
    "nothing was changed."
)


OTHER = (
    _l("The request could not be completed"),
    _l("The server could not complete this request. Nothing was changed."),
)


def render_error(code: int, message=None):
    title, default_message = MESSAGES.get(code, OTHER)
    text = message or default_message
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(text)), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def _http_error(error: HTTPException):
    return render_error(error.code or 500)


def _rate_limited(error: RateLimitExceeded):
    # A limit with its own message (uploads) says what was limited; others say "attempts".
    return render_error(429, error.description if error.limit.error_message else None)


def _csrf_error(error: CSRFError):
    return render_error(400, CSRF_MESSAGE)


def _denied(error: PermissionDenied):
    """A service refused the actor (an object they may not see): audited like a route refusal."""
    from flask_login import current_user

    from app.core import audit

    audit.record_denial(current_user, error.action, request.path)
    return render_error(403)


def _unexpected(error: Exception):
    # Flask has already logged the exception with its traceback; the user sees no details.
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(PermissionDenied, _denied)
    app.register_error_handler(Refused, transaction.handle_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected)
