from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """A button that changes something; the CSRF token is its only field."""


class FindForm(FlaskForm):
    code = StringField(_l("Participant code"), validators=[DataRequired(), Length(max=16)])


class EraseForm(FlaskForm):
    confirmation = StringField(
        _l("Type the participant's code to confirm"), validators=[DataRequired(), Length(max=16)]
    )
