"""The demo's letter: a few young people said yes to hearing back when they consented (one
of them under 18, whose guardian was not asked), and the latest approved review has its
letter drafted."""

from datetime import date

from sqlalchemy import select

from app.consent import gate
from app.consent.models import ConsentGrant
from app.consent.scopes import Scope
from app.core.db import db
from app.letters import queries, services
from app.reviews.models import ReviewSession, SessionStatus

#: how many of the reviewed interviews said yes to hearing back
YES = 5


def load_letter_demo(coordinator, today: date) -> int:
    """Hear-back answers for a few interviews of the latest approved session, and its
    letter drafted; returns how many drafts were made."""
    session = db.session.scalar(
        select(ReviewSession).where(ReviewSession.status == SessionStatus.APPROVED.value)
        .order_by(ReviewSession.year.desc(), ReviewSession.id.desc()).limit(1)
    )  # fmt: skip
    if session is None:
        return 0
    taking_part = [i for i in queries.interviews_in(session) if gate.allows(i, "memos.read")]
    chosen = taking_part[:YES]
    minor = next((i for i in taking_part[YES:] if gate.guardian_required(i)), None)
    for interview in chosen:
        # the answer given at consent, on the form version that asked it
        for record in interview.consents:
            record.grants.append(ConsentGrant(scope=Scope.HEAR_BACK.value))
    if minor is not None:  # the young person said yes, the guardian was not asked
        young = next(r for r in minor.consents if r.giver == "young_person")
        young.grants.append(ConsentGrant(scope=Scope.HEAR_BACK.value))
    db.session.flush()
    try:
        made = services.create_drafts(coordinator, session)
    except services.LetterError:
        return 0
    return len(made)
