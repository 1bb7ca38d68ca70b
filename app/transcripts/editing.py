"""The transcript editor: saving the interviewer's segments and naming the diarizer's
speakers, each refused if someone saved since (a compare-and-set on the revision), and
verification, which fixes the transcript and starts the audio's retention clock.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.consent import gate
from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.interviews.models import InvalidStep, Status
from app.transcripts import guide_links
from app.transcripts.models import (
    Speaker,
    Transcript,
    TranscriptSegment,
)
from app.transcripts.naming import unnamed_speakers
from app.transcripts.recordings import live_recording
from app.transcripts.refusals import TranscriptConflict, TranscriptError
from app.transcripts.versions import check_edits, current, milliseconds


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


def save_segments(actor, transcript: Transcript, rows: list, revision: int) -> Transcript:
    """Replace the segments with the editor's (split, merged, corrected); refused if the
    transcript changed since ``revision`` was loaded. Unchanged rows are left alone."""
    _editable(actor, transcript)
    duration = transcript.recording.duration if transcript.recording else None
    edits = check_edits(rows, duration)
    _take_revision(transcript, revision)
    existing = list(transcript.segments)
    links = guide_links.before_edit(transcript)
    for position, edit in enumerate(edits):
        values = {"text": edit.text, "start_ms": milliseconds(edit.start),
                  "end_ms": milliseconds(edit.end), "speaker": edit.speaker}  # fmt: skip
        if position < len(existing):
            row = existing[position]
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
        else:
            transcript.segments.append(TranscriptSegment(position=position, **values))
    for row in existing[len(edits) :]:
        transcript.segments.remove(row)
    guide_links.follow_edit(transcript, links)
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
