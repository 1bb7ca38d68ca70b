"""Recovery codes for two-factor login."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db, utcnow


class RecoveryCode(db.Model):
    """One single-use code that stands in for the authenticator app (a lost phone)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: argon2id hash of the code, never the code itself
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the code was spent; a used code is kept so that the count of left codes is honest
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
