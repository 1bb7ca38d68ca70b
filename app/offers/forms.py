from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.calendar import today
from app.offers.models import ANSWER_LABELS, ATTRITION_LABELS, CHANNEL_LABELS
from app.participants.services import interviewers


def _choices(labels):
    return lambda: [SelectChoice(key.value, label) for key, label in labels.items()]


# Each day defaults to today (the installation's date), in the form so that every page that
# shows one starts from the same value.


class OfferForm(FlaskForm):
    offered_on = DateField(_l("Offered on"), validators=[DataRequired()], default=today)
    channel = SelectField(_l("How"), choices=_choices(CHANNEL_LABELS))


class AnswerForm(FlaskForm):
    answer = SelectField(_l("Answer"), choices=_choices(ANSWER_LABELS))
    answered_on = DateField(_l("Answered on"), validators=[DataRequired()], default=today)


class ReminderForm(FlaskForm):
    sent_on = DateField(_l("Reminded on"), validators=[DataRequired()], default=today)
    channel = SelectField(_l("How"), choices=_choices(CHANNEL_LABELS))


class AssignForm(FlaskForm):
    interviewer_id = SelectField(
        _l("Interviewer"),
        choices=lambda: [SelectChoice(str(u.id), u.display_name) for u in interviewers()],
        validators=[DataRequired()],
    )


class InterviewedForm(FlaskForm):
    interviewed_on = DateField(_l("Interviewed on"), validators=[DataRequired()], default=today)


class CloseForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=_choices(ATTRITION_LABELS))
    note = TextAreaField(
        _l("In words (required for another reason)"), validators=[Optional(), Length(max=1000)]
    )
