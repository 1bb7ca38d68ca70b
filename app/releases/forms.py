from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.releases.services import LABEL_NAMES


class DecisionForm(Form):
    start = IntegerField(widget=HiddenInput())
    end = IntegerField(widget=HiddenInput())
    kind = HiddenField()
    surface = HiddenField()
    replace = BooleanField(_l("Replace"))


class RenameForm(Form):
    old = HiddenField()
    new = StringField(_l("Placeholder"), validators=[Optional(), Length(max=60)])


class AdditionForm(Form):
    surface = StringField(_l("Passage the search missed"), validators=[Optional(), Length(max=200)])
    # Checked by the service when a passage is given: empty rows are simply left out.
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [SelectChoice(k, v) for k, v in LABEL_NAMES.items()],
        default="PERSON",
        validate_choice=False,
    )
    placeholder = StringField(_l("Placeholder (optional)"), validators=[Optional(), Length(max=60)])


class ReleaseForm(FlaskForm):
    decisions = FieldList(FormField(DecisionForm))
    renames = FieldList(FormField(RenameForm))
    additions = FieldList(FormField(AdditionForm), min_entries=3, max_entries=20)
    note = TextAreaField(_l("What changed since the last release (if anything)"),
                         validators=[Optional(), Length(max=2000)])  # fmt: skip

    def choices(self) -> dict:
        """The reviewer's choices, as the release services take them."""
        return {
            "accepted": [(d.start.data, d.end.data, d.kind.data, d.surface.data)
                         for d in self.decisions if d.replace.data],
            "additions": [(a.surface.data, a.kind.data, a.placeholder.data) for a in self.additions
                          if (a.surface.data or "").strip()],
            "renames": {r.old.data: r.new.data for r in self.renames if r.new.data},
        }  # fmt: skip

    def carried(self) -> list[tuple[str, str]]:
        """(name, value) of every choice, for the preview to send back as hidden fields."""
        fields = (self.decisions, self.renames, self.additions, self.note)
        return [pair for field in fields for pair in _flat(field)]


def _flat(field):
    if field.type in ("FieldList", "FormField"):
        for inner in field:
            yield from _flat(inner)
    elif field.type == "BooleanField":
        if field.data:
            yield field.name, "y"
    elif field.data is not None:
        yield field.name, str(field.data)


class ConfirmForm(ReleaseForm):
    """The preview's form: the choices again, the digest of the text the preview showed,
    and the reviewer's word that this text is to be frozen."""

    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    confirm = BooleanField(
        _l("I have read the text above: release it as it is. A released version cannot be "
           "changed afterwards."),
        validators=[DataRequired(_l("Confirm that the text above is to be released."))],
    )  # fmt: skip
