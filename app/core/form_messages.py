"""WTForms' own messages ("Not a valid integer value.", "This field is required.") in the
reader's language.

Flask-WTF translates them with WTForms' own catalogs, which have no Danish and whose Swedish
does not read like this interface. So every form asks this application's catalog first, where
each of those messages has its Swedish and Danish wording, and WTForms' catalog only for a
message a newer WTForms adds (tests/core/test_form_messages.py lists any that is missing).
"""

from flask import current_app, has_request_context
from flask_babel import get_translations, gettext, ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations


class BuiltinMessages:
    """The ``gettext``/``ngettext`` pair a WTForms field uses for its own messages; WTForms
    fills in the placeholders itself, so these return the bare translated text."""

    def gettext(self, string: str) -> str:
        if has_request_context():
            translated = get_translations().ugettext(string)
            if translated != string:
                return translated
        return wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if has_request_context():
            translated = get_translations().ungettext(singular, plural, n)
            if translated != (singular if n == 1 else plural):
                return translated
        return wtforms_translations.ngettext(singular, plural, n)


BUILTIN_MESSAGES = BuiltinMessages()


def _get_translations(meta, form):
    if not current_app.config.get("WTF_I18N_ENABLED", True):
        return None  # WTForms' English, as Flask-WTF gives it with i18n turned off
    return BUILTIN_MESSAGES


def install() -> None:
    """Every form of the application (all are Flask-WTF forms) translates WTForms' messages
    through ``BUILTIN_MESSAGES``. Flask-WTF offers no setting for the catalog it reads, and a
    base class would have to be remembered by every form; one hook on its Meta cannot be
    forgotten."""
    FlaskForm.Meta.get_translations = _get_translations


def _catalogued() -> None:  # pragma: no cover - never called
    """The messages of WTForms 3 (and Flask-WTF's file fields) the interface can show,
    written here so that ``make catalogs`` extracts them (and keeps their translations)."""
    gettext("Invalid field name '%s'.")
    gettext("Field must be equal to %(other_name)s.")
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)  # fmt: skip
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)  # fmt: skip
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1)  # fmt: skip
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Date must be at least %(min)s.")
    gettext("Date must be at most %(max)s.")
    gettext("Date must be between %(min)s and %(max)s.")
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Invalid IP address.")
    gettext("Invalid Mac address.")
    gettext("Invalid URL.")
    gettext("Invalid UUID.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Invalid value, can't be any of: %(values)s.")
    gettext("This field cannot be edited.")
    gettext("This field is disabled and cannot have a value.")
    gettext("Invalid CSRF Token.")
    gettext("CSRF token missing.")
    gettext("CSRF failed.")
    gettext("CSRF token expired.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Choices cannot be None.")
    gettext("Not a valid choice.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1)  # fmt: skip
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Not a valid week value.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
    # Flask-WTF's file fields
    gettext("File does not have an approved extension: {extensions}")
    gettext("File does not have an approved extension.")
