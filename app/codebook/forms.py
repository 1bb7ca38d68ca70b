"""The codebook's forms; ``UploadForm`` also takes the REFI-QDA files the exchange reads."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, Regexp

from app.codebook.models import LANGUAGES as LANGUAGE_CODES
from app.codebook.models import current_language

LANGUAGES = [SelectChoice("sv", "Svenska"), SelectChoice("da", "Dansk"),
             SelectChoice("en", "English")]  # fmt: skip


class CodeTextForm(Form):
    """A code's texts in one language; a name left empty leaves the language out."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    definition = TextAreaField(_l("Definition"), validators=[Length(max=5000)])
    when_to_use = TextAreaField(_l("When to use it"), validators=[Length(max=5000)])
    when_not = TextAreaField(_l("When not to use it"), validators=[Length(max=5000)])
    example = TextAreaField(_l("Example"), validators=[Length(max=5000)])


class CodeForm(FlaskForm):
    """A code: its texts in Swedish, Danish and English (``sv-name``, ``da-definition``...),
    its place, colour and keywords."""

    sv = FormField(CodeTextForm, "Svenska")
    da = FormField(CodeTextForm, "Dansk")
    en = FormField(CodeTextForm, "English")
    parent_id = SelectField(_l("Placed under"), coerce=int, validate_choice=False)
    codable = BooleanField(_l("Passages can be coded with it (untick for a category)"),
                           default=True)  # fmt: skip
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for language in LANGUAGE_CODES:
            for field in self[language].form:
                # the text is in that language, whatever the page's (WCAG 3.1.2)
                field.render_kw = {**(field.render_kw or {}), "lang": language}

    def texts(self) -> dict[str, dict]:
        """Per language, the texts as typed."""
        return {language: dict(self[language].data) for language in LANGUAGE_CODES}

    def fill(self, code) -> None:
        """Show ``code``'s texts, each language in its own fields."""
        for language in LANGUAGE_CODES:
            text = code.texts.get(language)
            for key, field in self[language].form._fields.items():
                field.data = getattr(text, key) if text is not None else ""

    def field_named(self, name: str | None):
        """The field a refusal names: ``da-name`` is the Danish name."""
        language, _, key = (name or "").partition("-")
        if language in LANGUAGE_CODES and key:
            return self[language].form[key]
        return self[name] if name in self else self[LANGUAGE_CODES[0]].form.name


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), coerce=int, validate_choice=False)


class SeedForm(FlaskForm):
    """Adds the starting codebook, in Swedish, Danish and English at once."""


class CodeLanguageForm(FlaskForm):
    """``?language=da``: the language a download names and describes the codes in (by
    default the reader's); the exchange's export form builds on it."""

    class Meta:
        csrf = False  # a download: it changes nothing

    language = SelectField(_l("Language of the codes"), choices=LANGUAGES,
                           validators=[Optional()])  # fmt: skip

    @property
    def code_language(self) -> str:
        chosen = self.language.data
        return chosen if chosen in LANGUAGE_CODES else current_language()


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
