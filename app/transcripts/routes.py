from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from app.consent import gate
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import jobs, transaction
from app.core.db import db
from app.core.downloads import attachment
from app.core.forms import ConfirmForm, json_body
from app.core.permissions import permission
from app.core.security import upload_limited
from app.interviews import routes as interview_pages
from app.interviews.models import Interview
from app.transcripts import (  # tasks registers the job handler
    editing,
    guide_links,
    naming,
    queries,
    recordings,
    refusals,
    tasks,  # noqa: F401
    transcription,
    versions,
)
from app.transcripts.forms import (
    AudioForm,
    AudioQuery,
    GuideLinkForm,
    ImportForm,
    SegmentsBody,
    VerifyForm,
    speakers_form,
)
from app.transcripts.models import Recording, Transcript
from app.transcripts.refusals import TranscriptConflict, TranscriptError

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts", template_folder="templates")


def _register(_state) -> None:
    """What this area gives the layers below it, registered as the app takes the blueprint."""
    interview_pages.PANELS["audio"] = interview_panel
    consent.register_effect(Scope.PARTICIPATION, versions.erase_for_withdrawal, 30)
    consent.register_effect(Scope.AUDIO_RECORDING, recordings.destroy_for_withdrawal, 30)
    consent.register_effect(Scope.AUDIO_RECORDING, transcription.stop_for_withdrawal, 31)
    consent.register_effect(Scope.AUTOMATED_TRANSCRIPTION, transcription.stop_for_withdrawal, 31)


bp.record_once(_register)


def _back(interview_id: int):
    return redirect(url_for("interviews.show", interview_id=interview_id) + "#recording")


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


@bp.post("/interview/<int:interview_id>/audio")
@permission("transcripts.work")
@upload_limited
def upload(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    form = AudioForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(interview.id)
    upload = form.audio.data
    try:
        recordings.upload_recording(current_user, interview, upload.stream, upload.filename or "")
    except (TranscriptError, gate.ConsentMissing) as error:
        transaction.refuse(error)
    else:
        flash(_("The recording was uploaded and checked."))
    return _back(interview.id)


@bp.get("/recording/<int:recording_id>/audio")
@permission("transcripts.work")
def audio(recording_id: int):
    """The decrypted audio, with HTTP Range support so that the player can seek."""
    recording = db.get_or_404(Recording, recording_id)
    download = AudioQuery.read(quiet=True).value("download") == "1"
    try:
        reader = recordings.open_audio(current_user, recording, download=download)
    except TranscriptError:
        abort(410)
    response = current_app.response_class(
        FileWrapper(reader), mimetype=recording.mime_type, direct_passthrough=True
    )
    response.content_length = reader.size
    response.headers["Cache-Control"] = "no-store"
    if download:
        code = recording.interview.participant.code
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{code}-interview-{recording.interview_id}.'
            f'{recording.file_type}"'
        )
    try:
        return response.make_conditional(request, accept_ranges=True,
                                          complete_length=reader.size)  # fmt: skip
    except RequestedRangeNotSatisfiable:
        reader.close()
        raise


@bp.post("/recording/<int:recording_id>/delete")
@permission("transcripts.work")
def delete_recording(recording_id: int):
    recording = db.get_or_404(Recording, recording_id)
    if ConfirmForm().validate_on_submit():
        try:
            recordings.delete_recording(current_user, recording)
        except TranscriptError as error:
            transaction.refuse(error)
        else:
            flash(_("The recording was destroyed."))
    return _back(recording.interview_id)


@bp.post("/recording/<int:recording_id>/transcribe")
@permission("transcripts.work")
def transcribe(recording_id: int):
    recording = db.get_or_404(Recording, recording_id)
    if ConfirmForm().validate_on_submit():
        try:
            transcription.start_transcription(current_user, recording)
        except (TranscriptError, gate.ConsentMissing) as error:
            transaction.refuse(error)
        else:
            flash(_("The transcription was queued. You can follow it here."))
    return _back(recording.interview_id)


def _job(job_id: int) -> tuple[jobs.Job, Recording]:
    job = db.get_or_404(jobs.Job, job_id)
    if job.kind != transcription.TRANSCRIBE:
        abort(404)
    recording = db.get_or_404(Recording, job.params_dict["recording_id"])
    if recording.interview.interviewer_id != current_user.id:
        abort(403)
    return job, recording


@bp.get("/jobs/<int:job_id>")
@permission("transcripts.work")
def job_status(job_id: int):
    job, recording = _job(job_id)
    if request.accept_mimetypes.best == "application/json":
        return job.status()
    return _back(recording.interview_id)


@bp.post("/jobs/<int:job_id>/cancel")
@permission("transcripts.work")
def cancel(job_id: int):
    job, recording = _job(job_id)
    if ConfirmForm().validate_on_submit():
        try:
            transcription.cancel_transcription(current_user, job)
        except TranscriptError as error:
            transaction.refuse(error)
        else:
            flash(_("The transcription was cancelled."))
    return _back(recording.interview_id)


@bp.post("/interview/<int:interview_id>/import")
@permission("transcripts.work")
@upload_limited
def import_file(interview_id: int):
    interview = db.get_or_404(Interview, interview_id)
    form = ImportForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(interview.id)
    upload = form.file.data
    data = upload.stream.read(current_app.config["TRANSCRIPT_MAX_BYTES"] + 1)
    try:
        transcript = versions.import_transcript(current_user, interview, data, upload.filename)
    except (TranscriptError, gate.ConsentMissing) as error:
        transaction.refuse(error)
        return _back(interview.id)
    flash(_("The transcript was imported as version %(n)s.", n=transcript.version))
    return redirect(url_for("transcripts.edit", transcript_id=transcript.id))


@bp.get("/<int:transcript_id>")
@permission("transcripts.work")
def edit(transcript_id: int):
    transcript = versions.read_transcript(current_user, db.get_or_404(Transcript, transcript_id))
    interview = transcript.interview
    recording = transcript.recording if transcript.recording and transcript.recording.live else None
    if recording is None:
        recording = recordings.live_recording(interview)
    editable = not transcript.verified and transcript is versions.current(interview)
    segments = [_segment_json(s) for s in transcript.segments]
    names = naming.speaker_names(transcript)
    unnamed = naming.unnamed_speakers(transcript)
    first_words = {
        key: next(s.text for s in transcript.segments if s.speaker == key)[:120] for key in unnamed
    }
    return render_template(
        "transcripts/edit.html", transcript=transcript, interview=interview,
        recording=recording if recording and gate.allows(interview, "audio.play") else None,
        editable=editable, segments=segments, speakers=list(names.items()), form=ConfirmForm(),
        speakers_form=speakers_form(unnamed, names, revision=transcript.revision)
        if editable and unnamed else None,
        first_words=first_words, heard_language=naming.heard_language(transcript),
        interview_language=naming.language_name(interview.language),
    )  # fmt: skip


@bp.post("/<int:transcript_id>/segments")
@permission("transcripts.work")
def save(transcript_id: int):
    transcript = db.get_or_404(Transcript, transcript_id)
    body = json_body(SegmentsBody)
    if body is None:
        return {"error": _("The transcript could not be saved.")}, 400
    try:
        editing.save_segments(current_user, transcript, body.segments, body.revision)
    except TranscriptConflict:
        # Nothing was written. The editor keeps what the person typed and shows it beside the
        # saved version, so the answer carries the saved segments; reading them is audited,
        # so the answer is a 200 that commits (the wrapper rolls back an error status).
        saved = versions.read_transcript(current_user, queries.as_saved(transcript))
        return {
            "conflict": True,
            "error": _("This transcript was saved in another window while you were editing "
                       "here. Your changes are kept in this window: compare them with the saved "
                       "version below and choose."),
            "revision": saved.revision,
            "segments": [_segment_json(s) for s in saved.segments],
        }  # fmt: skip
    except (TranscriptError, gate.ConsentMissing) as error:
        return {"error": str(error.message)}, 400 if isinstance(error, TranscriptError) else 403
    return {"revision": transcript.revision, "saved": _("Saved")}


def _segment_json(s) -> dict:
    return {"text": s.text, "start": s.start_ms / 1000 if s.start_ms is not None else None,
            "end": s.end_ms / 1000 if s.end_ms is not None else None,
            "speaker": s.speaker or ""}  # fmt: skip


@bp.post("/<int:transcript_id>/speakers")
@permission("transcripts.work")
def name_speakers(transcript_id: int):
    transcript = db.get_or_404(Transcript, transcript_id)
    try:  # before anything is said about its content
        editing.check_editable(current_user, transcript)
    except (TranscriptError, gate.ConsentMissing) as error:
        transaction.refuse(error)
        return redirect(url_for("transcripts.edit", transcript_id=transcript.id))
    keys = naming.unnamed_speakers(transcript)
    form = speakers_form(keys, naming.speaker_names(transcript))
    if not keys:
        flash(_("Every speaker already has a role."))
    elif form.validate_on_submit():
        try:
            editing.name_speakers(current_user, transcript, form.roles(), form.revision.data)
        except (TranscriptError, gate.ConsentMissing) as error:
            transaction.refuse(error)
        else:
            flash(_("The speakers are named in the whole transcript."))
    else:
        flash(_("Choose a role for each speaker."), "error")
    return redirect(url_for("transcripts.edit", transcript_id=transcript.id))


@bp.post("/<int:transcript_id>/verify")
@permission("transcripts.work")
def verify(transcript_id: int):
    """Asked without the confirmation, the answer is the page that says what verifying
    does and asks for it; only the confirmed form verifies."""
    transcript = db.get_or_404(Transcript, transcript_id)
    form = VerifyForm()
    if not ConfirmForm().validate_on_submit():
        return _back(transcript.interview_id)
    try:
        if not form.validate():
            plan = editing.verify_preview(current_user, transcript)
            if not form.asked.data:
                form.confirm.errors = []  # the first look: nothing was refused yet
            return render_template(
                "transcripts/verify.html", transcript=transcript,
                interview=transcript.interview, plan=plan, form=form,
            )  # fmt: skip
        editing.verify(current_user, transcript)
    except (TranscriptError, gate.ConsentMissing) as error:
        transaction.refuse(error)
        return redirect(url_for("transcripts.edit", transcript_id=transcript.id))
    flash(_("The transcript is verified."))
    return _back(transcript.interview_id)


@bp.get("/<int:transcript_id>/export/<file_type>")
@permission("transcripts.work")
def export(transcript_id: int, file_type: str):
    if file_type not in versions.EXPORT_TYPES:
        abort(404)
    transcript = db.get_or_404(Transcript, transcript_id)
    return attachment(*versions.export(current_user, transcript, file_type))


@bp.get("/<int:transcript_id>/guide")
@permission("transcripts.work")
def guide(transcript_id: int):
    """Each segment's guide question, suggested or confirmed, for the interviewer to confirm."""
    transcript = versions.read_transcript(current_user, db.get_or_404(Transcript, transcript_id))
    try:
        guide_links.check_linkable(current_user, transcript)
        may_link = True
    except (TranscriptError, gate.ConsentMissing):
        may_link = False
    guide = transcript.interview.guide_version.guide
    return render_template("transcripts/guide.html", transcript=transcript,
                           interview=transcript.interview, rows=guide_links.rows(transcript),
                           labels=guide_links.labels(guide), may_link=may_link,
                           form=ConfirmForm(), link_form=GuideLinkForm())  # fmt: skip


@bp.post("/<int:transcript_id>/guide")
@permission("transcripts.work")
def confirm_guide(transcript_id: int):
    transcript = db.get_or_404(Transcript, transcript_id)
    if ConfirmForm().validate_on_submit():
        try:
            count = guide_links.confirm_all(current_user, transcript)
        except (TranscriptError, gate.ConsentMissing) as error:
            transaction.refuse(error)
        else:
            flash(
                ngettext(
                    "%(num)d segment is confirmed in its guide section.",
                    "%(num)d segments are confirmed in their guide sections.",
                    count,
                )
            )
    return redirect(url_for("transcripts.guide", transcript_id=transcript.id))


def _link_form(transcript: Transcript) -> GuideLinkForm:
    form = GuideLinkForm()
    labels = guide_links.labels(transcript.interview.guide_version.guide)
    form.question.choices = [("", _("No question of the guide")), *(
        (key, f"{section} – {text}") for key, (section, text) in labels.items())]  # fmt: skip
    return form


@bp.route("/<int:transcript_id>/guide/<int:position>", methods=["GET", "POST"])
@permission("transcripts.work")
def guide_link(transcript_id: int, position: int):
    """One segment's guide question: shown with its text, changed or cleared."""
    transcript = db.get_or_404(Transcript, transcript_id)
    try:  # before anything is said about its content
        guide_links.check_linkable(current_user, transcript)
    except (TranscriptError, gate.ConsentMissing) as error:
        transaction.refuse(error)
        return redirect(url_for("transcripts.guide", transcript_id=transcript.id))
    back = url_for("transcripts.guide", transcript_id=transcript.id, _anchor=f"s{position}")
    form = _link_form(transcript)
    if form.validate_on_submit():
        try:
            carried = guide_links.set_link(current_user, transcript, position,
                                           form.question.data or None, form.carry.data)  # fmt: skip
        except TranscriptError as error:
            transaction.refuse(error)
        else:
            flash(_("The segment's guide question is saved."))
            if carried:
                flash(ngettext("%(num)d segment after it was changed with it.",
                               "%(num)d segments after it were changed with it.",
                               carried))  # fmt: skip
        return redirect(back)
    versions.read_transcript(current_user, transcript)
    row = next((r for r in guide_links.rows(transcript) if r.segment.position == position), None)
    if row is None:
        abort(404)
    # After a refused choice too: the select shows the segment's own question (a value not
    # among the options would show as "no question", and saving again would clear it).
    form.question.data = row.question_key or ""
    status = 400 if form.errors else 200
    return render_template("transcripts/guide_link.html", transcript=transcript,
                           interview=transcript.interview, row=row, form=form,
                           back=back), status  # fmt: skip


@bp.get("/retention")
@permission("transcripts.retention")
def retention():
    """Every recording's retention, for the coordinator: dates only, no content."""
    found = queries.recordings_for_retention()
    days = current_app.config["AUDIO_RETENTION_DAYS"]
    destroy_on = {r.id: recordings.retention_day(r, days) for r in found if r.live}
    return render_template("transcripts/retention.html", recordings=found, days=days,
                           destroy_on=destroy_on)  # fmt: skip


@bp.get("/admin/speech-models")
@permission("admin.speech_models")
def speech_models():
    """The installed speech models, for the administrator; installing is a command."""
    return render_template(
        "transcripts/speech_models.html", **transcription.speech_models_overview()
    )


def interview_panel(interview: Interview) -> dict:
    """What the interview page shows of audio and transcripts (to the interviewer)."""
    recording = recordings.live_recording(interview)
    job = None
    if recording is not None:
        job = transcription.latest_job(recording)
    elif interview.recordings:
        job = transcription.latest_job(interview.recordings[-1])
    return {
        "recording": recording,
        "destroyed": [r for r in interview.recordings if not r.live],
        "job": job,
        "transcripts": list(reversed(interview.transcripts)),
        "current": versions.current(interview),
        "working": interview.status in refusals.WORKING,
        "language": naming.language_name(interview.language),
        "model": (model := transcription.speech_model(interview.language)),
        "model_ready": model is not None and not model.refusal,
        "may_record": gate.allows(interview, "audio.upload"),
        "may_transcribe": gate.allows(interview, "audio.transcribe"),
        "may_write": gate.allows(interview, "transcript.write"),
        "audio_form": AudioForm(),
        "import_form": ImportForm(),
        "action_form": ConfirmForm(),
        "max_mb": current_app.config["AUDIO_MAX_BYTES"] // 1024**2,
    }
