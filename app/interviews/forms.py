from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.core.calendar import today
from app.core.i18n import LANGUAGE_NAMES
from app.interviews.models import FLAG_LABELS, MODE_LABELS, Status
from app.interviews.services import flag_handlers
from app.participants.services import interviewers

#: the answers to a memo conflict
RESOLUTIONS = ("mine", "both", "theirs")


def _choices(labels):
    return lambda: [SelectChoice(key.value, label) for key, label in labels.items()]


def _interviewers():
    return [SelectChoice(str(u.id), u.display_name) for u in interviewers()]


class BookingForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    time = TimeField(_l("Time"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    mode = SelectField(_l("How"), choices=_choices(MODE_LABELS))
    interviewer_id = SelectField(_l("Interviewer"), choices=_interviewers)
    language = SelectField(
        _l("Language of the interview and guide"),
        choices=lambda: [SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()],
    )


class RescheduleForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    time = TimeField(_l("Time"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    mode = SelectField(_l("How"), choices=_choices(MODE_LABELS))


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=1000)])


class ConductForm(FlaskForm):
    conducted_on = DateField(_l("Conducted on"), validators=[DataRequired()], default=today)


class AdvanceForm(FlaskForm):
    """The page offers only the steps ``services.next_steps`` allows (``offer``); a step sent
    from elsewhere reaches the service, which says why it is refused."""

    to = SelectField(
        _l("Next step"), choices=lambda: [SelectChoice(s.value, s.label) for s in Status]
    )

    def offer(self, steps) -> "AdvanceForm":
        self.to.choices = [SelectChoice(s.value, s.label) for s in steps]
        return self


class MemoForm(FlaskForm):
    text = TextAreaField(_l("Memo"), validators=[Length(max=100_000)])
    revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    #: in a conflict, the revision of the text saved meanwhile, which the person has seen
    newest = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    #: the person's answer to a conflict (the button pressed): keep mine, keep both, use theirs
    resolve = StringField(validators=[Optional(), AnyOf(RESOLUTIONS)])

    def validate_resolve(self, field):
        # Saving over another window's text needs the revision the person saw, never a guess.
        if field.data in ("mine", "both") and self.newest.data is None:
            raise ValidationError(_l("The memo could not be saved."))


class FlagForm(FlaskForm):
    category = SelectField(_l("What kind of disclosure"), choices=_choices(FLAG_LABELS))
    disclosure = TextAreaField(_l("What was said"), validators=[DataRequired(), Length(max=5000)])
    follow_up = TextAreaField(
        _l("The follow-up it demands"), validators=[DataRequired(), Length(max=5000)]
    )
    responsible_id = SelectField(
        _l("Responsible"),
        choices=lambda: [SelectChoice(str(u.id), u.display_name) for u in flag_handlers()],
        description=_l("An interviewer or a coordinator: only they see ethics flags."),
    )
    due_on = DateField(_l("Due"), validators=[DataRequired()])


class ResolveForm(FlaskForm):
    resolution = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=5000)])
