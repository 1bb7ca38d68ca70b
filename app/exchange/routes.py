"""REFI-QDA downloads and uploads: the codebook (.qdc) and a project (.qdpx)."""

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.codebook.forms import UploadForm
from app.codebook.queries import codebook
from app.codebook.services import CodingError
from app.core import transaction
from app.core.downloads import attachment
from app.core.forms import ConfirmForm
from app.core.permissions import permission
from app.core.security import upload_limited
from app.exchange import export, imports, pending, undo
from app.exchange.forms import ExportForm, choices_form
from app.exchange.models import ImportState, ProjectImport
from app.exchange.notes import say

bp = Blueprint("exchange", __name__, url_prefix="/coding", template_folder="templates")


@bp.get("/codebook.qdc")
@permission("coding.work")
def export_codebook():
    if not codebook():
        flash(_("The codebook is empty."), "error")
        return redirect(url_for("codebook.index"))
    language = ExportForm(request.args).code_language
    content = export.export_codebook(current_user, language=language)
    return attachment(content, "application/xml", "codebook.qdc")


@bp.get("/project.qdpx")
@permission("coding.work")
def export_project():
    form = ExportForm(request.args)
    for_nvivo = form.for_nvivo
    content, _ = export.export_project(current_user, for_nvivo=for_nvivo,
                                       language=form.code_language)  # fmt: skip
    return attachment(content, "application/zip",
                      "redthread-nvivo.qdpx" if for_nvivo else "redthread.qdpx")  # fmt: skip


def _upload(form: UploadForm, suffix: str) -> bytes | None:
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return None
    upload = form.file.data
    if not (upload.filename or "").lower().endswith(suffix):
        flash(_("Choose a %(suffix)s file.", suffix=suffix), "error")
        return None
    return upload.read()


def _left_out(dropped: list) -> None:
    """What the codebook's reader left out, each kind once with its number (notes.say)."""
    for kept in dropped[:20]:
        flash(_("Left out: %(what)s", what=say(kept)), "warning")


@bp.post("/codebook/import")
@permission("codebook.manage")
@upload_limited
def import_codebook():
    data = _upload(UploadForm(prefix="qdc"), ".qdc")
    if data is not None:
        try:
            added, dropped = imports.import_codebook(current_user, data)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(ngettext("%(num)d code was added.", "%(num)d codes were added.", added))
            _left_out(dropped)
    return redirect(url_for("codebook.index"))


@bp.post("/import")
@permission("codebook.manage")
@upload_limited
def import_project():
    upload = UploadForm()
    data = _upload(upload, ".qdpx")
    if data is not None:
        try:
            record = pending.start(current_user, upload.file.data.filename, data)
        except CodingError as error:
            transaction.refuse(error)
        else:
            return redirect(url_for("exchange.import_preview", project_import_id=record.id))
    return redirect(url_for("workspace.index"))


def _own(project_import_id: int) -> ProjectImport:
    record = pending.project_import(current_user, project_import_id)
    if record is None:
        abort(404)
    return record


def _preview_page(record: ProjectImport, form=None, plan=None):
    """The preview with ``form``'s choices (the suggestions on a first look)."""
    if plan is None:
        plan = pending.preview(current_user, record)
        form = choices_form(plan)
        if form.is_submitted() and form.validate():
            plan = pending.preview(current_user, record, form.choices())
    paths = [c.path for c in codebook() if c.active]
    # the merge field as wide as the longest path, so that no path is cut short (the table
    # scrolls sideways on a narrow screen)
    width = max([len(p) for p in paths] + [len(r.into.path) for r in plan.codes if r.into] + [30])
    return render_template("exchange/import_preview.html", record=record, plan=plan, form=form,
                           paths=paths, path_width=min(width + 2, 160),
                           discard=ConfirmForm())  # fmt: skip


@bp.get("/import/<int:project_import_id>")
@permission("codebook.manage")
def import_preview(project_import_id: int):
    record = _own(project_import_id)
    if record.state in (ImportState.IMPORTED.value, ImportState.UNDONE.value):
        return redirect(url_for("exchange.import_report", project_import_id=record.id))
    pending.expire_stale()
    try:
        return _preview_page(record)
    except CodingError as error:
        flash(str(error.message), "error")
        return redirect(url_for("workspace.index"))


@bp.post("/import/<int:project_import_id>/preview")
@permission("codebook.manage")
def import_recount(project_import_id: int):
    # The choices come back to be counted again; nothing is saved.
    record = _own(project_import_id)
    try:
        return _preview_page(record)
    except CodingError as error:
        transaction.refuse(error)
        return redirect(url_for("exchange.import_preview", project_import_id=record.id))


@bp.post("/import/<int:project_import_id>/apply")
@permission("codebook.manage")
def import_apply(project_import_id: int):
    record = _own(project_import_id)
    try:
        plan = pending.preview(current_user, record)
        form = choices_form(plan)
        if not form.validate():
            return _preview_page(record, form, plan)
        pending.apply(current_user, record, form.digest.data, form.choices())
    except CodingError as error:
        transaction.refuse(error)
        return redirect(url_for("exchange.import_preview", project_import_id=record.id))
    return redirect(url_for("exchange.import_report", project_import_id=record.id))


@bp.post("/import/<int:project_import_id>/discard")
@permission("codebook.manage")
def import_discard(project_import_id: int):
    record = _own(project_import_id)
    if ConfirmForm().validate_on_submit():
        pending.discard(current_user, record)
        flash(_("The uploaded project was discarded; nothing was imported."))
    return redirect(url_for("workspace.index"))


@bp.get("/import/<int:project_import_id>/report")
@permission("codebook.manage")
def import_report(project_import_id: int):
    record = _own(project_import_id)
    if record.state not in (ImportState.IMPORTED.value, ImportState.UNDONE.value):
        return redirect(url_for("exchange.import_preview", project_import_id=record.id))
    result = pending.report_of(current_user, record)
    # a page, not a flash: what came in and what was left out must stay readable
    return render_template("exchange/import_report.html", result=result, record=record,
                           notes=Counter(result["dropped"]).most_common(),
                           undo_form=ConfirmForm())  # fmt: skip


@bp.post("/import/<int:project_import_id>/undo")
@permission("codebook.manage")
def import_undo(project_import_id: int):
    record = _own(project_import_id)
    if ConfirmForm().validate_on_submit():
        try:
            removed = undo.undo(current_user, record)
        except CodingError as error:
            transaction.refuse(error)
        else:
            flash(_("The import was undone: %(codes)s and %(codings)s removed.",
                    codes=ngettext("%(num)d code", "%(num)d codes", removed["codes"]),
                    codings=ngettext("%(num)d coding", "%(num)d codings",
                                     removed["codings"])))  # fmt: skip
    return redirect(url_for("exchange.import_report", project_import_id=record.id))
