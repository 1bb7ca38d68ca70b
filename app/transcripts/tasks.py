"""Background work: transcribing a recording, and destroying audio whose time is up.

A recording is decoded and transcribed a piece at a time (``WHISPER_PIECE_SECONDS``), so
memory does not grow with its length. After each piece the segments so far are saved as an
encrypted stored file named in the running job's row; a worker that dies midway is taken up
again by the sweeper from the last finished piece. The transcript itself is written only in
the job's last transaction, so there is never a half transcript.
"""

import io
import json
import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select

from analysis import speakers
from analysis.transcripts import Segment
from app.consent import gate
from app.core import job_queue, jobs, storage
from app.core.db import db
from app.transcripts import audio, engines, recordings, refusals, transcription, versions
from app.transcripts.models import Recording, Source

#: stored files holding the segments of the pieces a running job has finished
PARTS = "transcript_parts"


def _parts_of_running_jobs() -> set[str]:
    """Only a job that may still go on needs its parts: the nightly sweep takes the rest."""
    results = db.session.scalars(
        select(jobs.Job.result).where(
            jobs.Job.kind == transcription.TRANSCRIBE,
            jobs.Job.state.in_([state.value for state in jobs.ACTIVE_STATES]),
        )
    )
    return {json.loads(result).get("parts") for result in results if result} - {None}


storage.register_references(PARTS, _parts_of_running_jobs)

jobs.KIND_LABELS[transcription.TRANSCRIBE] = _l("Transcribe a recording")


def _engine(language: str):
    from flask import current_app

    config = current_app.config
    options = {"threads": config["WHISPER_THREADS"], "device": config["WHISPER_DEVICE"]}
    if config["WHISPER_ENGINE"] == "faster-whisper":
        options |= {"batch_size": config["WHISPER_BATCH_SIZE"],
                    "beam_size": config["WHISPER_BEAM_SIZE"]}  # fmt: skip
    try:
        engine = engines.load_engine(config["WHISPER_ENGINE"], transcription.model_path(language),
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
    if recording.interview.status not in refusals.WORKING:
        raise jobs.JobError(_("The interview's transcript is already verified."))


@jobs.cleanup(transcription.TRANSCRIBE)
def discard_parts(job: jobs.Job) -> None:
    """A transcription that failed or was cancelled is not taken up again: the pieces it
    kept (text and voice fingerprints) go at once, whatever ended it."""
    transcription.discard_parts(job)


def _diarizer(config):
    """The diarizer when speakers are to be labelled, else None."""
    if config["DIARIZATION"] == "off" or (
        config["DIARIZATION"] == "auto" and not engines.diarization_installed()
    ):
        return None
    try:
        return engines.load_diarizer(threads=config["WHISPER_THREADS"],
                                     device=config["WHISPER_DEVICE"])  # fmt: skip
    except engines.EngineError as error:
        raise jobs.JobError(_(error.message, **error.params)) from None


def _saved(saved: dict) -> dict | None:
    """What an earlier run saved (segments, voices), or None when there is nothing to go on
    from."""
    if not saved.get("parts") or not storage.exists(saved["parts"]):
        return None
    return json.loads(b"".join(storage.open_plaintext(saved["parts"])))


def _save(segments: list[list], voices: speakers.Voices, heard: list) -> str:
    # The voices' fingerprints are kept with the text: both are encrypted, and both go with
    # the job.
    kept = {"segments": segments, "voices": voices.saved(), "heard": heard}
    return storage.save(io.BytesIO(json.dumps(kept).encode()), PARTS).name


def _spoken(found, offset: float, diarizer, samples, voices: speakers.Voices) -> list[list]:
    """A piece's Whisper segments as [start, end, text, speaker], cut where speakers change."""
    if diarizer is None:
        return [[p.start + offset, p.end + offset, p.text, None] for p in found]
    turns, prints, seconds = diarizer.turns(samples)
    mapping = voices.match(prints, seconds)
    turns = [speakers.Turn(t.start, t.end, mapping[t.speaker]) for t in turns]
    rows = []
    for piece in found:
        for said in speakers.label_words(piece.start, piece.end, piece.text, piece.words, turns):
            if said.text:
                rows.append([said.start + offset, said.end + offset, said.text,
                             speakers.key(said.speaker)])  # fmt: skip
    return rows


def _record_language(transcript, heard: list) -> None:
    """The language heard most over the pieces (weighted by their length), how sure the
    detection was of it, and the share it gave the interview's own language."""
    total = sum(seconds for *_, seconds in heard)
    if not total:
        return
    weight: dict[str, float] = {}
    for language, share, _expected, seconds in heard:
        weight[language] = weight.get(language, 0.0) + share * seconds
    transcript.detected_language = max(weight, key=weight.get)
    transcript.detected_share = round(weight[transcript.detected_language] / total, 3)
    transcript.expected_share = round(sum(e * seconds for _, _, e, seconds in heard) / total, 3)


@jobs.handler(transcription.TRANSCRIBE)
def transcribe(job: jobs.Job) -> dict:
    from flask import current_app

    recording = db.session.get(Recording, job.params_dict["recording_id"])
    _allowed(job, recording)
    interview, began = recording.interview, time.monotonic()
    engine = _engine(interview.language)
    diarizer = _diarizer(current_app.config)
    saved = jobs.checkpoint(job)
    earlier = _saved(saved)  # the pieces done before, with the voices heard in them
    parts = saved["parts"] if earlier is not None else None
    segments = earlier["segments"] if earlier else []
    voices = speakers.Voices(**earlier["voices"]) if earlier else speakers.Voices()
    heard = earlier.get("heard", []) if earlier else []  # [language, share, expected, seconds]
    done = saved.get("done_samples", 0) if parts else 0
    resumed_from = done / audio.SAMPLE_RATE
    total = max(1, round(recording.duration * audio.SAMPLE_RATE))
    base = 0.02 + 0.97 * min(1.0, done / total)
    state = {"parts": parts, "done_samples": done, "run_began_at": base}
    jobs.set_checkpoint(job, base, state)
    last_report, count, previous = [0.0], 0, None
    try:
        with storage.open_seekable(recording.stored_name) as plain, jobs.heartbeat(job):
            for first, samples in audio.decode_pieces(
                plain, current_app.config["WHISPER_PIECE_SECONDS"]
            ):
                if first + len(samples) <= done:
                    continue  # finished by the run before this one

                size = len(samples)

                def report(share: float, first=first, size=size) -> None:
                    if time.monotonic() - last_report[0] >= 1.0:  # a commit a second at most
                        last_report[0] = time.monotonic()
                        jobs.set_progress(
                            job, 0.02 + 0.97 * min(1.0, (first + share * size) / total)
                        )

                detected = engine.detect(samples, interview.language)
                if detected:
                    heard.append([*detected, size / audio.SAMPLE_RATE])
                found = engine.transcribe(samples, interview.language, report)
                offset = first / audio.SAMPLE_RATE
                segments += _spoken(found, offset, diarizer, samples, voices)
                done, count, previous = first + len(samples), count + 1, parts
                parts = _save(segments, voices, heard)
                state |= {"parts": parts, "done_samples": done}
                jobs.set_checkpoint(job, 0.02 + 0.97 * min(1.0, done / total), state)
                if previous:
                    storage.delete(previous)
                    previous = None
    except Exception:
        # A failed or cancelled job is not taken up again: its parts go now (the last saved
        # and, if the cancel came as it was saved, the one before). A worker that is stopped
        # (KeyboardInterrupt, SystemExit) or killed keeps them for the next run.
        for name in {parts, previous} - {None}:
            storage.delete(name)
        raise
    recording = db.session.get(Recording, recording.id)
    db.session.refresh(recording)
    _allowed(job, recording)
    end = recording.duration
    segments = [Segment(text, min(start, end), min(stop, end), speaker)
                for start, stop, text, speaker in segments]  # fmt: skip
    if not segments:
        raise jobs.JobError(_("No speech was found in the recording."))
    transcript = versions.new_version(
        job.created_by, recording.interview, segments, source=Source.WHISPER,
        made_by=f"{engine.name} {engine.model_name}", recording=recording,
    )  # fmt: skip
    _record_language(transcript, heard)
    if parts:
        storage.delete_after_commit(parts)
    seconds = time.monotonic() - began
    return {
        "transcript_id": transcript.id,
        "version": transcript.version,
        "segments": len(segments),
        "audio_seconds": round(recording.duration, 2),
        "pieces": count,
        "device": getattr(engine, "device", "cpu"),
        "speakers": len(voices.fingerprints) if diarizer else None,
        "detected_language": transcript.detected_language,
        "resumed_from_seconds": round(resumed_from, 2),
        "seconds": round(seconds, 2),
        "real_time_factor": round(seconds / max(0.001, recording.duration - resumed_from), 4),
    }


@job_queue.periodic(crontab(minute="17", hour="3"), "destroy_due_audio", seconds=3600)
def destroy_due_audio() -> None:
    """Nightly: destroy the audio whose retention period is over."""
    recordings.destroy_due_audio()
