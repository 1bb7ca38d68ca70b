"""The exchange's forms; the upload form is the codebook's (``app.codebook.forms``)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.codebook.forms import CodeLanguageForm
from app.exchange import queries
from app.exchange.plan import ADD, MERGE, SKIP, Plan


class ExportForm(CodeLanguageForm):
    """``?tool=nvivo``: a project counted as NVivo counts (UTF-16 units); ``?language=da``:
    the codes named and described in Danish."""

    tool = StringField(validators=[Optional()])

    @property
    def for_nvivo(self) -> bool:
        return self.tool.data == "nvivo"


CHOICES = [SelectChoice(ADD, _l("Add")), SelectChoice(MERGE, _l("Merge into")),
           SelectChoice(SKIP, _l("Skip"))]  # fmt: skip


class ImportChoicesForm(FlaskForm):
    """The preview's choices: per code of the file ``code_<n>`` (add, merge or skip) and
    ``into_<n>`` (the path of the code to merge into), per similar source ``source_<n>``
    (confirmed) with ``release_<n>`` (the transcript shown), and the plan's ``digest``.
    Built for one plan by ``choices_form``."""

    digest = HiddenField(validators=[DataRequired()])
    plan: Plan

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        paths = {}
        for code in queries.all_codes():
            if code.active:
                paths.setdefault(" ".join(code.path.split()).casefold(), code)
        self.merge_into = {}
        for row in self.plan.choosing:
            if self[f"code_{row.index}"].data != MERGE:
                continue
            into = self[f"into_{row.index}"]
            code = paths.get(" ".join((into.data or "").split()).casefold())
            if code is None:
                into.errors = [*into.errors, _l("Choose a code of the codebook from the list.")]
                valid = False
            elif row.codings and not code.codable:
                into.errors = [*into.errors, _l("Choose a code that passages can be coded "
                                                "with: this one is a category.")]  # fmt: skip
                valid = False
            else:
                self.merge_into[row.index] = code
        return valid

    def choices(self) -> dict:
        """The choices, as ``make_plan`` takes them (after ``validate``)."""
        codes = {}
        for row in self.plan.choosing:
            choice = self[f"code_{row.index}"].data
            codes[row.index] = (choice, self.merge_into.get(row.index))
        confirmed = {}
        for row in self.plan.sources:
            if row.kind == "similar" and self[f"source_{row.index}"].data:
                release = self[f"release_{row.index}"].data
                confirmed[row.index] = int(release) if str(release).isdigit() else -1
        return {"codes": codes, "confirmed": confirmed}


def choices_form(plan: Plan, **kwargs) -> ImportChoicesForm:
    """The choices form for ``plan``, its fields defaulting to the plan's choices."""

    class Form(ImportChoicesForm):
        pass

    Form.plan = plan
    for row in plan.choosing:
        setattr(Form, f"code_{row.index}", SelectField(_l("What to do"), choices=CHOICES,
                                                       default=row.choice))  # fmt: skip
        setattr(Form, f"into_{row.index}", StringField(
            _l("Code to merge into"), default=row.into.path if row.into else "",
            validators=[Length(max=4000)]))  # fmt: skip
    for row in plan.sources:
        if row.kind == "similar":
            label = _l("The same transcript: import its codings into it")
            setattr(Form, f"source_{row.index}", BooleanField(label, default=row.confirmed))
            setattr(Form, f"release_{row.index}", HiddenField(default=row.release.id))
    form = Form(**kwargs)
    if not form.is_submitted():
        # only a page shown afresh gets the digest: a form sent without one is refused
        form.digest.data = plan.digest
    return form
