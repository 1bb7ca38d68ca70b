"""Automated transcription: which speech model serves an interview's language, queuing and
cancelling the transcription job of a recording, and stopping it (with the pieces it kept)
when the audio goes or automated_transcription consent is withdrawn. The job itself is in
tasks.py.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.consent import gate
from app.core import audit, job_queue, jobs, storage
from app.core.db import db
from app.core.permissions import authorize
from app.interviews.models import Interview
from app.transcripts import engines, installed_models
from app.transcripts.models import (
    Recording,
)
from app.transcripts.refusals import TranscriptError, explain, require_working

TRANSCRIBE = "transcripts.transcribe"


def subject(recording: Recording) -> str:
    return f"recording:{recording.id}"


def discard_parts(job: jobs.Job) -> None:
    """Remove the finished pieces a transcription job kept beside its row, if any."""
    parts = jobs.checkpoint(job).get("parts")
    if parts:
        storage.delete(parts)


def stop_jobs(recording: Recording) -> int:
    """Cancel the recording's transcription; the pieces of every job of the recording go
    too, ended ones included (a dead worker's run cannot remove its own)."""
    job = jobs.active_job(subject(recording))
    stopped = int(job is not None and jobs.cancel(job))
    for ended in db.session.scalars(select(jobs.Job).where(jobs.Job.subject == subject(recording))):
        discard_parts(ended)
    return stopped


def model_path(language: str) -> str | None:
    """The model folder for ``language``: its own setting (a path, or the name of a model in
    instance/models), else the model installed for it (`redthread models install
    --language`), else REDTHREAD_WHISPER_MODEL. Read at each use, so an installation counts
    without a restart."""
    root = installed_models.models_root(current_app.instance_path)
    configured = current_app.config["WHISPER_MODELS"].get(language)
    if configured:
        return installed_models.resolve(root, configured)
    chosen = installed_models.default_for(root, language)
    if chosen is not None:
        return str(chosen)
    fallback = current_app.config.get("WHISPER_MODEL_FALLBACK")
    return installed_models.resolve(root, fallback) if fallback else None


def jobs_using_model(folder) -> int:
    """How many queued or running transcriptions would use the model in ``folder``."""
    from pathlib import Path

    active = db.session.scalars(
        select(jobs.Job).where(
            jobs.Job.kind == TRANSCRIBE,
            jobs.Job.state.in_([state.value for state in jobs.ACTIVE_STATES]),
        )
    ).all()
    wanted = Path(folder).resolve()
    count = 0
    for job in active:
        recording = db.session.get(Recording, job.params_dict.get("recording_id"))
        path = recording and model_path(recording.interview.language)
        count += bool(path) and Path(path).resolve() == wanted
    return count


def speech_models_overview() -> dict:
    """For the administrator: each language's model (or why none) and the installed models
    with the languages they serve and their last measured speed. Reads files only."""
    root = installed_models.models_root(current_app.instance_path)
    languages = {language: speech_model(language) for language in current_app.config["LANGUAGES"]}
    paths = {language: model_path(language) for language in languages}
    models = installed_models.installed(root)
    for model in models:
        model["serves"] = [lang for lang, path in paths.items() if path == model["path"]]
    return {"languages": languages, "models": models, "root": str(root)}


@dataclass(frozen=True)
class SpeechModel:
    """The model an interview's language would be transcribed with, as the upload page and
    the job see it. ``refusal`` says why it may not be used (an English-only model for a
    Swedish or Danish interview), else None."""

    name: str
    multilingual: bool | None
    refusal: str | None


def speech_model(language: str) -> SpeechModel | None:
    """The configured model for ``language``, or None when there is none."""
    path = model_path(language)
    if not path:
        return None
    name = path.rstrip("/").rsplit("/", 1)[-1]
    multilingual = engines.is_multilingual(path)
    try:
        engines.refuse_english_only(multilingual is not False, language, name)
        refusal = None
    except engines.EngineError as error:
        refusal = explain(error)
    return SpeechModel(name, multilingual, refusal)


def start_transcription(actor, recording: Recording) -> jobs.Job:
    """Queue a transcription job (after the commit); one at a time per recording."""
    interview = recording.interview
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "audio.transcribe")
    require_working(interview)
    if not recording.live:
        raise TranscriptError(_l("The recording has been destroyed."))
    model = speech_model(interview.language)
    if model is None:
        raise TranscriptError(
            _l("No speech model is installed for this interview's language; ask the "
               "administrator (see the administrator guide) or import a transcript."))  # fmt: skip
    if model.refusal:
        raise TranscriptError(model.refusal)
    if jobs.active_job(subject(recording)):
        raise TranscriptError(_l("This recording is already being transcribed."))
    try:
        job = job_queue.submit(
            TRANSCRIBE, actor, subject=subject(recording), recording_id=recording.id
        )
    except IntegrityError:  # another request queued one a moment ago; the request rolls back
        raise TranscriptError(_l("This recording is already being transcribed.")) from None
    audit.record(actor, "transcript.transcribe", "recording", recording.id, job=job.id)
    return job


def cancel_transcription(actor, job: jobs.Job) -> None:
    recording = db.session.get(Recording, job.params_dict["recording_id"])
    authorize(actor, "transcripts.work", recording.interview)
    if not jobs.cancel(job):
        raise TranscriptError(_l("The transcription has already ended."))
    audit.record(actor, "transcript.cancel", "recording", recording.id, job=job.id)


def latest_job(recording: Recording) -> jobs.Job | None:
    return db.session.scalar(
        select(jobs.Job)
        .where(jobs.Job.subject == subject(recording))
        .order_by(jobs.Job.id.desc())
        .limit(1)
    )


def stop_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """automated_transcription withdrawn: a running transcription stops, writing nothing."""
    stopped = sum(stop_jobs(r) for r in interview.recordings)
    return [{"effect": "transcription_stopped", "count": stopped}] if stopped else []
