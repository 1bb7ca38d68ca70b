"""Transcript versions: a new version (from the job or an imported file), the checks every
version's segments pass, the audited read, export as a file, and erasure when participation
consent is withdrawn.
"""

import math
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analysis import transcripts as formats
from analysis.transcripts import FormatError, Segment
from app.consent import gate
from app.core import audit
from app.core.db import db
from app.core.permissions import authorize
from app.interviews.models import Interview, Status
from app.transcripts.models import (
    Recording,
    Source,
    Transcript,
    TranscriptSegment,
    is_speaker,
)
from app.transcripts.naming import speaker_names, speaker_words
from app.transcripts.recordings import live_recording
from app.transcripts.refusals import TranscriptError, explain, require_working


def current(interview: Interview) -> Transcript | None:
    return interview.transcripts[-1] if interview.transcripts else None


def new_version(actor, interview: Interview, segments: list[Segment], *, source: Source,
                made_by: str, recording: Recording | None = None) -> Transcript:  # fmt: skip
    """A new transcript version; the interview moves on to transcribed."""
    require_working(interview)
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


def milliseconds(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _row(position: int, segment: Segment) -> TranscriptSegment:
    return TranscriptSegment(position=position, start_ms=milliseconds(segment.start),
                             end_ms=milliseconds(segment.end), speaker=segment.speaker,
                             text=segment.text)  # fmt: skip


def import_transcript(actor, interview: Interview, data: bytes, filename: str) -> Transcript:
    """A transcript brought as a .txt, .docx, .vtt or .srt file: read whole, or refused."""
    authorize(actor, "transcripts.work", interview)
    gate.require(actor, interview, "transcript.write")
    require_working(interview)
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
        raise TranscriptError(explain(error), "file") from None
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


def erase_for_withdrawal(actor, interview: Interview) -> list[dict]:
    """participation withdrawn: every transcript version is erased."""
    count = len(interview.transcripts)
    for transcript in list(interview.transcripts):
        db.session.delete(transcript)
    interview.transcripts.clear()
    db.session.flush()
    return [{"effect": "transcripts_erased", "count": count}] if count else []
