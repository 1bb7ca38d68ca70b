"""Forms shared by every area: the bare confirm button, and the query-string and JSON readers.

A view never reads ``request.form``, ``request.args`` or a JSON body by hand (STYLE, habit 8):
a page's input goes through a WTForms form, a JSON body through a pydantic model, so that a
bad value is answered with a message in the reader's language and never with a 500.
"""

from flask import flash, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import BaseModel, ValidationError


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token is its only field, so that a POST is
    still validated by a form object (and a forged one is refused by it)."""


#: the name several areas already use for the same bare form
ActionForm = ConfirmForm


class QueryForm(FlaskForm):
    """A form read from the query string of a GET page: it changes nothing, so it carries no
    CSRF token, and it reads ``request.args`` (not the body) whatever the method."""

    class Meta:
        csrf = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formdata", request.args)
        super().__init__(*args, **kwargs)

    @classmethod
    def read(cls, *, quiet: bool = False, **kwargs):
        """The form filled from the query string and validated. A part that does not fit is
        left out (its field keeps its default), and the page says so once unless ``quiet``
        (a file or a stream has no page to say it on)."""
        form = cls(**kwargs)
        if not form.validate() and not quiet:
            flash(BAD_QUERY, "error")
        return form

    def value(self, name: str, default=None):
        """The field's value once the form is validated; ``default`` when it was absent or
        bad (a page reached with a mangled link shows its default rather than failing)."""
        field = self[name]
        if field.errors or field.data in (None, ""):
            return default
        return field.data


#: the one word on a query string that does not fit its form
BAD_QUERY = _l("Part of the address could not be read and was left out.")


def json_body(model: type[BaseModel]):
    """The request's JSON body read into ``model``; None when it is missing or does not fit
    (the view answers 400 with its own message)."""
    payload = request.get_json(silent=True)
    if payload is None:
        return None
    try:
        return model.model_validate(payload)
    except ValidationError:
        return None
