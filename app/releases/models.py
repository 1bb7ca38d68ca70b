"""Pseudonymisation maps and released transcripts.

A participant's map says which placeholder stands for what in every interview of theirs
("anna" -> "[Foster mother]"); it identifies people, so it is encrypted, never exported,
and audited when read. A release is a frozen, pseudonymised version of a verified
transcript: its text never changes, so that coding offsets into it stay valid; a correction
is a new release that says what it changed.
"""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, utcnow


class PseudonymMap(db.Model):
    __tablename__ = "pseudonym_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), unique=True
    )
    #: JSON {key: {"label": ..., "placeholder": ...}}; keys are lowercased surfaces
    entries: Mapped[str] = mapped_column(EncryptedText, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant = relationship("Participant")

    @property
    def entry_dict(self) -> dict:
        return json.loads(self.entries or "{}")


class Release(db.Model):
    __tablename__ = "transcript_release"
    __table_args__ = (UniqueConstraint("interview_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    #: the verified transcript it was made from; none for memos
    transcript_id: Mapped[int | None] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, ... per interview; the highest is the one in use
    version: Mapped[int]
    #: JSON list of {"text", "speaker", "start", "end"} (memos: also "section"): the
    #: pseudonymised segments, frozen
    #: loaded when read, not with the row: checks that only need the length stay cheap
    content: Mapped[str] = mapped_column(EncryptedText, deferred=True)
    #: the length of ``text`` in code points, for checking offsets without decrypting
    length: Mapped[int | None]
    #: how many passages were replaced, by category (JSON), and what changed since before
    summary: Mapped[str] = mapped_column(EncryptedText, default="{}")
    #: what the themes are counted by, fixed at release and identifying nobody: the year of
    #: the interview, the age band on the interview day, the years-in-care band
    year: Mapped[int | None] = mapped_column(index=True)
    age_band: Mapped[str] = mapped_column(String(8), default="")
    care_band: Mapped[str] = mapped_column(String(8), default="")
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interview = relationship(
        "Interview", backref=db.backref("releases", order_by="Release.version")
    )
    transcript = relationship("Transcript")
    released_by = relationship("User")

    @property
    def segments(self) -> list[dict]:
        return json.loads(self.content)

    @property
    def text_length(self) -> int:
        return self.length if self.length is not None else len(self.text)

    @property
    def text(self) -> str:
        """The canonical text: the segments joined by newlines (offsets in code points)."""
        return "\n".join(s["text"] for s in self.segments)

    @property
    def summary_dict(self) -> dict:
        return json.loads(self.summary or "{}")
