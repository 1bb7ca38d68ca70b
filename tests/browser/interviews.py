"""What the browser tests of coding share: an interview conducted with consent, ready to be
transcribed or released."""

from datetime import UTC, date, datetime

from app.core.db import db
from app.interviews import services as interviews
from app.interviews.models import Mode


def conducted(interviewer, participant, make_offer, give_consent, language: str = "sv"):
    """An interview of ``participant`` booked with ``interviewer``, consented to in full and
    conducted on 10 November 2026."""
    offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=interviewer.id)
    interview = interviews.book(
        interviewer, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
        mode=Mode.IN_PERSON, interviewer=interviewer, language=language,
    )  # fmt: skip
    db.session.commit()
    give_consent(interview, interviewer)
    interviews.conduct(interviewer, interview, date(2026, 11, 10))
    return interview
