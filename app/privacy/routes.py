from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import jobs, restore, storage
from app.core.calendar import today
from app.core.db import db
from app.core.permissions import permission
from app.participants.models import Participant
from app.privacy import access, erasure, queries
from app.privacy.forms import EraseForm, ExportForm, FindForm
from app.privacy.withdrawal import erase_derived

bp = Blueprint("privacy", __name__, url_prefix="/privacy", template_folder="templates")


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    # first: it reads the releases that the releases' own effect deletes
    consent.register_effect(Scope.PARTICIPATION, erase_derived, 10)
    restore.register_erasure_replay(erasure.replay_erasures)


bp.record_once(_register)


def _counts(participant: Participant) -> dict:
    held = erasure.holdings(participant)
    return {
        "placements": len(held.placements), "interviews": len(held.interviews),
        "consents": len(held.consents), "recordings": len(held.recordings),
        "transcripts": len(held.transcripts), "releases": len(held.releases),
        "files": len(held.files),
    }  # fmt: skip


@bp.get("/participants/<int:participant_id>")
@permission("privacy.access")
def overview(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    return render_template(
        "privacy/overview.html",
        participant=participant,
        counts=_counts(participant),
        exports=access.exports_of(participant),
        form=ExportForm(),
    )


@bp.post("/participants/<int:participant_id>/export")
@permission("privacy.access")
def export_start(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = ExportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("privacy.overview", participant_id=participant.id))
    withhold_flags, withhold_others = form.choices()
    try:
        job = access.start_export(current_user, participant, withhold_flags=withhold_flags,
                                  withhold_others=withhold_others,
                                  controller=form.contact())  # fmt: skip
    except access.ExportRefused as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("privacy.overview", participant_id=participant.id))
    flash(_("The export is being made."))
    return redirect(url_for("privacy.export_status", job_id=job.id))


def _export_job(job_id: int) -> jobs.Job:
    job = db.get_or_404(jobs.Job, job_id)
    if job.kind != access.EXPORT:
        abort(404)
    return job


@bp.get("/exports/<int:job_id>")
@permission("privacy.access")
def export_status(job_id: int):
    job = _export_job(job_id)
    if request.accept_mimetypes.best == "application/json":
        return job.status()
    participant = queries.export_participant(job)
    return render_template("privacy/export.html", job=job, participant=participant)


@bp.get("/exports/<int:job_id>/download")
@permission("privacy.access")
def export_download(job_id: int):
    job = _export_job(job_id)
    try:
        participant, name = access.export_file(current_user, job)
    except access.ExportRefused as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("privacy.export_status", job_id=job.id))
    filename = f"{participant.code}-subject-access-{today().isoformat()}.zip"
    chunks = stream_with_context(storage.open_plaintext(name))
    response = current_app.response_class(chunks, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/erase", methods=["GET", "POST"])
@permission("privacy.erase")
def find():
    form = FindForm()
    if form.validate_on_submit():
        participant = Participant.by_code(form.code.data)
        if participant is not None:
            return redirect(url_for("privacy.erase", participant_id=participant.id))
        form.code.errors = [*form.code.errors, _("No participant has this code.")]
    return render_template("privacy/find.html", form=form)


@bp.route("/participants/<int:participant_id>/erase", methods=["GET", "POST"])
@permission("privacy.erase")
def erase(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = EraseForm()
    if form.validate_on_submit():
        code = participant.code
        try:
            erasure.erase(current_user, participant, form.confirmation.data)
        except erasure.ErasureRefused as refused:
            form.confirmation.errors = [*form.confirmation.errors, refused.message]
        else:
            flash(_("%(code)s was erased everywhere. The audit trail keeps that it was done.",
                    code=code))  # fmt: skip
            return redirect(url_for("privacy.find"))
    return render_template(
        "privacy/erase.html", participant=participant, counts=_counts(participant), form=form
    )
