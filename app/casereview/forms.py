"""Forms of the case reviews; every input of the area comes through one of these."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.casereview.models import SECTION_LABELS


class RoundForm(FlaskForm):
    starts_on = DateField(_l("First day of the round"), validators=[InputRequired()])


class ScheduleForm(FlaskForm):
    interviewer = SelectField(_l("Interviewer"), coerce=int, validators=[InputRequired()])
    scheduled_on = DateField(_l("Day of the review"), validators=[InputRequired()])


class CloseForm(FlaskForm):
    closed_on = DateField(_l("Held on"), validators=[InputRequired()])


class NoteForm(FlaskForm):
    section = RadioField(
        _l("Part"),
        choices=[SelectChoice(k.value, label) for k, label in SECTION_LABELS.items()],
        default="until",
        validators=[InputRequired()],
    )
    text = TextAreaField(
        _l("Note"), validators=[DataRequired(_l("Write the note.")), Length(max=2000)]
    )
    participant = SelectField(_l("Participant"), coerce=int, default=0)
    interview = SelectField(_l("Interview"), coerce=int, default=0)
    due_on = DateField(_l("Due"), validators=[Optional()])

    def fill(self, participants: list[tuple[int, str]], interviews: list[tuple[int, str]]):
        """The interviewer's own cases, by code; 0 is none."""
        self.participant.choices = [(0, _l("None")), *participants]
        self.interview.choices = [(0, _l("None")), *interviews]
        return self


class DoneForm(FlaskForm):
    """Marks one item done; the note is named in the URL."""


class StatusForm(FlaskForm):
    remark = TextAreaField(
        _l("Remark for the head of unit"),
        description=_l("No names: the head of unit sees counts and this remark only."),
        validators=[Length(max=1000)],
    )


class FeedForm(FlaskForm):
    """Makes a new calendar address; the old one stops working."""
