"""The REFI-QDA GUIDs of entities without a GUID column of their own."""

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.codebook.models import new_guid
from app.core.db import db


class ExchangeGuid(db.Model):
    """The REFI-QDA GUID of an entity without a column of its own (a user, a participant,
    a release), kept so that repeated exports name it the same way."""

    __tablename__ = "exchange_guid"
    __table_args__ = (UniqueConstraint("kind", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
