"""A code of the codebook: a category groups codes and is not applied to passages itself.

Codes are never deleted while they hold codings: they are retired or merged, and a merged
code points at the code that took over its codings (``Code.codings``, the codings that apply
a code, is declared with the coding in ``app.workspace.models``).
"""

import json
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow


def new_guid() -> str:
    return str(uuid.uuid4())


class Code(db.Model):
    __tablename__ = "code"
    __table_args__ = (CheckConstraint("colour LIKE '#______'", "colour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(default="")
    when_to_use: Mapped[str] = mapped_column(default="")
    when_not: Mapped[str] = mapped_column(default="")
    example: Mapped[str] = mapped_column(default="")
    colour: Mapped[str] = mapped_column(String(7), default="#9ecae1")
    #: JSON list of words or phrases; a trailing "*" matches any ending
    keywords: Mapped[str] = mapped_column(default="[]")
    #: a category groups codes and is not applied to passages itself
    codable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"))
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent = relationship("Code", remote_side=[id], foreign_keys=[parent_id],
                          backref=db.backref("children", order_by="Code.position"))  # fmt: skip
    merged_into = relationship("Code", remote_side=[id], foreign_keys=[merged_into_id])

    @property
    def keyword_list(self) -> list[str]:
        return json.loads(self.keywords or "[]")

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def path(self) -> str:
        """ "Belonging › Adults who persist": the code with its categories."""
        names, code = [], self
        while code is not None and len(names) < 20:
            names.append(code.name)
            code = code.parent
        return " › ".join(reversed(names))
