"""Booking, conducting and documenting interviews; memos and ethics flags.

Every function takes the acting user and checks the permission on the object it acts on.
Memos and flags are interview content: they are encrypted, their reads audited, and they
never reach researchers or review members.
"""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import defer, joinedload

from app.consent import gate
from app.core import audit
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize, can
from app.core.refusal import Refused
from app.core.users import Role, User
from app.guides.models import GuideVersion
from app.interviews.models import (
    FORWARD,
    EthicsFlag,
    FlagCategory,
    Interview,
    InvalidStep,
    Memo,
    Mode,
    Status,
)
from app.offers.models import Attrition, InvalidTransition, Offer
from app.participants.models import Participant, Placement

DEFAULT_GUIDE = "karlstad-follow-up"


class InterviewError(Refused, ValueError):
    """A refused change; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class MemoConflict(InterviewError):
    """Someone saved the section since this editor loaded it (often the same person in
    another window); the text that was refused is the caller's to keep and show."""


def _step(change) -> None:
    try:
        change()
    except (InvalidStep, InvalidTransition) as exc:
        raise InterviewError(exc.message) from None


def book(actor, offer: Offer, *, scheduled_at: datetime, place: str | None, mode: Mode,
         interviewer: User, language: str) -> Interview:  # fmt: skip
    """Book the interview of an accepted offer with the newest guide in ``language``."""
    authorize(actor, "interviews.book", offer)
    if not offer.is_open or offer.answer != "accepted":
        raise InterviewError(_l("An interview is booked only for an accepted offer."))
    if any(i.status != Status.CANCELLED.value for i in offer.interviews):
        raise InterviewError(_l("This offer already has an interview; move that one instead."))
    if not (interviewer.active and interviewer.has_role(Role.INTERVIEWER)):
        raise InterviewError(_l("Only an active interviewer can be assigned."), "interviewer_id")
    guide = GuideVersion.latest(DEFAULT_GUIDE, language)
    if guide is None:
        raise InterviewError(_l("No interview guide is loaded in that language."), "language")
    if offer.interviewer_id != interviewer.id:
        _step(lambda: offer.assign(interviewer.id, today()))
    interview = Interview(
        offer=offer,
        scheduled_at=scheduled_at,
        place=(place or "").strip() or None,
        mode=Mode(mode).value,
        interviewer_id=interviewer.id,
        guide_version_id=guide.id,
        language=language,
    )
    db.session.add(interview)
    db.session.flush()
    audit.record(actor, "interview.book", "interview", interview.id, guide=guide.id)
    return interview


def reschedule(actor, interview: Interview, *, scheduled_at, place, mode) -> None:
    authorize(actor, "interviews.book", interview.offer)
    _step(lambda: interview.reschedule(scheduled_at, (place or "").strip() or None, mode))
    audit.record(actor, "interview.reschedule", "interview", interview.id)


def cancel(actor, interview: Interview, reason: str | None) -> None:
    """Cancel a booked interview; memos written ahead of it go with it (a cancelled
    interview has no content, and nothing could withdraw it later)."""
    authorize(actor, "interviews.book", interview.offer)
    _step(lambda: interview.cancel(reason))
    memos = len(interview.memos)
    interview.memos.clear()
    audit.record(actor, "interview.cancel", "interview", interview.id, memos_erased=memos)


def conduct(actor, interview: Interview, on: date) -> None:
    """The interview took place: the follow-up counts as interviewed."""
    authorize(actor, "interviews.conduct", interview)
    gate.require(actor, interview, "interview.conduct", day=on)
    _step(lambda: interview.conduct(on, today()))
    _step(lambda: interview.offer.record_interviewed(on))
    audit.record(actor, "interview.conduct", "interview", interview.id)


def _refusal(interview: Interview, to: Status):
    """Why the "Next step" form may not move ``interview`` to ``to`` (None: it may): the
    steps other pages take, what a step needs, and the model's forward path. ``advance``
    and ``next_steps`` both read it, so the form offers exactly what is accepted."""
    if to is Status.CONDUCTED:
        return _l("Record the day the interview was conducted.")
    documented = any(m.text.strip() for m in interview.memos) or interview.recordings
    if to is Status.DOCUMENTED and not documented:
        return _l("Write the memos or upload the recording before marking the interview "
                  "documented.")  # fmt: skip
    if to is Status.TRANSCRIBED and not interview.transcripts:
        return _l("Transcribe the recording or import a transcript first.")
    if to is Status.VERIFIED and interview.transcripts:
        return _l("Verify the transcript in the transcript editor.")
    if to is Status.RELEASED:
        return _l("Release the transcript from its pseudonymisation review.")
    if to not in FORWARD.get(interview.status_enum, set()):
        return _l("An interview cannot go from %(a)s to %(b)s.", a=interview.status_enum.label,
                  b=to.label)  # fmt: skip
    return None


def next_steps(interview: Interview) -> tuple[list[Status], list]:
    """The steps the "Next step" form offers (each one ``advance`` accepts), and what to do
    elsewhere for the forward steps it does not take (messages)."""
    offered, elsewhere = [], []
    for to in sorted(FORWARD.get(interview.status_enum, set()), key=list(Status).index):
        why = _refusal(interview, to)
        if why is None:
            offered.append(to)
        else:
            elsewhere.append(why)
    return offered, elsewhere


def advance(actor, interview: Interview, to: Status) -> None:
    """Move the interview one step on, as ``next_steps`` offers."""
    authorize(actor, "interviews.conduct", interview)
    why = _refusal(interview, Status(to))
    if why is not None:
        raise InterviewError(why)
    _step(lambda: interview.advance(Status(to)))
    audit.record(actor, "interview.advance", "interview", interview.id, to=str(to))


def erase_content(actor, interview: Interview) -> list[dict]:
    """Participation was withdrawn: erase what the interview holds, keep a minimal record.

    Memos and the place go; the interview row stays as "withdrawn" with its dates, so that
    the follow-up and the withdrawal can still be accounted for. Ethics flags stay: they are
    the service's own record of a duty to act, and never reach research.
    """
    memos = len(interview.memos)
    interview.memos.clear()
    interview.place = interview.cancel_reason = None
    _step(interview.withdraw)
    done = [{"effect": "memos_erased", "count": memos}, {"effect": "interview_withdrawn"}]
    if interview.offer.is_open:  # withdrawn before the interview: the follow-up ends here
        _step(lambda: interview.offer.close_without_interview(Attrition.DECLINED, None))
        done.append({"effect": "follow_up_closed"})
    db.session.flush()
    audit.record(actor, "interview.withdraw", "interview", interview.id, memos_erased=memos)
    return done


EDITABLE = (Status.BOOKED.value, Status.CONDUCTED.value, Status.DOCUMENTED.value)


def read_memos(actor, interview: Interview) -> dict[str, Memo]:
    """The memos by section; a read of interview content, so audited."""
    authorize(actor, "interviews.conduct", interview)
    gate.require(actor, interview, "memos.read")
    audit.record(actor, "interview.memos_read", "interview", interview.id)
    return {memo.section_key: memo for memo in interview.memos}


def memos_editable(interview: Interview) -> bool:
    """Whether ``save_memo`` would take a memo now (status and consent), for the page to
    offer a form or show the memos read-only."""
    return interview.status in EDITABLE and gate.allows(interview, "memos.write")


def read_memo(actor, interview: Interview, section_key: str) -> Memo | None:
    """The newest saved memo of one section, for a conflict to show beside the refused text;
    a read of interview content, so audited."""
    authorize(actor, "interviews.conduct", interview)
    gate.require(actor, interview, "memos.read")
    audit.record(actor, "interview.memos_read", "interview", interview.id, section=section_key)
    return db.session.scalar(
        select(Memo).where(Memo.interview_id == interview.id, Memo.section_key == section_key)
        .execution_options(populate_existing=True)
    )  # fmt: skip


def combine_memos(mine: str, theirs: str) -> str:
    """Both texts of a conflict in one, each under a marker line, for the person to edit
    into one memo: nothing either window wrote is dropped."""
    # The markers say what each text is, not whose: the memo is read later, in either window.
    return "\n".join([
        _("--- Text typed while another window saved (kept from a conflict) ---"), mine.strip(),
        "", _("--- Text saved first in another window ---"), theirs.strip(),
    ])  # fmt: skip


def save_memo(
    actor, interview: Interview, section_key: str, text: str, revision: int, *,
    keep_saved: bool = False,
) -> Memo:  # fmt: skip
    """Save one section's memo; refused with ``MemoConflict`` if it changed since
    ``revision`` was read. With ``keep_saved`` the text saved at ``revision`` is kept too,
    below ``text`` (``combine_memos``): the answer "keep both" to a conflict."""
    authorize(actor, "interviews.conduct", interview)
    gate.require(actor, interview, "memos.write")
    if interview.status not in EDITABLE:
        raise InterviewError(_l("The memos can no longer be changed."))
    guide = interview.guide_version.guide
    if section_key not in {s.key for s in (*guide.sections, guide.closing)}:
        raise InterviewError(_l("That section is not in this interview's guide."))
    where = (Memo.interview_id == interview.id, Memo.section_key == section_key)
    if keep_saved:
        current = db.session.scalar(
            select(Memo).where(*where, Memo.revision == revision)
            .execution_options(populate_existing=True)
        )  # fmt: skip
        # When it moved on again, the compare and set below refuses, and the person is
        # shown the newer text before anything is combined with it.
        if current is not None:
            text = combine_memos(text, current.text)
    # Compare and set in one statement each, so that two saves from the same revision (two
    # browsers, or two requests at once) cannot both win: the second is refused, not lost.
    values = dict(text=text, revision=revision + 1, updated_at=utcnow(), updated_by_id=actor.id)
    saved = 0
    if revision == 0:
        insert = (pg_insert if db.session.get_bind().dialect.name == "postgresql" else
                  sqlite_insert)(Memo).values(interview_id=interview.id,
                                              section_key=section_key, **values)  # fmt: skip
        insert = insert.on_conflict_do_nothing(index_elements=["interview_id", "section_key"])
        saved = db.session.execute(insert.returning(Memo.id)).first() is not None
    if not saved:
        saved = db.session.execute(
            update(Memo).where(*where, Memo.revision == revision).values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
    memo = db.session.scalar(select(Memo).where(*where).execution_options(populate_existing=True))
    if saved != 1:
        if memo is not None and memo.text == text:
            return memo  # the same words saved twice (an autosave and the button): no conflict
        raise MemoConflict(
            _l("This section was saved in another window while you were writing here. "
               "Your text is kept: compare it with the saved one and choose what to keep.")
        )  # fmt: skip
    db.session.expire(interview, ["memos"])
    audit.record(actor, "interview.memo_save", "interview", interview.id, section=section_key)
    return memo


def raise_flag(actor, interview: Interview, *, category: FlagCategory, disclosure: str,
               follow_up: str, responsible: User, due_on: date) -> EthicsFlag:  # fmt: skip
    authorize(actor, "interviews.conduct", interview)
    if interview.status in (Status.WITHDRAWN.value, Status.CANCELLED.value):
        raise InterviewError(_l("The interview is already withdrawn or cancelled."))
    if due_on < today():
        raise InterviewError(_l("The due date cannot be in the past."), "due_on")
    if not responsible.active:
        raise InterviewError(_l("The responsible person must be an active user."), "responsible_id")
    if not responsible.has_role(*FLAG_HANDLERS):
        raise InterviewError(
            _l("Only an interviewer or a coordinator can follow up an ethics flag: researchers, "
               "review members and administrators never see flags."), "responsible_id")  # fmt: skip
    flag = EthicsFlag(
        interview=interview,
        category=FlagCategory(category).value,
        disclosure=disclosure.strip(),
        follow_up=follow_up.strip(),
        responsible_id=responsible.id,
        due_on=due_on,
        raised_by_id=actor.id,
    )
    db.session.add(flag)
    db.session.flush()
    audit.record(actor, "flag.raise", "ethics_flag", flag.id, category=flag.category)
    return flag


#: who may be made responsible for an ethics flag: the people who can see and act on one
FLAG_HANDLERS = (Role.INTERVIEWER, Role.COORDINATOR)


def flag_handlers() -> list[User]:
    """The active users an ethics flag can be given to, by name."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name)).all()
    return [u for u in users if u.has_role(*FLAG_HANDLERS)]


def may_handle_flag(user, flag: EthicsFlag) -> bool:
    return can(user, "flags.manage") or user.id in (flag.responsible_id, flag.raised_by_id)


def read_flags(actor, flags: list[EthicsFlag]) -> list[EthicsFlag]:
    """Flags the actor may see, with the read audited; anyone else is refused."""
    for flag in flags:
        if not may_handle_flag(actor, flag):
            raise PermissionDenied("flags.manage")
    if flags:
        audit.record(actor, "flag.read", "ethics_flag", None, ids=[f.id for f in flags])
    return flags


def resolve_flag(actor, flag: EthicsFlag, resolution: str) -> None:
    if not may_handle_flag(actor, flag):
        raise PermissionDenied("flags.manage")
    if not flag.is_open:
        raise InterviewError(_l("The flag is already resolved."))
    if not resolution.strip():
        raise InterviewError(_l("Say what was done."), "resolution")
    flag.resolution, flag.resolved_at = resolution.strip(), utcnow()
    audit.record(actor, "flag.resolve", "ethics_flag", flag.id)


def _participant_code(path=None):
    """A loader option: each interview's participant, just the code, in the same query (from
    ``path`` where the interviews are loaded through a relationship)."""
    offer = joinedload(Interview.offer) if path is None else path.joinedload(Interview.offer)
    return (
        offer.joinedload(Offer.placement)
        .joinedload(Placement.participant)
        .load_only(Participant.code)
    )


def open_flags() -> list[EthicsFlag]:
    """The open flags by due date, with the participant's code; what they say is not read
    (the dashboard lists them without it, and a read of it is audited: ``read_flags``)."""
    hidden = (defer(EthicsFlag.disclosure), defer(EthicsFlag.follow_up),
              defer(EthicsFlag.resolution))  # fmt: skip
    return list(
        db.session.scalars(
            select(EthicsFlag)
            .where(EthicsFlag.resolved_at.is_(None))
            .options(_participant_code(joinedload(EthicsFlag.interview)), *hidden)
            .order_by(EthicsFlag.due_on)
        )
    )


def _listed():
    """Interviews as the list shows them, newest first: with the participant's code and the
    interviewer in the same query, and nothing encrypted decrypted (not the place, not the
    participant's identity), however many rows there are."""
    hidden = (defer(Interview.place), defer(Interview.cancel_reason))
    return (
        select(Interview)
        .options(_participant_code(), joinedload(Interview.interviewer), *hidden)
        .order_by(Interview.scheduled_at.desc())
    )


def all_interviews() -> list[Interview]:
    """Every interview, newest first, for the coordinator's list."""
    return list(db.session.scalars(_listed()))


def interviews_of(actor) -> list[Interview]:
    """The actor's own interviews (as interviewer), newest first."""
    return list(db.session.scalars(_listed().where(Interview.interviewer_id == actor.id)))
