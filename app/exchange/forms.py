"""The exchange's forms; the upload form is the codebook's (``app.codebook.forms``)."""

from wtforms import StringField
from wtforms.validators import Optional

from app.codebook.forms import CodeLanguageForm


class ExportForm(CodeLanguageForm):
    """``?tool=nvivo``: a project counted as NVivo counts (UTF-16 units); ``?language=da``:
    the codes named and described in Danish."""

    tool = StringField(validators=[Optional()])

    @property
    def for_nvivo(self) -> bool:
        return self.tool.data == "nvivo"
