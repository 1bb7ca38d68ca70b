from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.i18n import LANGUAGE_NAMES
from app.goals import queries
from app.goals.models import DIRECTION_LABELS, KIND_LABELS, TERM_LABELS, VERDICT_LABELS


def _languages():
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def typing_language() -> str:
    """The language a new text is most likely typed in: the interface's."""
    return str(get_locale() or "sv").split("_")[0]


class GoalForm(FlaskForm):
    kind = RadioField(
        _l("Kind of goal"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default="team",
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the goal a title.")), Length(max=200)]
    )
    result = TextAreaField(
        _l("The result wanted for the young people"),
        validators=[
            DataRequired(_l("Say what result the goal wants for the young people.")),
            Length(max=10000),
        ],
    )
    term = SelectField(
        _l("Term"),
        choices=[
            SelectChoice("", _l("Not set")),
            *(SelectChoice(t.value, label) for t, label in TERM_LABELS.items()),
        ],
        validators=[Optional()],
    )
    work = TextAreaField(_l("The work that should lead there"), validators=[Length(max=10000)])
    reason = TextAreaField(_l("Why that work should lead there"), validators=[Length(max=10000)])
    language = SelectField(
        _l("Written in"),
        choices=_languages,
        description=_l("The text is kept in the language you type it in; it is not translated."),
    )
    adopted_on = DateField(
        _l("Adopted on"), validators=[DataRequired(_l("Give the date it was adopted."))]
    )
    revised_on = DateField(_l("Revised on"), validators=[Optional()])
    #: the version the editor read; a save over any other is refused
    version = IntegerField(widget=HiddenField.widget, validators=[Optional(), NumberRange(1)])


class GoalEditForm(GoalForm):
    """A new version of a goal: the save names the version it was made from."""

    kind = None  # a goal keeps its kind
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired(), NumberRange(1)])


class GuidelineForm(FlaskForm):
    goal_id = SelectField(_l("The goal it serves"), coerce=int, validators=[InputRequired()])
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the guideline a title.")), Length(max=200)]
    )
    text = TextAreaField(_l("The guideline"), validators=[Length(max=20000)])
    owner = StringField(
        _l("Owner"),
        validators=[DataRequired(_l("Say who owns the guideline.")), Length(max=200)],
        description=_l("The person, role or body that keeps it."),
    )
    language = SelectField(_l("Written in"), choices=_languages)
    adopted_on = DateField(
        _l("Adopted on"), validators=[DataRequired(_l("Give the date it was adopted."))]
    )
    revised_on = DateField(_l("Revised on"), validators=[Optional()])
    revision = IntegerField(widget=HiddenField.widget, validators=[Optional(), NumberRange(1)])

    def fill_goals(self, current=None) -> None:
        goals = queries.goals()
        if current is not None and current not in goals:
            goals.append(current)
        self.goal_id.choices = [SelectChoice(g.id, g.title) for g in goals]


class LinkForm(FlaskForm):
    """A code or a theme, and the way its passages speak to the goal."""

    target = SelectField(_l("Code or theme"), validators=[DataRequired()])
    direction = RadioField(
        _l("It speaks"),
        choices=[SelectChoice(d.value, label) for d, label in DIRECTION_LABELS.items()],
        validators=[InputRequired(_l("Choose for, against or neutral."))],
    )

    def fill_targets(self) -> None:
        themes = [
            SelectChoice(f"theme:{t.id}", _l("Theme: %(name)s", name=t.name))
            for t in queries.all_themes()
        ]
        codes = [
            SelectChoice(f"code:{c.id}", _l("Code: %(name)s", name=c.path))
            for c in queries.codable_codes()
        ]
        self.target.choices = [*themes, *codes]


class EvaluationForm(FlaskForm):
    """The review group's verdict on a goal for one year of interviews."""

    year = IntegerField(
        _l("Year of the interviews"),
        validators=[InputRequired(_l("Choose a year that has begun.")), NumberRange(1900, 2200)],
    )
    verdict = RadioField(
        _l("Verdict"),
        choices=[SelectChoice(v.value, label) for v, label in VERDICT_LABELS.items()],
        validators=[InputRequired(_l("Choose a verdict."))],
    )
    evidence = TextAreaField(
        _l("The evidence that supports it"),
        validators=[Length(max=5000)],
        description=_l(
            "Refer to the counts and themes; do not quote interviews here: the head of unit "
            "reads this."
        ),
        # the page's section "What the interviews say" is #evidence: one id, one element
        id="evaluation-evidence",
    )
    #: the evaluation's version the writer read (0: none yet)
    version = HiddenField(default="0")


class RetireForm(FlaskForm):
    retired_on = DateField(_l("Retired on"), validators=[DataRequired()])


class YearsForm(FlaskForm):
    """Which years to count: empty means every year."""

    class Meta:
        csrf = False

    start = IntegerField(_l("From the year"), validators=[Optional(), NumberRange(1900, 2200)])
    end = IntegerField(_l("To the year"), validators=[Optional(), NumberRange(1900, 2200)])


class GoalQuery(FlaskForm):
    """``?goal=``: the goal a new guideline serves, chosen on the goal's page."""

    class Meta:
        csrf = False

    goal = IntegerField(validators=[Optional(), NumberRange(1)])
