"""Read queries of the privacy pages."""

from app.core.db import db
from app.core.jobs import Job
from app.participants.models import Participant


def export_participant(job: Job) -> Participant | None:
    """The participant a subject-access export is made for; None once erased."""
    return db.session.get(Participant, job.params_dict.get("participant_id"))
