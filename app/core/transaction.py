"""Where a transaction ends. Nothing else in the application commits or rolls back.

A request commits once, in ``finish_request``, and only when the view returned normally with
a status below 400; a refusal rolls back. Jobs and CLI commands commit through ``commit``.
Services and views only flush.
"""

from urllib.parse import urlsplit

from flask import flash, g, redirect, request, url_for

from app.core.db import db
from app.core.refusal import Refused
from app.core.urls import safe_next


def _write_security_events() -> None:
    from app.core import audit  # audit imports users; keep this module import-light

    # Refusals (of consent, say) are kept even when the change they refused is not.
    if g.get("security_events"):
        audit.write_security_events()


def finish_request(response):
    """The request wrapper (an after-request hook): commit on success, else roll back."""
    if response.status_code >= 400 or g.pop("refused", False):
        db.session.rollback()
    _write_security_events()
    db.session.commit()
    return response


def refuse(error: Refused) -> None:
    """Undo what the view has flushed so far and say why, for a view that catches a refusal
    to choose where to go next. What it does afterwards (reading for the page) is kept."""
    db.session.rollback()
    flash(str(error.message), "error")


def discard() -> None:
    """Undo what the view has flushed so far, for a view that shows a refusal in its form
    and renders the unchanged rows again."""
    db.session.rollback()


def commit() -> None:
    """The one commit of a job step or a CLI command (security events included)."""
    _write_security_events()
    db.session.commit()


def rollback() -> None:
    """Undo a job step or a CLI command that failed."""
    db.session.rollback()


def _back() -> str:
    """The page the request came from, when it is a page of this site; else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return url_for("main.index")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, url_for("main.index"))


def handle_refused(error: Refused):
    """An uncaught refusal: nothing of the request is kept; the person is told why, on a JSON
    error, an error page or the page they came from."""
    from app.core.errors import render_error

    db.session.rollback()
    g.refused = True  # the redirect below is a success status; the wrapper must not commit
    if error.page or request.accept_mimetypes.best == "application/json":
        return render_error(error.status, error.message)
    flash(str(error.message), "error")
    return redirect(_back())
