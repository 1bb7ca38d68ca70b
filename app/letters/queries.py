"""Who the year's letter goes to, and who is left out and why.

The people a review learned from are those interviewed in the session's period (conducted,
not cancelled). Each is a recipient when the consent gate lets the letter go
(``letters.send``: hearing back is in force, with taking part) and the register holds an
address; anyone else is left out, with one reason:

- withdrew: they (or a guardian) took back hearing back or the whole interview;
- said no: they never said yes to hearing back;
- guardian: under 18 on the interview day, and the guardian has not said yes as well
  (the gate's rule for every scope; the letter itself says nothing about the person, so
  once both have said yes it goes to the young person, whatever their age now);
- no address: the register holds none.

Nothing here shows an identity or writes an audit entry; the services that show or print
what these rows hold do both.
"""

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.config import LANGUAGES
from app.consent import gate
from app.consent.scopes import Scope
from app.core.db import db
from app.interviews.models import Interview
from app.letters.models import LetterDraft, LetterSent
from app.offers.models import Offer
from app.participants.models import Participant, Placement
from app.reviews.models import ReviewSession


class Reason(StrEnum):
    WITHDREW = "withdrew"
    SAID_NO = "said_no"
    GUARDIAN = "guardian"
    NO_ADDRESS = "no_address"

    @property
    def label(self):
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.WITHDREW: _l("Withdrew: hearing back or the whole interview was taken back"),
    Reason.SAID_NO: _l("Did not ask to hear back"),
    Reason.GUARDIAN: _l(
        "Under 18 on the interview day: the guardian has not said yes to hearing back as well"
    ),
    Reason.NO_ADDRESS: _l("No address in the register"),
}


@dataclass
class Entry:
    """One person the review learned from: a recipient when ``reason`` is None."""

    participant: Participant
    interview: Interview
    language: str
    reason: Reason | None
    sent: LetterSent | None = None

    @property
    def recipient(self) -> bool:
        return self.reason is None


def consent_reason(interview: Interview) -> Reason | None:
    """Why the consent gate keeps the letter from this interview's participant; None when
    it lets the letter go."""
    if gate.allows(interview, "letters.send"):
        return None
    taken_back = {Scope.HEAR_BACK, Scope.PARTICIPATION}
    if interview.status == "withdrawn" or any(
        taken_back & set(w.scope_list) for w in interview.withdrawals
    ):
        return Reason.WITHDREW
    young, _guardian = gate.active_grants(interview)
    if {Scope.HEAR_BACK, Scope.PARTICIPATION} <= young and gate.guardian_required(interview):
        return Reason.GUARDIAN
    return Reason.SAID_NO


def letter_language(participant: Participant, interview: Interview) -> str:
    """The language the young person prefers for letters, else their interview's."""
    for language in (participant.language, interview.language):
        if language in LANGUAGES:
            return language
    return LANGUAGES[0]


def interviews_in(session: ReviewSession) -> list[Interview]:
    """The interviews held in the session's period (none cancelled or never held)."""
    query = (
        select(Interview)
        .where(Interview.conducted_on.is_not(None), Interview.status != "cancelled")
        .options(
            selectinload(Interview.consents),
            selectinload(Interview.withdrawals),
            selectinload(Interview.offer).selectinload(Offer.placement)
            .selectinload(Placement.participant),
        )
        .order_by(Interview.conducted_on, Interview.id)
    )  # fmt: skip
    if session.scope_from is not None:
        query = query.where(Interview.conducted_on >= session.scope_from)
    if session.scope_to is not None:
        query = query.where(Interview.conducted_on <= session.scope_to)
    return list(db.session.scalars(query))


def entries(session: ReviewSession) -> list[Entry]:
    """Everyone the review learned from, once each, recipients and left-out alike, by code.

    Someone interviewed twice in the period is held to a withdrawal at either interview
    (taking hearing back, or taking part, back covers the person), else to their latest
    interview's answer: an earlier yes does not outweigh a later no."""
    by_person: dict[int, list[Interview]] = defaultdict(list)
    for interview in interviews_in(session):
        by_person[interview.participant.id].append(interview)
    sent = {
        row.participant_id: row
        for row in db.session.scalars(select(LetterSent).where(LetterSent.session_id == session.id))
    }
    found = []
    for interviews in by_person.values():
        reasons = [(consent_reason(i), i) for i in interviews]  # oldest first
        reason, interview = next(((r, i) for r, i in reasons if r is Reason.WITHDREW),
                                 reasons[-1])  # fmt: skip
        participant = interview.participant
        if reason is None and not (participant.address or "").strip():
            reason = Reason.NO_ADDRESS
        found.append(Entry(participant, interview, letter_language(participant, interview),
                           reason, sent.get(participant.id)))  # fmt: skip
    return sorted(found, key=lambda e: e.participant.code)


def drafts(session: ReviewSession) -> dict[str, LetterDraft]:
    """The session's drafts by language."""
    rows = db.session.scalars(select(LetterDraft).where(LetterDraft.session_id == session.id))
    return {row.language: row for row in rows}
