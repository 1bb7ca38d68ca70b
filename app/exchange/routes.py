"""REFI-QDA downloads and uploads: the codebook (.qdc) and a project (.qdpx)."""

from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.codebook.forms import UploadForm
from app.codebook.queries import codebook
from app.codebook.services import CodingError
from app.core import transaction
from app.core.downloads import attachment
from app.core.permissions import permission
from app.core.security import upload_limited
from app.exchange import export, imports
from app.exchange.forms import ExportForm

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


def _left_out(dropped: list[str]) -> None:
    for note, count in Counter(dropped).most_common(20):
        flash(_("Left out: %(what)s", what=note) + (f" (× {count})" if count > 1 else ""),
              "warning")  # fmt: skip


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
    data = _upload(UploadForm(), ".qdpx")
    if data is not None:
        try:
            result = imports.import_project(current_user, data)
        except CodingError as error:
            transaction.refuse(error)
        else:
            # a page, not a flash: what came in and what was left out must stay readable
            return render_template("exchange/import_report.html", result=result,
                                   notes=Counter(result["dropped"]).most_common())  # fmt: skip
    return redirect(url_for("workspace.index"))
