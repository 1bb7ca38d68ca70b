from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.forms import QueryForm
from app.core.i18n import LANGUAGE_NAMES
from app.participants.import_columns import COLUMNS
from app.participants.models import RELATION_LABELS, SETTING_LABELS
from app.participants.services import interviewers


def _language_choices():
    return [
        SelectChoice("", _l("Not known")),
        *(SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()),
    ]


class ParticipantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    birth_date = DateField(_l("Birth date"), validators=[DataRequired()])
    id_number = StringField(
        _l("ID number (personnummer or CPR)"), validators=[Optional(), Length(max=20)]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(
        _l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)]
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    guardian = TextAreaField(
        _l("Guardian (name and contact, while under 18)"),
        validators=[Optional(), Length(max=500)],
    )
    language = SelectField(_l("Preferred language"), choices=_language_choices)


def _worker_choices():
    return [SelectChoice(str(user.id), user.display_name) for user in interviewers()]


class PlacementForm(FlaskForm):
    started_on = DateField(_l("Placement start"), validators=[DataRequired()])
    ended_on = DateField(_l("Placement end (empty while ongoing)"), validators=[Optional()])
    setting_at_end = SelectField(
        _l("Setting at the end"),
        choices=lambda: [SelectChoice(s.value, label) for s, label in SETTING_LABELS.items()],
    )
    custody_transferred = BooleanField(_l("Custody was transferred to the foster parents"))
    worker_ids = SelectMultipleField(
        _l("Responsible social workers who work here"), choices=_worker_choices
    )
    worker_names = TextAreaField(
        _l("Other responsible social workers (one name a line)"),
        validators=[Optional(), Length(max=2000)],
    )


class PersonForm(FlaskForm):
    relation = SelectField(
        _l("Who"),
        choices=lambda: [SelectChoice(r.value, label) for r, label in RELATION_LABELS.items()],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("Register file (CSV or XLSX)"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "txt", "xlsx"], _l("Upload a CSV or XLSX file.")),
        ],
    )


class RegisterQuery(QueryForm):
    """The register's search: a name or code, a follow-up stage, a page."""

    q = StringField(validators=[Optional(), Length(max=200)])
    #: a stage of the follow-up (an unknown one matches nobody)
    stage = StringField(validators=[Optional(), Length(max=40)])
    page = IntegerField(validators=[Optional()])


def mapping_form(headers: list[str], data: dict, *, query: bool = False):
    """A form with one choice of file column per register column (built per file): read from
    the query string when ``query`` (the preview, which changes nothing), else from the
    posted form (the import, whose button's own form carries the CSRF token)."""

    class MappingForm(QueryForm if query else FlaskForm):
        class Meta:
            csrf = False

    choices = [SelectChoice("", _l("(not in the file)"))] + [
        SelectChoice(str(index), header or f"#{index + 1}") for index, header in enumerate(headers)
    ]
    for column in COLUMNS:
        label = (
            column.label if not column.required else _l("%(label)s (required)", label=column.label)
        )
        setattr(MappingForm, column.key, SelectField(label, choices=choices, default=""))
    initial = {key: str(index) for key, index in data.items()}
    return MappingForm(data=initial)
