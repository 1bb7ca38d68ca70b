"""The REFI-QDA GUIDs of entities without a GUID column of their own, and the projects
imported (or waiting, previewed, to be imported)."""

import json
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.codebook.models import new_guid
from app.core import storage
from app.core.crypto import EncryptedText
from app.core.db import UTCDateTime, db, sql_values, utcnow

#: how long an uploaded project waits, previewed, for its import
PREVIEW_LIFETIME = timedelta(hours=2)
#: where the uploaded projects wait, encrypted
STORE = "project_imports"


class ExchangeGuid(db.Model):
    """The REFI-QDA GUID of an entity without a column of its own (a user, a participant,
    a release), kept so that repeated exports name it the same way."""

    __tablename__ = "exchange_guid"
    __table_args__ = (UniqueConstraint("kind", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)


class ImportState(StrEnum):
    PREVIEWED = "previewed"  #: uploaded, waiting for the choices and "Import"
    IMPORTED = "imported"
    UNDONE = "undone"
    DISCARDED = "discarded"  #: given up or expired before it was imported


class ProjectImport(db.Model):
    """A .qdpx project from upload to import (and perhaps its undo): the file waits,
    encrypted, until it is imported, discarded or expires; then what the import added is
    kept, so that one undo removes exactly that."""

    __tablename__ = "project_import"
    __table_args__ = (CheckConstraint(f"state IN ({sql_values(ImportState)})", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the only person who sees, imports and undoes it
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the name the file had on the person's computer
    filename: Mapped[str] = mapped_column(String(255))
    #: the encrypted file while it waits; None once imported, discarded or expired
    stored_name: Mapped[str | None] = mapped_column(String(255))
    #: SHA-256 of the file as uploaded: the import reads exactly what the preview showed
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default=ImportState.PREVIEWED.value)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: JSON: what the report page shows (the file's source names are the partner's words)
    report: Mapped[str | None] = mapped_column(EncryptedText)
    #: JSON: {"codes": [ids], "codings": [[id, code id, start, end]]}, what the undo removes
    added: Mapped[str] = mapped_column(Text, default="{}")

    imported_by = relationship("User")

    @property
    def expires_at(self) -> datetime:
        return self.uploaded_at + PREVIEW_LIFETIME

    @property
    def expired(self) -> bool:
        return self.state == ImportState.PREVIEWED.value and utcnow() >= self.expires_at

    @property
    def report_dict(self) -> dict:
        return json.loads(self.report or "{}")

    @property
    def added_dict(self) -> dict:
        return json.loads(self.added or "{}")


def _waiting_files() -> set[str]:
    """The files still waiting for their import: the nightly sweep removes an expired one
    even when nobody opens its preview again."""
    from sqlalchemy import select

    rows = db.session.scalars(select(ProjectImport).where(ProjectImport.stored_name.is_not(None)))
    return {r.stored_name for r in rows if not r.expired}


storage.register_references(STORE, _waiting_files)
