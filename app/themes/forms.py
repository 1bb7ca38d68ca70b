from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.fields import MultiCheckboxField


class ThemeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the theme a name.")),
                                               Length(max=200)])  # fmt: skip
    description = TextAreaField(
        _l("What the theme is about"), validators=[Length(max=10000)],
        description=_l("A short narrative in the team's own words: what the young people "
                       "tell us under this theme."),
    )  # fmt: skip
    formed_year = IntegerField(
        _l("Formed in the year"),
        validators=[DataRequired(_l("Give the year the theme was formed.")),
                    NumberRange(1900, 2200)],
    )  # fmt: skip
    revised_year = IntegerField(_l("Last revised in the year"),
                                validators=[Optional(), NumberRange(1900, 2200)])  # fmt: skip
    codes = MultiCheckboxField(_l("Codes in this theme"), coerce=int, validate_choice=False)


class ScopeForm(FlaskForm):
    """Which years to count: empty means every year."""

    class Meta:
        csrf = False

    start = IntegerField(_l("From the year"), validators=[Optional(), NumberRange(1900, 2200)])
    end = IntegerField(_l("To the year"), validators=[Optional(), NumberRange(1900, 2200)])
