from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.core.fields import MultiCheckboxField
from app.core.forms import QueryForm
from app.core.i18n import LANGUAGE_NAMES
from app.core.passwords import policy_problems
from app.core.users import ROLE_LABELS, User


def _role_choices():
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


def _language_choices():
    return [
        SelectChoice("", _l("Follow the browser")),
        *(SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()),
    ]


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices)
    language = SelectField(_l("Language"), choices=_language_choices)

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))


class UserCreateForm(UserEditForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(min=2, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Use letters a-z, digits, dot, dash or underscore."),
            ),
        ],
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_username(self, field):
        if User.by_username(field.data) is not None:
            raise ValidationError(_l("That user name is already taken."))

    def validate_password(self, field):
        # The policy is checked here, beside the other fields, so that the administrator sees
        # every problem in one go; the service checks it again (the command line has no form).
        inputs = [self.username.data or "", self.display_name.data or "", self.email.data or ""]
        problems = policy_problems(field.data or "", inputs)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ActiveForm(FlaskForm):
    """Deactivate or reactivate: the wanted state, so that a second submit changes nothing."""

    active = SelectField(choices=[SelectChoice("1"), SelectChoice("0")])


class AuditFilterForm(QueryForm):
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("User"), validators=[Optional(), Length(max=64)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=64)])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])

    def filters(self) -> dict:
        """The filters given, once validated; none while one of them is wrong (its error
        shows beside it). The page is not a filter."""
        fields = [(name, field) for name, field in self._fields.items() if name != "page"]
        if any(field.errors for _name, field in fields):
            return {}
        return {name: field.data for name, field in fields if field.data}
