"""The exchange's forms; the upload form is the codebook's (``app.codebook.forms``)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional


class ExportForm(FlaskForm):
    """``?tool=nvivo``: a project counted as NVivo counts (UTF-16 units)."""

    class Meta:
        csrf = False  # a download: it changes nothing

    tool = StringField(validators=[Optional()])

    @property
    def for_nvivo(self) -> bool:
        return self.tool.data == "nvivo"
