"""The one consent gate: every path that moves interview data asks it first.

A path is named in ``PATHS`` with the scope it needs. A service calls
``require(actor, interview, "memos.read")`` before it shows, changes, sends or counts
anything, and a bulk path (an export, an aggregation) keeps only what
``consenting(interviews, path)`` returns. The property-based test in
``tests/consent/test_gate_property.py`` walks every name in ``PATHS``; a path added here
without a probe there fails that test.

Which scopes are in force is worked out from the grants that have not been withdrawn:
the young person's always, and a guardian's as well when the young person is under the
guardian age on the interview day. Without ``participation`` nothing else is in force.
"""

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l

from app.consent.scopes import Scope
from app.core import audit

#: every path that moves interview data, and the scope it needs. Later areas add theirs.
PATHS: dict[str, Scope] = {
    "memos.read": Scope.PARTICIPATION,
    "memos.write": Scope.PARTICIPATION,
    "interview.conduct": Scope.PARTICIPATION,
    "audio.upload": Scope.AUDIO_RECORDING,
    "audio.play": Scope.AUDIO_RECORDING,
    "audio.transcribe": Scope.AUTOMATED_TRANSCRIPTION,
    "transcript.read": Scope.PARTICIPATION,
    "transcript.write": Scope.PARTICIPATION,
    "transcript.release": Scope.PARTICIPATION,
    "research.read": Scope.RESEARCH_USE,
    "coding.export": Scope.RESEARCH_USE,
    "review.quote": Scope.QUOTATION,
}

#: statuses in which an interview holds no usable content at all
_ENDED = ("withdrawn", "cancelled")


class ConsentMissing(Exception):
    """The consent in force does not cover what was asked; the message is for the user."""

    def __init__(self, interview_id: int, scope: Scope, path: str, guardian_missing=False):
        super().__init__(f"interview {interview_id}: {path} needs {scope}")
        self.interview_id, self.scope, self.path = interview_id, scope, path
        self.guardian_missing = guardian_missing

    @property
    def message(self):
        if self.guardian_missing:
            return _l(
                "The participant is under 18 on the interview day, so a guardian's consent to "
                "%(scope)s is needed as well. Nothing was shown or changed.",
                scope=self.scope.label,
            )
        return _l(
            "The consent for this interview does not cover %(scope)s, so this cannot be done. "
            "Nothing was shown or changed.",
            scope=self.scope.label,
        )


def interview_day(interview) -> date:
    """The day the interview took place, or is booked for."""
    from app.core.calendar import local_date

    return interview.conducted_on or local_date(interview.scheduled_at)


def guardian_required(interview, day: date | None = None) -> bool:
    """Whether the participant is under the guardian age on the interview day (or ``day``)."""
    from app.participants.eligibility import needs_guardian
    from app.participants.services import rules

    born = interview.participant.birth_date
    return born is not None and needs_guardian(born, day or interview_day(interview), rules())


def active_grants(interview) -> tuple[set[Scope], set[Scope]]:
    """The scopes granted and not withdrawn: the young person's, and guardians'."""
    young, guardian = set(), set()
    for record in interview.consents:
        active = {Scope(g.scope) for g in record.grants if g.withdrawal_id is None}
        (guardian if record.giver == "guardian" else young).update(active)
    return young, guardian


def scopes_in_force(interview, day: date | None = None) -> frozenset[Scope]:
    """The scopes the interview's consent covers now; ``day`` is the interview day when it
    is being set (conducting on another day than booked can change who must consent)."""
    if interview.status in _ENDED:
        return frozenset()
    young, guardian = active_grants(interview)
    scopes = young & guardian if guardian_required(interview, day) else young
    if Scope.PARTICIPATION not in scopes:
        return frozenset()
    return frozenset(scopes)


def allows(interview, path: str) -> bool:
    return PATHS[path] in scopes_in_force(interview)


def require(actor, interview, path: str, day: date | None = None) -> None:
    """Raise ConsentMissing, with an audit entry that survives the refusal, unless allowed."""
    scope = PATHS[path]
    if scope in scopes_in_force(interview, day):
        return
    audit.record_security_event(
        actor, "consent.denied", interview=interview.id, scope=scope.value, path=path
    )
    young, guardian = active_grants(interview)
    waiting = (
        interview.status not in _ENDED
        and {scope, Scope.PARTICIPATION} <= young
        and not {scope, Scope.PARTICIPATION} <= guardian
        and guardian_required(interview, day)
    )
    raise ConsentMissing(interview.id, scope, path, guardian_missing=waiting)


def consenting(interviews: Iterable, path: str) -> list:
    """The interviews whose consent covers ``path``, for exports and aggregations."""
    scope = PATHS[path]
    return [interview for interview in interviews if scope in scopes_in_force(interview)]
