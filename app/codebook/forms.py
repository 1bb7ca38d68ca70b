"""The codebook's forms; ``UploadForm`` also takes the REFI-QDA files the exchange reads."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

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


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
