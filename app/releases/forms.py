from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from app.releases.services import LABEL_NAMES


class DecisionForm(Form):
    start = IntegerField(widget=HiddenInput())
    end = IntegerField(widget=HiddenInput())
    kind = HiddenField()
    surface = HiddenField()
    replace = BooleanField(_l("Replace"))


class RenameForm(Form):
    old = HiddenField()
    new = StringField(_l("Placeholder"), validators=[Optional(), Length(max=60)])


class AdditionForm(Form):
    surface = StringField(_l("Passage the search missed"), validators=[Optional(), Length(max=200)])
    # Checked by the service when a passage is given: empty rows are simply left out.
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [SelectChoice(k, v) for k, v in LABEL_NAMES.items()],
        default="PERSON",
        validate_choice=False,
    )


class ReleaseForm(FlaskForm):
    decisions = FieldList(FormField(DecisionForm))
    renames = FieldList(FormField(RenameForm))
    additions = FieldList(FormField(AdditionForm), min_entries=3, max_entries=20)
    note = TextAreaField(_l("What changed since the last release (if anything)"),
                         validators=[Optional(), Length(max=2000)])  # fmt: skip
