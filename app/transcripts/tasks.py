"""Background work: transcribing a recording, and destroying audio whose time is up.

The transcription keeps its segments in memory until the engine is done and writes the
transcript in the job's last transaction, so a worker that dies midway leaves no half
transcript: the job is taken up again by the sweeper, from the start.
"""

import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab

from analysis.transcripts import Segment
from app.consent import gate
from app.core import jobs, storage
from app.core.db import db
from app.transcripts import audio, engines, services
from app.transcripts.models import Recording, Source

jobs.KIND_LABELS[services.TRANSCRIBE] = _l("Transcribe a recording")


def _engine(language: str):
    from flask import current_app

    config = current_app.config
    options = {"threads": config["WHISPER_THREADS"]}
    if config["WHISPER_ENGINE"] == "faster-whisper":
        options |= {"batch_size": config["WHISPER_BATCH_SIZE"],
                    "beam_size": config["WHISPER_BEAM_SIZE"]}  # fmt: skip
    try:
        engine = engines.load_engine(config["WHISPER_ENGINE"], services.model_path(language),
                                     **options)  # fmt: skip
        engines.refuse_english_only(engine.multilingual, language, engine.model_name)
        return engine
    except engines.EngineError as error:
        raise jobs.JobError(_(error.message, **error.params)) from None


def _allowed(job: jobs.Job, recording: Recording) -> None:
    """Consent and the recording are checked when the job starts and again before it writes:
    a withdrawal meanwhile stops it."""
    if recording is None or not recording.live:
        raise jobs.JobError(_("The recording was destroyed before it was transcribed."))
    try:
        gate.require(job.created_by, recording.interview, "audio.transcribe")
    except gate.ConsentMissing as missing:
        raise jobs.JobError(str(missing.message)) from None
    if recording.interview.status not in services.WORKING:
        raise jobs.JobError(_("The interview's transcript is already verified."))


@jobs.handler(services.TRANSCRIBE)
def transcribe(job: jobs.Job) -> dict:
    recording = db.session.get(Recording, job.params_dict["recording_id"])
    _allowed(job, recording)
    interview, began = recording.interview, time.monotonic()
    engine = _engine(interview.language)
    jobs.set_progress(job, 0.01)
    with storage.open_seekable(recording.stored_name) as plain:
        samples = audio.decode(plain)
    last_report = [0.0]

    def report(share: float) -> None:  # a commit a second at most
        if time.monotonic() - last_report[0] >= 1.0:
            last_report[0] = time.monotonic()
            jobs.set_progress(job, 0.02 + 0.97 * share)

    jobs.set_progress(job, 0.02)
    with jobs.heartbeat(job):  # an engine may report progress rarely (openai-whisper: at the end)
        pieces = engine.transcribe(samples, interview.language, report)
    recording = db.session.get(Recording, recording.id)
    db.session.refresh(recording)
    _allowed(job, recording)
    end = recording.duration
    segments = [Segment(p.text, min(p.start, end), min(p.end, end)) for p in pieces]
    if not segments:
        raise jobs.JobError(_("No speech was found in the recording."))
    transcript = services.new_version(
        job.created_by, recording.interview, segments, source=Source.WHISPER,
        made_by=f"{engine.name} {engine.model_name}", recording=recording,
    )  # fmt: skip
    seconds = time.monotonic() - began
    return {
        "transcript_id": transcript.id,
        "version": transcript.version,
        "segments": len(segments),
        "audio_seconds": round(recording.duration, 2),
        "seconds": round(seconds, 2),
        "real_time_factor": round(seconds / recording.duration, 4),
    }


@jobs.huey.periodic_task(crontab(minute="17", hour="3"))
def destroy_due_audio() -> None:
    """Nightly: destroy the audio whose retention period is over."""
    if jobs._worker_app is not None:
        with jobs._worker_app.app_context():
            from flask import g

            g.audit_origin = "job"
            services.destroy_due_audio()
            db.session.commit()
