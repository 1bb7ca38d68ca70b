from wtforms import IntegerField
from wtforms.validators import Optional

from app.core.forms import QueryForm


class CompareQuery(QueryForm):
    """``?against=``: the version a guide version is compared with (default: the one before)."""

    against = IntegerField(validators=[Optional()])
