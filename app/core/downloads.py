"""A file the browser saves rather than shows, and never caches (exports hold content)."""

from flask import current_app


def attachment(content: bytes, mimetype: str, name: str):
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
