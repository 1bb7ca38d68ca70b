"""Read queries of the interview pages."""

from sqlalchemy import select

from app.core.db import db
from app.interviews.models import EthicsFlag


def flags() -> list[EthicsFlag]:
    """Every ethics flag, the open ones first, the earliest due first."""
    return db.session.scalars(
        select(EthicsFlag).order_by(EthicsFlag.resolved_at.is_not(None), EthicsFlag.due_on)
    ).all()
