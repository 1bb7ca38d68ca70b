"""Interview audio: upload (stored encrypted, checked by decoding it once), playback and
download (audited), deletion, and destruction: by retention after verification, by the
interviewer, or when audio_recording consent is withdrawn.

Every function takes the acting user, checks the permission and the consent gate on the
interview, and audits reads of audio. Services flush; the request or the job commits.
"""

from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.consent import gate
from app.core import audit, audit_entry, storage
from app.core.calendar import local_date, today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.interviews.models import Interview, Status
from app.transcripts import audio
from app.transcripts.models import (
    DestroyReason,
    Recording,
)
from app.transcripts.refusals import TranscriptError, explain, require_working
from app.transcripts.transcription import stop_jobs

#: a player asks for many byte ranges; one audit entry per person and recording in this time
PLAY_AUDIT_WINDOW = timedelta(minutes=10)


def live_recording(interview: Interview) -> Recording | None:
    return next((r for r in interview.recordings if r.live), None)


def upload_recording(actor, interview: Interview, src: BinaryIO, filename: str) -> Recording:
    """Store the audio encrypted, streaming it to disk, then decode it once to check it."""
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "audio.upload")
    require_working(interview)
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
        raise TranscriptError(explain(error), "audio") from None
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
            select(audit_entry.AuditEntry.id)
            .where(
                audit_entry.AuditEntry.actor_id == actor.id,
                audit_entry.AuditEntry.action == "audio.play",
                audit_entry.AuditEntry.object_type == "recording",
                audit_entry.AuditEntry.object_id == str(recording.id),
                audit_entry.AuditEntry.at >= since,
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


def destroy_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """audio_recording withdrawn: the audio is destroyed now, with its key."""
    live = [r for r in interview.recordings if r.live]
    for recording in live:
        _destroy(actor, recording, DestroyReason.CONSENT)
    return [{"effect": "audio_destroyed", "count": len(live)}] if live else []
