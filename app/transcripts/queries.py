"""Read queries of the transcript pages."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.db import db
from app.interviews.models import Interview
from app.transcripts.models import Recording, Transcript


def recordings_for_retention() -> list[Recording]:
    """Every recording, the live ones first by the day they are to be destroyed, with each
    interview's transcripts (the retention day reads when one was verified)."""
    return db.session.scalars(
        select(Recording)
        .options(selectinload(Recording.interview).selectinload(Interview.transcripts))
        .order_by(Recording.destroyed_at.is_not(None), Recording.destroy_on, Recording.id)
    ).all()


def as_saved(transcript: Transcript) -> Transcript:
    """``transcript`` read again as the database holds it now (another window saved it)."""
    db.session.refresh(transcript)
    return transcript
