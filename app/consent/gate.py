"""The one consent gate: every path that moves interview data asks it first.

A path is named in ``PATHS`` with the scope it needs. A service calls
``require(actor, interview, "memos.read")`` before it shows, changes, sends or counts
anything, and a bulk path (an export, an aggregation) keeps only what
``consenting(interviews, path)`` returns; a count made by the database keeps only the
interviews that ``sql_allows(path)`` selects. The property-based test in
``tests/consent/test_gate_property.py`` walks every name in ``PATHS``; a path added here
without a probe there fails that test.

Which scopes are in force is worked out from the grants that have not been withdrawn:
the young person's always, and a guardian's as well when the young person is under the
guardian age on the interview day. Without ``participation`` nothing else is in force.

The birth date is encrypted, so the database cannot tell who needs a guardian: each
interview carries ``guardian_needed``, worked out here whenever the interview day or the
birth date changes (``_restamp``, at every flush) and under which rules (``guardian_rule``),
so that a change of the guardian age or the time zone stamps every interview again.
"""

from collections.abc import Iterable
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, exists, inspect, or_, select
from sqlalchemy.orm import Session, load_only, selectinload

from app.consent.scopes import Scope
from app.core import audit
from app.core.calendar import local_date
from app.core.db import db
from app.core.refusal import Refused
from app.offers.models import Offer
from app.participants.eligibility import needs_guardian
from app.participants.models import Participant, Placement
from app.participants.services import rules

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
    # Counts: what the team counts for its own learning (the coordinator, the review group,
    # the leader, a review pack) needs the interview to be taken part in; what a researcher
    # counts, or anything counted that leaves the team, needs research use.
    "themes.count": Scope.PARTICIPATION,
    "research.count": Scope.RESEARCH_USE,
    # The letter after the review goes only to those who asked to hear back.
    "letters.send": Scope.HEAR_BACK,
}

#: statuses in which an interview holds no usable content at all
_ENDED = ("withdrawn", "cancelled")

#: the model that consent is given for. It is the interviews area's ``Interview``, a layer
#: above this one: the area registers it as the app takes its blueprint (``register_subject``),
#: so that the gate's SQL and its guardian stamps name its columns without importing it.
_subject: list[type] = []


def register_subject(model: type) -> None:
    """Called by the interviews area at app creation: ``model`` is what consent covers."""
    _subject[:] = [model]


def subject() -> type:
    """The registered model consent is given for (``Interview``)."""
    if not _subject:
        raise RuntimeError("no interview model is registered: the app registers it")
    return _subject[0]


class ConsentMissing(Refused):
    """The consent in force does not cover what was asked; the message is for the user.
    Uncaught, it shows a 403 page that says why (the refusal is already in the audit log)."""

    status, page = 403, True

    def __init__(self, interview_id: int, scope: Scope, path: str, guardian_missing=False):
        # Not Refused.__init__: the message is worded when it is read, in the reader's language.
        Exception.__init__(self, f"interview {interview_id}: {path} needs {scope}")
        self.field = None
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
    return interview.conducted_on or local_date(interview.scheduled_at)


def guardian_required(interview, day: date | None = None) -> bool:
    """Whether the participant is under the guardian age on the interview day (or ``day``)."""
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


# --- the gate in SQL ---------------------------------------------------------------------------


def _covered(model, needed: list[Scope], guardian: bool):
    """SQL: the young person (or a guardian) has granted every scope in ``needed`` for the
    ``model`` row and withdrawn none of them (across records, as ``active_grants`` reads
    them). One semi-join per scope: the planner estimates those from the grants' statistics,
    where a grouped count with HAVING was taken for a few dozen interviews of ten thousand
    and sent every count joined to it into a loop per release."""
    from app.consent.models import ConsentGrant, ConsentRecord

    giver = ConsentRecord.giver == "guardian" if guardian else ConsentRecord.giver != "guardian"
    conditions = [
        exists().where(
            ConsentRecord.interview_id == model.id,
            giver,
            ConsentGrant.record_id == ConsentRecord.id,
            ConsentGrant.withdrawal_id.is_(None),
            ConsentGrant.scope == scope.value,
        )
        for scope in needed
    ]
    return and_(*conditions)


def sql_allows(path: str):
    """A condition on ``Interview`` that holds for exactly the interviews ``allows(interview,
    path)`` says yes to, for counts made by the database. Stamps interviews whose guardian
    flag is missing or was worked out under other rules first (it flushes)."""
    model = subject()
    stamp_stale()
    needed = sorted({Scope.PARTICIPATION, PATHS[path]})
    return and_(
        model.status.not_in(_ENDED),
        _covered(model, needed, guardian=False),
        # NULL (not yet stamped) counts as needed: a missing stamp hides, never shows
        or_(model.guardian_needed.is_(False), _covered(model, needed, guardian=True)),
    )


def guardian_rule() -> str:
    """What ``guardian_required`` depends on besides the interview: the guardian age and the
    time zone that a booked interview's day is read in."""
    return f"{rules().guardian_age}|{current_app.config['BABEL_DEFAULT_TIMEZONE']}"


def stamp(interview) -> None:
    """Work out whether ``interview`` needs a guardian's consent, for ``sql_allows``."""
    interview.guardian_needed = guardian_required(interview)
    interview.guardian_rule = guardian_rule()


def stamp_stale() -> int:
    """Stamp the interviews never stamped or stamped under other rules; returns how many."""
    model = subject()
    rule = guardian_rule()
    stale = select(model).where(or_(model.guardian_rule.is_(None), model.guardian_rule != rule))
    if db.session.scalar(select(stale.exists())) is not True:
        return 0
    # only the birth date of the participant is decrypted, not their identity
    participant = (selectinload(model.offer).selectinload(Offer.placement)
                   .selectinload(Placement.participant).options(
                       load_only(Participant.birth_date)))  # fmt: skip
    interviews = db.session.scalars(stale.options(participant)).all()
    for interview in interviews:
        stamp(interview)
    db.session.flush()
    return len(interviews)


_DAY_FIELDS = ("scheduled_at", "conducted_on", "offer_id", "offer")


@event.listens_for(Session, "before_flush")
def _restamp(session, flush_context, instances) -> None:
    """Keep ``guardian_needed`` true to the interview day and the birth date, whichever
    service changes them."""
    if not _subject:
        return  # no app made yet: nothing of consent can be flushed
    model = subject()
    due = []
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, model):
            state = inspect(obj)
            if state.pending or any(state.attrs[f].history.has_changes() for f in _DAY_FIELDS):
                due.append(obj)
        elif isinstance(obj, Participant) and obj in session.dirty:
            if inspect(obj).attrs.birth_date.history.has_changes():
                due += [i for p in obj.placements if p.offer for i in p.offer.interviews]
        elif isinstance(obj, Offer) and obj in session.dirty and \
                inspect(obj).attrs.placement_id.history.has_changes():  # fmt: skip
            due += list(obj.interviews)
    for interview in due:
        if interview.offer is None and interview.offer_id is not None:
            interview.offer = session.get(Offer, interview.offer_id)
        if interview.offer is not None:
            stamp(interview)
