"""Refusals of the transcripts area: the error a refused change raises, the message of an
analysis or engine error in the user's language, and the check that the interview is still
at a step where audio and transcripts may change.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.refusal import Refused
from app.interviews.models import Interview, Status

#: statuses in which audio and transcripts can still be added or changed
WORKING = (Status.CONDUCTED.value, Status.DOCUMENTED.value, Status.TRANSCRIBED.value)


class TranscriptError(Refused, ValueError):
    """A refused change; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


class TranscriptConflict(TranscriptError):
    """Someone saved the transcript since this editor loaded it."""


def explain(error) -> str:
    """The translated message of an analysis or engine error (English msgid + params)."""
    return _(error.message, **error.params)


def require_working(interview: Interview) -> None:
    if interview.status not in WORKING:
        raise TranscriptError(
            _l("Audio and transcripts are added after the interview is marked conducted, and "
               "until its transcript is verified."))  # fmt: skip
