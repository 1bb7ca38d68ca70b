"""The workspace's query forms: which round a release is opened in, and the search for
coded passages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import NumberRange, Optional


class RoundQuery(FlaskForm):
    """``?round=<id>``: the round a release is coded in; absent or not a number, none."""

    class Meta:
        csrf = False  # it only says where, and changes nothing

    round = IntegerField(validators=[Optional()])


class ListQuery(FlaskForm):
    """``?page=<n>&year=<year>``: a page of the coding start page's transcripts; a value that
    is not a number is left out."""

    class Meta:
        csrf = False  # it only says which page, and changes nothing

    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    year = IntegerField(validators=[Optional(), NumberRange(min=1900, max=2200)])

    def value(self, name: str):
        field = self[name]
        return field.data if not field.errors else None


class LiveQuery(RoundQuery):
    """``?since=<fingerprint>``: the codings an open workspace shows, as
    ``queries.codings_version`` prints them."""

    since = StringField(validators=[Optional()])


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
    section = SelectField(_l("Guide section"), validate_choice=False)
    question = SelectField(_l("Guide question"), validate_choice=False)
    #: "csv" or "docx" for a download; anything else shows the page
    format = StringField(validators=[Optional()])

    @property
    def asked(self) -> bool:
        """Whether a code was asked for at all: the empty page shows no refusal."""
        return bool(self.code.raw_data and self.code.raw_data[0])

    @property
    def download(self) -> str | None:
        return self.format.data if self.format.data in ("csv", "docx") else None

    def asked_for(self) -> dict[str, str]:
        """The search as it was sent, for the download links."""
        return {f.name: f.raw_data[0] for f in self if f.raw_data}


class TogetherQuery(FlaskForm):
    """``?within=interview|passage&code=<id>&code=<id>...``: a co-occurrence heat map of the
    retrieval page (``app.workspace.cooccurrence``)."""

    class Meta:
        csrf = False  # a chart: it changes nothing

    within = SelectField(choices=[SelectChoice("interview"), SelectChoice("passage")])
    code = SelectMultipleField(coerce=int, validate_choice=False)
