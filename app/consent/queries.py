"""Read queries of the consent pages.

Consent is given for an interview, a model of the area above this one: the gate knows it as
its registered subject (``gate.subject()``), so these pages name it without importing it.
"""

from sqlalchemy import select

from app.consent import gate
from app.consent.models import ConsentForm, Withdrawal
from app.core.db import db


def interview_or_404(interview_id: int):
    """The interview whose consent a page shows or changes; 404 when there is none."""
    return db.get_or_404(gate.subject(), interview_id)


def overview_interviews() -> list:
    """Every interview not cancelled, the latest booked first, for the consent overview."""
    interview = gate.subject()
    return db.session.scalars(
        select(interview)
        .where(interview.status != "cancelled")
        .order_by(interview.scheduled_at.desc())
    ).all()


def recent_withdrawals(limit: int = 50) -> list[Withdrawal]:
    """The newest withdrawals, newest first."""
    return db.session.scalars(
        select(Withdrawal).order_by(Withdrawal.recorded_at.desc()).limit(limit)
    ).all()


def form_versions() -> list[ConsentForm]:
    """Every published consent form, by language, the newest version first."""
    return db.session.scalars(
        select(ConsentForm).order_by(ConsentForm.language, ConsentForm.version.desc())
    ).all()
