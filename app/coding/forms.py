from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.coding.models import Unit
from app.core.fields import MultiCheckboxField


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(_l("Give the round a "
                                                                             "name.")),
                                                            Length(max=200)])  # fmt: skip
    unit = SelectField(
        _l("Unit of agreement"), choices=lambda: [SelectChoice(u.value, u.label) for u in Unit]
    )
    coders = MultiCheckboxField(_l("Coders (at least two)"), coerce=int)
    releases = MultiCheckboxField(_l("Transcripts"), coerce=int)


class RetrieveForm(FlaskForm):
    class Meta:
        csrf = False  # a search: it changes nothing

    code = SelectField(_l("Code"), coerce=int, validate_choice=False)
    combine = SelectField(_l("Combination"), validate_choice=False)
    other = SelectField(_l("Second code"), coerce=int, validate_choice=False,
                        validators=[Optional()])  # fmt: skip
    year = IntegerField(_l("Year"), validators=[Optional()])
    coder = SelectField(_l("Coder"), coerce=int, validate_choice=False, validators=[Optional()])
    age_band = SelectField(_l("Age band"), validate_choice=False)
    care_band = SelectField(_l("Years in care"), validate_choice=False)


class CloseRoundForm(FlaskForm):
    """Closing a round cannot be undone: the server asks for the word of whoever runs it."""

    confirm = BooleanField(
        _l("Every coder is done. Close the round and make these figures final."),
        validators=[DataRequired(_l("Tick the box to confirm that the round is to be "
                                    "closed."))],
    )  # fmt: skip
