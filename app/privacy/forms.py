from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length


class ExportForm(FlaskForm):
    """Start a subject access export, with the coordinator's review of what concerns others
    (GDPR art. 15(4)): both are left out unless the coordinator unticks them."""

    withhold_flags = BooleanField(
        _l("Leave out the ethics flags"),
        default=True,
        description=_l(
            "They record what the young person disclosed about others, and our follow-up."
        ),
    )
    withhold_others = BooleanField(
        _l("Leave out the names of other people"),
        default=True,
        description=_l("The people in the story, and the pseudonym map's entries for others."),
    )
    #: the controller (GDPR art. 15 and 13): who the young person turns to with their rights
    controller = TextAreaField(
        _l("Who is responsible for the data, and how to reach them"),
        validators=[Length(max=300)],
        description=_l("Printed in the summary for the young person: the team or the "
                       "municipality, with an address, phone number or e-mail."),
    )  # fmt: skip
    #: sent with the checkboxes; an unticked box sends nothing, so without this a post from
    #: an old page (or a hand-made one) would read as "include everything"
    reviewed = HiddenField(default="1")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.controller.data:
            self.controller.data = current_app.config.get("CONSENT_CONTACT", "")

    def validate_controller(self, field):
        # A summary that does not say whom to contact tells the young person of rights they
        # cannot use: the page must say it (it starts filled in from the settings).
        if self.reviewed.raw_data == ["1"] and not (field.data or "").strip():
            raise ValidationError(_l("Write who is responsible for the data."))

    def contact(self) -> str:
        """The controller as the summary prints it; empty when the post did not say."""
        return " ".join((self.controller.data or "").split())

    def choices(self) -> tuple[bool, bool]:
        """(withhold_flags, withhold_others): what was ticked, or both withheld when the
        post did not come from this form's checkboxes (the safe side)."""
        if self.reviewed.raw_data != ["1"]:
            return True, True
        return bool(self.withhold_flags.data), bool(self.withhold_others.data)


class FindForm(FlaskForm):
    code = StringField(_l("Participant code"), validators=[DataRequired(), Length(max=16)])


class EraseForm(FlaskForm):
    confirmation = StringField(
        _l("Type the participant's code to confirm"), validators=[DataRequired(), Length(max=16)]
    )
