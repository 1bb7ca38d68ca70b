"""The rounds' forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectChoice, SelectField, StringField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length

from app.core.fields import MultiCheckboxField
from app.workspace.models import Unit


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(_l("Give the round a "
                                                                             "name.")),
                                                            Length(max=200)])  # fmt: skip
    unit = SelectField(
        _l("Unit of agreement"), choices=lambda: [SelectChoice(u.value, u.label) for u in Unit]
    )
    coders = MultiCheckboxField(_l("Coders (at least two)"), coerce=int)
    releases = MultiCheckboxField(_l("Transcripts"), coerce=int)


class CloseRoundForm(FlaskForm):
    """Closing a round cannot be undone: the server asks for the word of whoever runs it."""

    confirm = BooleanField(
        _l("Every coder is done. Close the round and make these figures final."),
        validators=[DataRequired(_l("Tick the box to confirm that the round is to be "
                                    "closed."))],
    )  # fmt: skip
    #: sent by the confirmation page: without it, this is the first look at the figures
    asked = HiddenField()

    @property
    def was_asked(self) -> bool:
        return bool(self.asked.raw_data)


class DecisionsField(Field):
    """How a round's disagreements are settled, one radio group per unit and code, named
    ``<name>-<unit>-<code id>`` with the value ``yes`` or ``no``: read into
    {(unit, code id): applies}. A name or value of another shape is left out, so that a
    disagreement it was meant for counts as not settled."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors, self.raw_data, self.data = [], [], {}
        prefix = f"{self.name}-"
        for key in formdata or ():
            value = formdata.get(key)
            if not key.startswith(prefix) or value not in ("yes", "no"):
                continue
            try:
                unit, code_id = (int(part) for part in key[len(prefix) :].split("-"))
            except ValueError:
                continue
            self.raw_data.append(key)
            self.data[(unit, code_id)] = value == "yes"


class SettleForm(FlaskForm):
    d = DecisionsField()
