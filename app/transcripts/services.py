"""Recordings and transcripts: upload, transcription, import, editing, verification,
export and destruction of the audio.

Every function takes the acting user, checks the permission and the consent gate on the
interview, and audits reads of audio and transcripts. Services flush; the request or the
job commits.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from analysis import speakers
from analysis import transcripts as formats
from analysis.transcripts import FormatError, Segment
from app.consent import gate
from app.core import audit, jobs, storage
from app.core.calendar import local_date, today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.interviews.models import Interview, InvalidStep, Status
from app.transcripts import audio, engines, installer
from app.transcripts.models import (
    SPEAKER_LABELS,
    DestroyReason,
    Recording,
    Source,
    Speaker,
    Transcript,
    TranscriptSegment,
    is_speaker,
    speaker_label,
)

TRANSCRIBE = "transcripts.transcribe"
#: statuses in which audio and transcripts can still be added or changed
WORKING = (Status.CONDUCTED.value, Status.DOCUMENTED.value, Status.TRANSCRIBED.value)
#: a player asks for many byte ranges; one audit entry per person and recording in this time
PLAY_AUDIT_WINDOW = timedelta(minutes=10)


class TranscriptError(Refused, ValueError):
    """A refused change; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


class TranscriptConflict(TranscriptError):
    """Someone saved the transcript since this editor loaded it."""


def _explain(error) -> str:
    """The translated message of an analysis or engine error (English msgid + params)."""
    return _(error.message, **error.params)


def speaker_words() -> dict[str, str]:
    """What people write for each speaker ("IP:", "Ungt menneske:", "Interviewer (I):") and
    the speaker names in every interface language, lowercased -> key."""
    labels = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            for speaker, label in SPEAKER_LABELS.items():
                labels[str(label)] = speaker.value
    return formats.speaker_word_map(labels)


def speaker_names(transcript: Transcript | None = None) -> dict[str, str]:
    """Speaker key -> label, with the numbered speakers of ``transcript`` not yet named."""
    names = {speaker.value: str(label) for speaker, label in SPEAKER_LABELS.items()}
    for key in unnamed_speakers(transcript) if transcript is not None else []:
        names[key] = str(speaker_label(key))
    return names


def language_name(code: str | None) -> str | None:
    """A language named in the reader's language ("svenska", "Swedish", "latin")."""
    if not code:
        return None
    from babel import Locale, UnknownLocaleError
    from flask_babel import get_locale

    try:
        return Locale.parse(code).get_display_name(get_locale())
    except (ValueError, UnknownLocaleError):
        return code


def heard_language(transcript: Transcript) -> str | None:
    """The language Whisper heard, named in the reader's language."""
    return language_name(transcript.detected_language)


def unnamed_speakers(transcript: Transcript) -> list[str]:
    """The diarizer's numbered speakers ("speaker_1", ...) still in the transcript, in order."""
    found = {s.speaker for s in transcript.segments if speakers.number(s.speaker) is not None}
    return sorted(found, key=speakers.number)


def _take_revision(transcript: Transcript, revision: int) -> None:
    """Move the transcript past ``revision``, or refuse: a compare-and-set in the database,
    so that of two saves from the same revision exactly one wins."""
    taken = db.session.execute(
        update(Transcript)
        .where(Transcript.id == transcript.id, Transcript.revision == revision)
        .values(revision=revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise TranscriptConflict(_l("Someone else saved this transcript meanwhile. Reload the "
                                    "page; your last changes are not saved."))  # fmt: skip
    db.session.expire(transcript, ["revision", "updated_at"])


def name_speakers(actor, transcript: Transcript, roles: dict[str, str], revision: int) -> int:
    """Give the diarizer's numbered speakers their roles ("speaker_1" is the interviewer),
    on every segment at once; refused, like the editor's save, if the transcript changed
    since ``revision``. Returns the segments changed."""
    _editable(actor, transcript)
    found = set(unnamed_speakers(transcript))
    if not roles or not set(roles) <= found:
        raise TranscriptError(_l("These speakers are not in the transcript."))
    if any(role not in {s.value for s in Speaker} for role in roles.values()):
        raise TranscriptError(_l("Choose a role for each speaker."))
    _take_revision(transcript, revision)
    changed = 0
    for segment in transcript.segments:
        if segment.speaker in roles:
            segment.speaker = roles[segment.speaker]
            changed += 1
    db.session.flush()
    audit.record(actor, "transcript.speakers", "transcript", transcript.id,
                 revision=transcript.revision, roles=roles, segments=changed)  # fmt: skip
    return changed


def _working(interview: Interview) -> None:
    if interview.status not in WORKING:
        raise TranscriptError(
            _l("Audio and transcripts are added after the interview is marked conducted, and "
               "until its transcript is verified."))  # fmt: skip


def live_recording(interview: Interview) -> Recording | None:
    return next((r for r in interview.recordings if r.live), None)


def current(interview: Interview) -> Transcript | None:
    return interview.transcripts[-1] if interview.transcripts else None


# --- audio -----------------------------------------------------------------------------------


def upload_recording(actor, interview: Interview, src: BinaryIO, filename: str) -> Recording:
    """Store the audio encrypted, streaming it to disk, then decode it once to check it."""
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "audio.upload")
    _working(interview)
    if live_recording(interview):
        raise TranscriptError(_l("This interview already has a recording. Delete it first to "
                                 "upload another."))  # fmt: skip
    file_type = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if file_type not in audio.FILE_TYPES:
        raise TranscriptError(
            _l("Upload a .wav, .mp3, .m4a, .ogg, .opus, .flac or .webm audio file."), "audio"
        )
    limit = current_app.config["AUDIO_MAX_BYTES"]
    try:
        stored = storage.save(src, "audio", limit=limit)
    except storage.FileTooLarge:
        raise TranscriptError(_l("The file is larger than %(mb)s MB.", mb=limit // 1024**2),
                              "audio") from None  # fmt: skip
    try:
        with storage.open_seekable(stored.name) as plain:
            info = audio.probe(plain, current_app.config["AUDIO_MAX_SECONDS"])
    except audio.AudioError as error:
        storage.delete(stored.name)
        raise TranscriptError(_explain(error), "audio") from None
    except BaseException:
        storage.delete(stored.name)
        raise
    storage.delete_on_rollback(stored.name)
    recording = Recording(
        interview=interview,
        stored_name=stored.name,
        size=stored.size,
        sha256=stored.sha256,
        file_type=file_type,
        duration=info.duration,
        uploaded_by_id=actor.id,
    )
    db.session.add(recording)
    if interview.status == Status.CONDUCTED.value:
        interview.advance(Status.DOCUMENTED)
    db.session.flush()
    audit.record(actor, "audio.upload", "recording", recording.id, interview=interview.id,
                 size=stored.size, seconds=round(info.duration, 1))  # fmt: skip
    return recording


def _recent_play(actor, recording: Recording) -> bool:
    since = utcnow() - PLAY_AUDIT_WINDOW
    return (
        db.session.scalar(
            select(audit.AuditEntry.id)
            .where(
                audit.AuditEntry.actor_id == actor.id,
                audit.AuditEntry.action == "audio.play",
                audit.AuditEntry.object_type == "recording",
                audit.AuditEntry.object_id == str(recording.id),
                audit.AuditEntry.at >= since,
            )
            .limit(1)
        )
        is not None
    )


def open_audio(actor, recording: Recording, download: bool = False):
    """The decrypted audio, seekable. A download is audited each time; playback once per
    person and recording every ten minutes (a player fetches it in many pieces)."""
    authorize(actor, "transcripts.work", recording.interview)
    gate.require(actor, recording.interview, "audio.play")
    if not recording.live:
        raise TranscriptError(_l("The recording has been destroyed."))
    if download:
        audit.record(actor, "audio.download", "recording", recording.id,
                     interview=recording.interview_id)  # fmt: skip
    elif not _recent_play(actor, recording):
        audit.record(actor, "audio.play", "recording", recording.id,
                     interview=recording.interview_id)  # fmt: skip
    return storage.open_seekable(recording.stored_name)


def _destroy(actor, recording: Recording, reason: DestroyReason) -> None:
    stop_jobs(recording)
    storage.delete_after_commit(recording.stored_name)
    recording.stored_name, recording.destroyed_at = None, utcnow()
    recording.destroyed_reason = reason.value
    audit.record(actor, "audio.destroy", "recording", recording.id,
                 interview=recording.interview_id, reason=reason.value)  # fmt: skip


def delete_recording(actor, recording: Recording) -> None:
    authorize(actor, "transcripts.work", recording.interview)
    if not recording.live:
        raise TranscriptError(_l("The recording has been destroyed."))
    _destroy(actor, recording, DestroyReason.INTERVIEWER)


def verified_on(recording: Recording):
    """The day the recording's transcript was verified, or None."""
    moments = [t.verified_at for t in recording.interview.transcripts if t.verified_at]
    return local_date(max(moments)) if moments else None


def retention_day(recording: Recording, days: int):
    """The day a live, verified recording is destroyed under a retention of ``days``: the
    day set at verification, or sooner if the setting was lowered since. A higher setting
    never lengthens a retention already set: the people recorded were told the shorter."""
    if recording.destroy_on is None:
        return None
    verified = verified_on(recording)
    if verified is None:
        return recording.destroy_on
    return min(recording.destroy_on, verified + timedelta(days=days))


def apply_retention_setting() -> int:
    """Bring forward the destroy day of the recordings verified under a longer retention than
    today's setting; returns how many moved."""
    days = current_app.config["AUDIO_RETENTION_DAYS"]
    moved = 0
    for recording in db.session.scalars(
        select(Recording).where(Recording.destroyed_at.is_(None), Recording.destroy_on.is_not(None))
    ):
        sooner = retention_day(recording, days)
        if sooner < recording.destroy_on:
            audit.record(None, "audio.retention", "recording", recording.id,
                         before=recording.destroy_on.isoformat(), after=sooner.isoformat(),
                         days=days)  # fmt: skip
            recording.destroy_on = sooner
            moved += 1
    return moved


def destroy_due_audio() -> int:
    """Destroy every recording whose retention after verification is over (system actor),
    after bringing forward the retention of those verified under a longer setting."""
    # Audio files no live recording points to (a delete that failed after its commit) go
    # too, as in the nightly sweep of every category. Swept first, while the recordings
    # destroyed below still hold their files: those go only after the commit.
    storage.sweep_strays(categories=["audio"])
    apply_retention_setting()
    db.session.flush()
    due = db.session.scalars(
        select(Recording).where(Recording.destroyed_at.is_(None), Recording.destroy_on <= today())
    ).all()
    for recording in due:
        _destroy(None, recording, DestroyReason.RETENTION)
    db.session.flush()
    return len(due)


# --- transcription ---------------------------------------------------------------------------


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
    root = installer.models_root(current_app.instance_path)
    configured = current_app.config["WHISPER_MODELS"].get(language)
    if configured:
        return installer.resolve(root, configured)
    chosen = installer.default_for(root, language)
    if chosen is not None:
        return str(chosen)
    fallback = current_app.config.get("WHISPER_MODEL_FALLBACK")
    return installer.resolve(root, fallback) if fallback else None


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
    root = installer.models_root(current_app.instance_path)
    languages = {language: speech_model(language) for language in current_app.config["LANGUAGES"]}
    paths = {language: model_path(language) for language in languages}
    models = installer.installed(root)
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
        refusal = _explain(error)
    return SpeechModel(name, multilingual, refusal)


def start_transcription(actor, recording: Recording) -> jobs.Job:
    """Queue a transcription job (after the commit); one at a time per recording."""
    interview = recording.interview
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "audio.transcribe")
    _working(interview)
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
        job = jobs.submit(TRANSCRIBE, actor, subject=subject(recording), recording_id=recording.id)
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


# --- transcripts -----------------------------------------------------------------------------


def new_version(actor, interview: Interview, segments: list[Segment], *, source: Source,
                made_by: str, recording: Recording | None = None) -> Transcript:  # fmt: skip
    """A new transcript version; the interview moves on to transcribed."""
    _working(interview)
    transcript = Transcript(
        interview=interview,
        version=len(interview.transcripts) + 1,
        source=Source(source).value,
        made_by=made_by[:120],
        recording=recording,
        created_by_id=getattr(actor, "id", None),
    )
    for position, segment in enumerate(segments):
        transcript.segments.append(_row(position, segment))
    db.session.add(transcript)
    if interview.status == Status.CONDUCTED.value:
        interview.advance(Status.DOCUMENTED)
    if interview.status == Status.DOCUMENTED.value:
        interview.advance(Status.TRANSCRIBED)
    db.session.flush()
    audit.record(actor, "transcript.create", "transcript", transcript.id,
                 interview=interview.id, version=transcript.version, source=transcript.source,
                 segments=len(segments))  # fmt: skip
    return transcript


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _row(position: int, segment: Segment) -> TranscriptSegment:
    return TranscriptSegment(position=position, start_ms=_ms(segment.start),
                             end_ms=_ms(segment.end), speaker=segment.speaker,
                             text=segment.text)  # fmt: skip


def import_transcript(actor, interview: Interview, data: bytes, filename: str) -> Transcript:
    """A transcript brought as a .txt, .docx, .vtt or .srt file: read whole, or refused."""
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "transcript.write")
    _working(interview)
    file_type = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if file_type not in formats.READERS:
        raise TranscriptError(_l("Import a .txt, .docx, .vtt or .srt file."), "file")
    limit = current_app.config["TRANSCRIPT_MAX_BYTES"]
    if len(data) > limit:
        raise TranscriptError(_l("The file is larger than %(mb)s MB.", mb=limit // 1024**2),
                              "file")  # fmt: skip
    try:
        segments = formats.READERS[file_type](data, speaker_words())
    except FormatError as error:
        raise TranscriptError(_explain(error), "file") from None
    # The editor's checks, so that what is imported can also be edited and saved.
    recording = live_recording(interview)
    rows = [{"text": s.text, "start": s.start, "end": s.end, "speaker": s.speaker}
            for s in segments]  # fmt: skip
    check_edits(rows, recording.duration if recording else None)
    return new_version(actor, interview, segments, source=Source.IMPORT,
                       made_by=f".{file_type}")  # fmt: skip


def read_transcript(actor, transcript: Transcript) -> Transcript:
    """A transcript's text is interview content: the read is audited."""
    authorize(actor, "transcripts.work", transcript.interview)
    gate.require(actor, transcript.interview, "transcript.read")
    audit.record(actor, "transcript.read", "transcript", transcript.id,
                 interview=transcript.interview_id)  # fmt: skip
    return transcript


@dataclass(frozen=True)
class Edit:
    text: str
    start: float | None
    end: float | None
    speaker: str | None


def check_editable(actor, transcript: Transcript) -> None:
    """Refuses (TranscriptError, Forbidden) unless ``actor`` may edit ``transcript`` now."""
    _editable(actor, transcript)


def _editable(actor, transcript: Transcript) -> None:
    authorize(actor, "transcripts.work", transcript.interview)
    gate.require(actor, transcript.interview, "transcript.write")
    if transcript.verified:
        raise TranscriptError(_l("The transcript is verified and can no longer be changed."))
    if transcript is not current(transcript.interview):
        raise TranscriptError(_l("Only the newest version of the transcript can be changed."))


#: no recording is longer than a day; a time past it is a mistake, not a recording
LATEST = 24 * 3600.0


def _seconds(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 <= seconds <= LATEST:
        raise ValueError
    return seconds


def check_edits(rows: list, duration: float | None) -> list[Edit]:
    """The editor's segments, checked: text, times in order and within the audio, speaker."""
    if not isinstance(rows, list) or not 1 <= len(rows) <= formats.MAX_SEGMENTS:
        raise TranscriptError(_l("The transcript must have at least one segment."))
    edits, previous = [], 0.0
    for number, row in enumerate(rows, 1):
        try:
            text, speaker = row.get("text", ""), row.get("speaker") or None
            start, end = (_seconds(row.get(key)) for key in ("start", "end"))
            if not isinstance(text, str) or not isinstance(speaker, str | None):
                raise TypeError
            text = formats.clean(text)
        except (AttributeError, TypeError, ValueError):
            raise TranscriptError(_l("Segment %(n)s cannot be read.", n=number)) from None
        if not text:
            raise TranscriptError(_l("Segment %(n)s is empty: write its text or merge it.",
                                     n=number))  # fmt: skip
        if len(text) > formats.MAX_SEGMENT_CHARS:
            raise TranscriptError(_l("Segment %(n)s is too long.", n=number))
        if speaker is not None and not is_speaker(speaker):
            raise TranscriptError(_l("Segment %(n)s has an unknown speaker.", n=number))
        if (start is None) != (end is None):
            raise TranscriptError(_l("Segment %(n)s needs both a start and an end.", n=number))
        if start is not None:
            late = duration is not None and end > duration + 1
            if start < 0 or end < start or start + 0.0005 < previous or late:
                raise TranscriptError(
                    _l("Segment %(n)s: its times are out of order or outside the recording.",
                       n=number))  # fmt: skip
            previous = start
        edits.append(Edit(text, start, end, speaker))
    return edits


def save_segments(actor, transcript: Transcript, rows: list, revision: int) -> Transcript:
    """Replace the segments with the editor's (split, merged, corrected); refused if the
    transcript changed since ``revision`` was loaded. Unchanged rows are left alone."""
    _editable(actor, transcript)
    duration = transcript.recording.duration if transcript.recording else None
    edits = check_edits(rows, duration)
    _take_revision(transcript, revision)
    existing = list(transcript.segments)
    for position, edit in enumerate(edits):
        values = {"text": edit.text, "start_ms": _ms(edit.start), "end_ms": _ms(edit.end),
                  "speaker": edit.speaker}  # fmt: skip
        if position < len(existing):
            row = existing[position]
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
        else:
            transcript.segments.append(TranscriptSegment(position=position, **values))
    for row in existing[len(edits) :]:
        transcript.segments.remove(row)
    db.session.flush()
    audit.record(actor, "transcript.edit", "transcript", transcript.id,
                 revision=transcript.revision, segments=len(edits))  # fmt: skip
    return transcript


@dataclass
class VerifyPreview:
    """What verifying would do, shown before the interviewer confirms it."""

    segments: int
    #: the day the live recording would be destroyed; None when there is no audio left
    destroy_on: object
    retention_days: int


def verify_preview(actor, transcript: Transcript) -> VerifyPreview:
    """What verifying ``transcript`` now would fix and destroy; refused as verify is."""
    _editable(actor, transcript)
    try:
        transcript.interview.check_step(Status.VERIFIED)
    except InvalidStep as error:  # the interview is not at a step that is verified next
        raise TranscriptError(error.message) from None
    if unnamed_speakers(transcript):
        raise TranscriptError(_l("Say who each speaker is before you verify the transcript."))
    days = current_app.config["AUDIO_RETENTION_DAYS"]
    recording = live_recording(transcript.interview)
    destroy_on = today() + timedelta(days=days) if recording is not None else None
    return VerifyPreview(len(transcript.segments), destroy_on, days)


def verify(actor, transcript: Transcript) -> None:
    """The interviewer vouches for the transcript; the audio's retention clock starts."""
    plan = verify_preview(actor, transcript)
    interview = transcript.interview
    interview.advance(Status.VERIFIED)  # checked by the preview
    transcript.verified_at, transcript.verified_by_id = utcnow(), actor.id
    recording = live_recording(interview)
    if recording is not None:
        recording.destroy_on = plan.destroy_on
    audit.record(actor, "transcript.verify", "transcript", transcript.id,
                 interview=interview.id)  # fmt: skip


EXPORT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
}


def export(actor, transcript: Transcript, file_type: str) -> tuple[bytes, str, str]:
    """The transcript as a file (content, MIME type, file name); audited."""
    authorize(actor, "transcripts.work", transcript.interview)
    gate.require(actor, transcript.interview, "transcript.read")
    segments, names = transcript.as_segments(), speaker_names(transcript)
    if file_type == "docx":
        content = formats.write_docx(segments, names, title=_("Transcript"))
    else:
        content = formats.WRITERS[file_type](segments, names)
    audit.record(actor, "transcript.export", "transcript", transcript.id, format=file_type)
    code = transcript.interview.participant.code
    name = f"{code}-interview-{transcript.interview_id}-v{transcript.version}.{file_type}"
    return content, EXPORT_TYPES[file_type], name


# --- consent withdrawal ------------------------------------------------------------------------


def destroy_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """audio_recording withdrawn: the audio is destroyed now, with its key."""
    live = [r for r in interview.recordings if r.live]
    for recording in live:
        _destroy(actor, recording, DestroyReason.CONSENT)
    return [{"effect": "audio_destroyed", "count": len(live)}] if live else []


def stop_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """automated_transcription withdrawn: a running transcription stops, writing nothing."""
    stopped = sum(stop_jobs(r) for r in interview.recordings)
    return [{"effect": "transcription_stopped", "count": stopped}] if stopped else []


def erase_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """participation withdrawn: every transcript version is erased."""
    count = len(interview.transcripts)
    for transcript in list(interview.transcripts):
        db.session.delete(transcript)
    interview.transcripts.clear()
    db.session.flush()
    return [{"effect": "transcripts_erased", "count": count}] if count else []
