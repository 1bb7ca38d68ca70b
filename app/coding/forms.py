from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.coding.models import Unit
from app.core.fields import MultiCheckboxField

LANGUAGES = [SelectChoice("sv", "Svenska"), SelectChoice("da", "Dansk"),
             SelectChoice("en", "English")]  # fmt: skip


class CodeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the code a name.")),
                                               Length(max=200)])  # fmt: skip
    parent_id = SelectField(_l("Placed under"), coerce=int, validate_choice=False)
    codable = BooleanField(_l("Passages can be coded with it (untick for a category)"),
                           default=True)  # fmt: skip
    definition = TextAreaField(_l("Definition"), validators=[Length(max=5000)])
    when_to_use = TextAreaField(_l("When to use it"), validators=[Length(max=5000)])
    when_not = TextAreaField(_l("When not to use it"), validators=[Length(max=5000)])
    example = TextAreaField(_l("Example"), validators=[Length(max=5000)])
    colour = StringField(
        _l("Colour"), default="#9ecae1",
        validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Choose a colour."))],
        render_kw={"type": "color"},
    )  # fmt: skip
    keywords = StringField(
        _l("Keywords"), validators=[Length(max=2000)],
        description=_l("Separated by commas; any form of a word, and * for any ending "
                       "(flytt*). Used to suggest this code."),
    )  # fmt: skip


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), coerce=int, validate_choice=False)


class SeedForm(FlaskForm):
    language = SelectField(_l("Language of the codes"), choices=LANGUAGES)


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(_l("Give the round a "
                                                                             "name.")),
                                                            Length(max=200)])  # fmt: skip
    unit = SelectField(
        _l("Unit of agreement"), choices=lambda: [SelectChoice(u.value, u.label) for u in Unit]
    )
    coders = MultiCheckboxField(_l("Coders (at least two)"), coerce=int)
    releases = MultiCheckboxField(_l("Transcripts"), coerce=int)


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])


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
