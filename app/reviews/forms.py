from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.core.fields import MultiCheckboxField
from app.core.forms import QueryForm
from app.reviews.agenda import DEFAULT_AGENDA
from app.reviews.models import ActionStatus, SessionStatus

#: what an agenda item is for; "goals" makes the pack and the session go goal by goal
KIND_CHOICES = [
    SelectChoice("discussion", _l("Discussion")),
    *(SelectChoice(kind, title) for kind, title, _guidance in DEFAULT_AGENDA),
]


class AgendaItemForm(Form):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)
    title = StringField(_l("Item"), validators=[Length(max=200)])
    guidance = TextAreaField(_l("Guidance"), validators=[Length(max=2000)])


class AgendaForm(FlaskForm):
    items = FieldList(FormField(AgendaItemForm), min_entries=1)

    def item_dicts(self) -> list[dict]:
        return [
            {"kind": i.kind.data, "title": i.title.data, "guidance": i.guidance.data}
            for i in self.items
        ]


class SessionForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the session a title.")), Length(max=200)]
    )
    year = IntegerField(
        _l("Year reviewed"),
        validators=[
            DataRequired(_l("Give the year the session reviews.")),
            NumberRange(1900, 2200),
        ],
    )
    team = StringField(
        _l("Team"),
        validators=[Length(max=120)],
        description=_l("Leave empty when the whole service meets together."),
    )
    held_on = DateField(
        _l("Date of the meeting"), validators=[DataRequired(_l("Give the date of the meeting."))]
    )
    scope_from = DateField(_l("Interviews conducted from"), validators=[Optional()])
    scope_to = DateField(
        _l("Interviews conducted until"),
        validators=[Optional()],
        description=_l(
            "The numbers count the whole years of these dates. Leave both "
            "dates empty to take in all years."
        ),
    )
    members = MultiCheckboxField(
        _l("Members of the review group"), coerce=int, validate_choice=False
    )
    #: shown only when the year and team already have a session
    confirm_duplicate = BooleanField(
        _l("I have seen the session above: make another one for the same year and team.")
    )


class NoteForm(FlaskForm):
    item = IntegerField(validators=[InputRequired(), NumberRange(0, 100)])
    body = TextAreaField(
        _l("Note"), validators=[DataRequired(_l("Write something first.")), Length(max=20000)]
    )
    learning = BooleanField(_l("This is a learning point"))


class NewActionForm(FlaskForm):
    what = TextAreaField(
        _l("What is to be done"),
        validators=[DataRequired(_l("Say what is to be done.")), Length(max=2000)],
    )
    owner = SelectField(
        _l("Owner"), coerce=int, validators=[DataRequired(_l("Every action needs an owner."))]
    )
    due_on = DateField(
        _l("Due date"), validators=[DataRequired(_l("Every action needs a due date."))]
    )
    theme_id = SelectField(_l("Theme"), coerce=int, validate_choice=False)
    #: "goal:<id>", "guideline:<id>" or "" (the service checks that it is in force)
    serves = SelectField(
        _l("Goal or guideline it serves"), validate_choice=False, validators=[Optional()]
    )

    def validate_serves(self, field):
        kind, _sep, key = (field.data or "").partition(":")
        if field.data and (kind not in ("goal", "guideline") or not key.isdigit()):
            raise ValueError(_l("Choose a goal or guideline in force."))

    def served(self) -> dict:
        """goal_id and guideline_id as the service takes them."""
        kind, _sep, key = (self.serves.data or "").partition(":")
        return {
            "goal_id": int(key) if kind == "goal" else None,
            "guideline_id": int(key) if kind == "guideline" else None,
        }


STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ActionStatus]


class FollowUpForm(FlaskForm):
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    follow_up = TextAreaField(_l("Follow-up note"), validators=[Length(max=5000)])
    in_session = IntegerField(widget=HiddenInput(), validators=[Optional()])
    #: "board" when sent from the board of actions, which the person goes back to
    back = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=20)])


class StatusForm(FlaskForm):
    """The session's next status (held, minutes approved): a button per step."""

    status = SelectField(choices=[SelectChoice(s.value, s.label) for s in SessionStatus])


class LanguageQuery(QueryForm):
    """``?language=``: which language's agenda template is shown (default: the reader's)."""

    language = StringField(validators=[Optional(), Length(max=10)])


class YearQuery(QueryForm):
    """``?year=``: the board of actions of one year's sessions."""

    year = IntegerField(validators=[Optional()])
