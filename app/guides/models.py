"""Guide versions in the database: each synchronised file content, kept for good."""

import json
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db, utcnow
from app.guides.files import Guide


class GuideVersion(db.Model):
    """One version of one guide in one language. Never changed: an interview pins it."""

    __tablename__ = "guide_version"
    __table_args__ = (UniqueConstraint("guide_key", "language", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the guide's id in its file, e.g. "karlstad-follow-up"
    guide_key: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(5))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    #: the validated guide as JSON
    content: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the canonical content: the same content is stored once
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def guide(self) -> Guide:
        return Guide.model_validate(json.loads(self.content))

    @classmethod
    def latest(cls, guide_key: str, language: str) -> "GuideVersion | None":
        return db.session.scalar(
            select(cls)
            .where(cls.guide_key == guide_key, cls.language == language)
            .order_by(cls.version.desc())
            .limit(1)
        )
