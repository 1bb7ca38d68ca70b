from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.core.fields import MultiCheckboxField
from app.letters.services import MAX_BODY


class CreateForm(FlaskForm):
    """The button that makes the drafts: CSRF only."""


class DraftForm(FlaskForm):
    body = TextAreaField(_l("The letter"), validators=[DataRequired(), Length(max=MAX_BODY)])
    #: the revision the text was loaded at (after a conflict: the one saved meanwhile)
    revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class SentForm(FlaskForm):
    #: choices: the recipients not yet sent to, set by the view
    participants = MultiCheckboxField(_l("Sent to"), coerce=int, choices=[])
    sent_on = DateField(_l("Sent on"), validators=[DataRequired()])
