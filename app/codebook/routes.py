"""The codebook's pages: the list of codes, a code's page, retiring, merging, seeding."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.codebook import names, queries, services
from app.codebook.forms import CodeForm, CodeLanguageForm, MergeForm, SeedForm, UploadForm
from app.codebook.models import Code, current_language
from app.codebook.services import CodingError
from app.core import transaction
from app.core.db import db
from app.core.permissions import can, permission
from app.transcripts.forms import ActionForm

bp = Blueprint("codebook", __name__, url_prefix="/coding", template_folder="templates")
# every page that shows a code's name marks its language where it is not the page's
bp.add_app_template_global(names.code_name, "code_name")
bp.add_app_template_global(names.code_path, "code_path")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _parent_choices(code: Code | None = None):
    choices = [(0, _("(top level)"))]
    for c in queries.codebook():
        if c.active and c is not code:
            choices.append((c.id, "— " * c.depth + c.name))
    return _choices(choices)


@bp.route("/codebook", methods=["GET", "POST"])
@permission("coding.work")
def index():
    form = CodeForm()
    form.parent_id.choices = _parent_choices()
    may_manage = can(current_user, "codebook.manage")
    if may_manage and form.validate_on_submit():
        try:
            code = services.save_code(
                current_user, None, texts=form.texts(), parent_id=form.parent_id.data or None,
                keywords=form.keywords.data or "",
                **{k: getattr(form, k).data for k in services.FIELDS},
            )  # fmt: skip
        except CodingError as error:
            transaction.discard()
            form.field_named(error.field).errors.append(error.message)
        else:
            flash(_("The code %(name)s was added.", name=code.name))
            return redirect(url_for("codebook.index") + f"#code-{code.id}")
    export_form = CodeLanguageForm(formdata=None, data={"language": current_language()})
    return render_template("codebook/codebook.html", codes=queries.codebook(), form=form,
                           may_manage=may_manage, seed_form=SeedForm(prefix="seed"),
                           upload_form=UploadForm(prefix="qdc"),
                           export_form=export_form)  # fmt: skip


@bp.route("/codebook/<int:code_id>", methods=["GET", "POST"])
@permission("codebook.manage")
def code(code_id: int):
    code = db.get_or_404(Code, code_id)
    form = CodeForm(obj=code) if request.method == "GET" else CodeForm()
    if request.method == "GET":
        form.fill(code)
        form.parent_id.data = code.parent_id or 0
        form.keywords.data = ", ".join(code.keyword_list)
    form.parent_id.choices = _parent_choices(code)
    merge_form = MergeForm(prefix="merge")
    merge_form.into.choices = _choices((c.id, c.path) for c in queries.codebook()
                               if c.active and c.codable and c is not code)  # fmt: skip
    if form.validate_on_submit():
        try:
            services.save_code(current_user, code, texts=form.texts(),
                               parent_id=form.parent_id.data or None,
                               keywords=form.keywords.data or "",
                               **{k: getattr(form, k).data for k in services.FIELDS})  # fmt: skip
        except CodingError as error:
            transaction.discard()
            code = db.get_or_404(Code, code_id)
            form.field_named(error.field).errors.append(error.message)
        else:
            flash(_("The code was saved."))
            return redirect(url_for("codebook.index") + f"#code-{code.id}")
    return render_template("codebook/code.html", code=code, form=form, merge_form=merge_form,
                           action_form=ActionForm(prefix="act"),
                           uses=queries.shared_uses(code))  # fmt: skip


@bp.post("/codebook/<int:code_id>/retire")
@permission("codebook.manage")
def retire(code_id: int):
    code = db.get_or_404(Code, code_id)
    if ActionForm(prefix="act").validate_on_submit():
        try:
            services.retire(current_user, code, retired=code.active)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(_("The code was retired: its codings stay, and it is no longer offered.")
                  if not code.active else _("The code is in use again."))  # fmt: skip
    return redirect(url_for("codebook.code", code_id=code.id))


@bp.post("/codebook/<int:code_id>/merge")
@permission("codebook.manage")
def merge(code_id: int):
    code = db.get_or_404(Code, code_id)
    form = MergeForm(prefix="merge")
    if form.validate_on_submit():
        into = queries.code(form.into.data)
        try:
            if into is None:
                raise CodingError(_("Choose another code, one that is in use, to merge into."))
            moved = services.merge(current_user, code, into)
        except CodingError as error:
            transaction.refuse(error)
            return redirect(url_for("codebook.code", code_id=code.id))
        flash(ngettext("%(name)s was merged into %(into)s; %(num)d coding moved.",
                       "%(name)s was merged into %(into)s; %(num)d codings moved.", moved,
                       name=code.name, into=into.name))  # fmt: skip
        return redirect(url_for("codebook.index") + f"#code-{into.id}")
    return redirect(url_for("codebook.code", code_id=code.id))


@bp.post("/codebook/seed")
@permission("codebook.manage")
def seed():
    form = SeedForm(prefix="seed")
    if form.validate_on_submit():
        added = services.seed_codebook(current_user)
        flash(
            ngettext(
                "%(num)d code was added from the starting codebook.",
                "%(num)d codes were added from the starting codebook.",
                added,
            )
        )
    return redirect(url_for("codebook.index"))
