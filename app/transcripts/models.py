"""Recordings and transcripts of an interview.

A recording is the encrypted audio file; destroying it removes the file (whose header holds
its only key) and keeps the row as the record that it existed and when it went. A
transcript comes in versions, one for each transcription or import; the newest is the one
the interviewer edits and verifies. Its segments are interview content, so encrypted.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis import speakers
from analysis.transcripts import Segment
from app.core import storage
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow


class Speaker(StrEnum):
    INTERVIEWER = "interviewer"
    YOUNG_PERSON = "young_person"
    OTHER = "other"

    @property
    def label(self):
        return SPEAKER_LABELS[self]


SPEAKER_LABELS = {
    Speaker.INTERVIEWER: _l("Interviewer"),
    Speaker.YOUNG_PERSON: _l("Young person"),
    Speaker.OTHER: _l("Other"),
}


def speaker_label(value: str | None):
    """The label of a speaker stored as text: a role, or "Speaker 2" as the diarizer found
    them until someone names them."""
    try:
        return Speaker(value).label
    except ValueError:
        found = speakers.number(value)
        return _l("Speaker %(n)s", n=found) if found is not None else (value or "")


#: a role, or a speaker the diarizer numbered ("speaker_1" to "speaker_999")
SPEAKER_CHECK = (
    f"speaker IS NULL OR speaker IN ({sql_values(Speaker)}) OR "
    "(substr(speaker, 1, 8) = 'speaker_' AND length(speaker) BETWEEN 9 AND 11)"
)


def is_speaker(value: str) -> bool:
    """A role, or a speaker the diarizer numbered."""
    return value in {s.value for s in Speaker} or speakers.number(value) is not None


class DestroyReason(StrEnum):
    RETENTION = "retention"
    CONSENT = "consent"
    INTERVIEWER = "interviewer"

    @property
    def label(self):
        return {
            DestroyReason.RETENTION: _l("retention period over"),
            DestroyReason.CONSENT: _l("consent withdrawn"),
            DestroyReason.INTERVIEWER: _l("deleted by the interviewer"),
        }[self]


class Source(StrEnum):
    WHISPER = "whisper"
    IMPORT = "import"


class Recording(db.Model):
    __tablename__ = "recording"
    __table_args__ = (
        CheckConstraint("(stored_name IS NULL) = (destroyed_at IS NOT NULL)", "destroyed"),
        CheckConstraint(
            f"destroyed_reason IS NULL OR destroyed_reason IN ({sql_values(DestroyReason)})",
            "destroyed_reason",
        ),
        CheckConstraint("duration > 0", "duration"),
        # One live recording per interview; destroyed ones stay as a record.
        Index(
            "uq_recording_live",
            "interview_id",
            unique=True,
            sqlite_where=text("destroyed_at IS NULL"),
            postgresql_where=text("destroyed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    #: the encrypted file under MEDIA_ROOT; None once destroyed
    stored_name: Mapped[str | None] = mapped_column(String(80))
    #: plaintext bytes and SHA-256, checked when it was stored
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: the file type it came as: wav, mp3, m4a, ogg, opus, flac, webm
    file_type: Mapped[str] = mapped_column(String(8))
    #: seconds of audio, counted by decoding it
    duration: Mapped[float]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the transcript is verified: the audio goes on this day
    destroy_on: Mapped[date | None] = mapped_column(index=True)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    destroyed_reason: Mapped[str | None] = mapped_column(String(16))

    interview = relationship("Interview", backref=db.backref("recordings", order_by="Recording.id"))
    uploaded_by = relationship("User")

    @property
    def live(self) -> bool:
        return self.destroyed_at is None

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.file_type]

    @property
    def destroyed_reason_label(self):
        return DestroyReason(self.destroyed_reason).label if self.destroyed_reason else ""


storage.register_references("audio", storage.names_in(Recording.stored_name))


MIME_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "webm": "audio/webm",
}


#: a transcript is flagged when detection gave the interview's own language less than this
MISMATCH_BELOW = 0.25


class Transcript(db.Model):
    __tablename__ = "transcript"
    __table_args__ = (
        UniqueConstraint("interview_id", "version"),
        CheckConstraint(f"source IN ({sql_values(Source)})", "source"),
        CheckConstraint("(verified_at IS NULL) = (verified_by_id IS NULL)", "verified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, ... per interview; the highest is the current one
    version: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    #: what made it: the engine and model, or the imported file's type
    made_by: Mapped[str] = mapped_column(String(120))
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recording.id"))
    #: counts saves, so that two editors cannot overwrite each other unnoticed
    revision: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the language Whisper heard most (a multilingual model's detection), and how sure it was
    detected_language: Mapped[str | None] = mapped_column(String(8))
    detected_share: Mapped[float | None]
    #: the share Whisper's detection gave the interview's own language
    expected_share: Mapped[float | None]

    interview = relationship(
        "Interview", backref=db.backref("transcripts", order_by="Transcript.version")
    )
    recording = relationship("Recording")
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    segments: Mapped[list["TranscriptSegment"]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan",
        order_by="TranscriptSegment.position",
    )  # fmt: skip

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def language_mismatch(self) -> bool:
        """Whisper heard another language than the interview's, and was sure of it: the text
        may be poor, or the interview's language may be set wrong."""
        return (
            self.detected_language is not None
            and self.detected_language != self.interview.language
            and (self.expected_share or 0.0) < MISMATCH_BELOW
        )

    def as_segments(self) -> list[Segment]:
        return [s.as_segment() for s in self.segments]


class TranscriptSegment(db.Model):
    __tablename__ = "transcript_segment"
    __table_args__ = (
        UniqueConstraint("transcript_id", "position"),
        CheckConstraint("start_ms IS NULL OR start_ms >= 0", "start_ms"),
        CheckConstraint("end_ms IS NULL OR start_ms IS NULL OR end_ms >= start_ms", "end_ms"),
        CheckConstraint(SPEAKER_CHECK, "speaker"),
        CheckConstraint(
            "(guide_confirmed_at IS NULL) = (guide_confirmed_by_id IS NULL)", "guide_confirmed"
        ),
        # only what a person confirmed is stored: a suggestion is never taken for one
        CheckConstraint(
            "(guide_section IS NULL OR guide_confirmed_at IS NOT NULL) AND "
            "(guide_question IS NULL OR guide_section IS NOT NULL)",
            "guide_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    #: 0, 1, ... in reading order
    position: Mapped[int]
    #: milliseconds from the start of the recording; None for an imported text without times
    start_ms: Mapped[int | None]
    end_ms: Mapped[int | None]
    speaker: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText)
    #: the guide section and question (their stable keys, the same in every version of the
    #: guide) this segment answers, as the interviewer confirmed it; a confirmation with no
    #: section says the segment answers none
    guide_section: Mapped[str | None] = mapped_column(String(40))
    guide_question: Mapped[str | None] = mapped_column(String(40))
    guide_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    guide_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")

    def as_segment(self) -> Segment:
        def seconds(ms):
            return None if ms is None else ms / 1000

        return Segment(self.text, seconds(self.start_ms), seconds(self.end_ms), self.speaker)
