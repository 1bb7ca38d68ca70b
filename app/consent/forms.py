from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.consent import queries
from app.consent.models import CHANNEL_LABELS, GIVER_LABELS, METHOD_LABELS
from app.consent.scopes import SCOPE_LABELS, Scope
from app.core.fields import MultiCheckboxField
from app.core.i18n import LANGUAGE_NAMES


def _choices(labels):
    return lambda: [SelectChoice(key.value, label) for key, label in labels.items()]


def _form_versions():
    return [
        SelectChoice(
            str(f.id),
            _l("%(language)s, version %(n)s", language=LANGUAGE_NAMES[f.language], n=f.version),
        )
        for f in queries.form_versions()
    ]


class RecordForm(FlaskForm):
    giver = SelectField(_l("Who gives consent"), choices=_choices(GIVER_LABELS))
    guardian_name = StringField(_l("The guardian's name"), validators=[Optional(), Length(max=200)])
    scopes = MultiCheckboxField(_l("What they consent to"), choices=_choices(SCOPE_LABELS))
    form_id = SelectField(_l("Consent form version"), choices=_form_versions)
    method = RadioField(_l("How"), choices=_choices(METHOD_LABELS), default="signed_paper")
    scan = FileField(_l("Scan of the signed form (PDF, JPEG or PNG)"))
    witness = StringField(_l("Witness"), validators=[Optional(), Length(max=200)])
    given_on = DateField(_l("Date"), validators=[DataRequired()])


class WithdrawForm(FlaskForm):
    scopes = MultiCheckboxField(_l("What is withdrawn"), choices=_choices(SCOPE_LABELS))
    giver = SelectField(_l("Who withdraws"), choices=_choices(GIVER_LABELS))
    withdrawn_on = DateField(_l("Date"), validators=[DataRequired()])
    channel = SelectField(_l("How it reached us"), choices=_choices(CHANNEL_LABELS))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


#: the parts of a consent text, in the order a reader meets them
PART_LABELS = {
    "title": _l("Title"),
    "introduction": _l("What taking part means"),
    "retention": _l("How long it is kept"),
    "withdrawal": _l("How to withdraw"),
    "guardian": _l("For a young person under 18"),
}
SCOPE_PART_LABELS = {
    "title": _l("Heading"),
    "explanation": _l("What it means"),
    "statement": _l("What they say yes to"),
}


def publish_form(data: dict | None = None):
    """A form with one field per part of the consent text, filled from ``data``."""
    data = data or {}

    class PublishForm(FlaskForm):
        pass

    def add(name, label, value, long=True):
        field = TextAreaField if long else StringField
        limit = 300 if not long else 5000
        setattr(PublishForm, name, field(label, validators=[DataRequired(), Length(max=limit)],
                                         default=value))  # fmt: skip

    add("title", PART_LABELS["title"], data.get("title"), long=False)
    add("introduction", PART_LABELS["introduction"], data.get("introduction"))
    for scope in Scope:
        # a version published before a scope was asked has none of its parts (None)
        part = data.get("scopes", {}).get(scope.value) or {}
        for key, label in SCOPE_PART_LABELS.items():
            add(f"{scope.value}_{key}", _l("%(scope)s: %(part)s", scope=scope.label, part=label),
                part.get(key), long=key != "title")  # fmt: skip
    for key in ("retention", "withdrawal", "guardian"):
        add(key, PART_LABELS[key], data.get(key))
    return PublishForm()


def _lines(value: str | None) -> str:
    """Browsers send textarea line breaks as CRLF; the texts keep plain newlines."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def text_from(form) -> dict:
    """The consent text the publish form describes, shaped like ConsentText."""
    return {
        "title": _lines(form.title.data),
        "introduction": _lines(form.introduction.data),
        "scopes": {
            scope.value: {
                key: _lines(getattr(form, f"{scope.value}_{key}").data) for key in SCOPE_PART_LABELS
            }
            for scope in Scope
        },
        "retention": _lines(form.retention.data),
        "withdrawal": _lines(form.withdrawal.data),
        "guardian": _lines(form.guardian.data),
    }
