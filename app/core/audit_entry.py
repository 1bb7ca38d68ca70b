"""An entry of the append-only audit log, and how it is sealed.

Each entry carries the hash of the one before it, an HMAC keyed outside the database
(AUDIT_KEY), so removing or editing an entry breaks the chain at that point. The database
refuses UPDATE and DELETE on the table (triggers in the first migration), the session
refuses to flush a change to an entry, and the unique ``prev_hash`` makes two writers that
raced for the same predecessor fail instead of forking. An entry redacted after it was
written (migration 0015) keeps its hash and carries a second HMAC over what it now says.
"""

import hashlib
import hmac
import json
from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import UTCDateTime, db

GENESIS = "0" * 64


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: None for the system itself (start-up, scheduled jobs)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: the actor's user name when the entry was written
    actor_name: Mapped[str] = mapped_column(String(64))
    #: client address for web requests, "cli" or "job" otherwise
    origin: Mapped[str] = mapped_column(String(64))
    #: dotted verb, e.g. "user.create", "auth.login_failed", "participant.identity_read"
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: JSON with the particulars; never passwords, never interview content
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: set when a clear participant code in ``detail`` was replaced by its digest after the
    #: entry was written: the HMAC of the entry as it now reads, bound to its ``hash``
    redaction: Mapped[str | None] = mapped_column(String(64))

    def payload(self) -> bytes:
        fields = {
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "origin": self.origin,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": self.detail,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the link and the entry, keyed outside the database (AUDIT_KEY),
        so that someone who can write to the database cannot rebuild the chain."""
        key = key if key is not None else current_app.config["AUDIT_KEY"].encode()
        message = self.prev_hash.encode("ascii") + self.payload()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def compute_redaction(self, key: bytes | None = None) -> str:
        """HMAC of a redacted entry: what it says now, its link and its original hash (which
        the next entry links to and which can no longer be recomputed)."""
        key = key if key is not None else current_app.config["AUDIT_KEY"].encode()
        message = b"redacted:" + (self.prev_hash + self.hash).encode("ascii") + self.payload()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def intact(self) -> bool:
        """Whether the entry reads as it was written (or as it was redacted)."""
        if self.redaction is not None:
            return hmac.compare_digest(self.compute_redaction(), self.redaction)
        return hmac.compare_digest(self.compute_hash(), self.hash)

    @property
    def detail_dict(self) -> dict:
        return json.loads(self.detail or "{}")


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise RuntimeError("the audit log is append-only")
