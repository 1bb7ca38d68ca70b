"""The annual reflective review: sessions, agenda, pack, notes, actions and follow-up.

A review member sees only the sessions they belong to (the coordinator sees all), and the
checks are made here with the session at hand. The pack quotes only released, pseudonymised
passages of interviews whose consent to quotation is in force when the pack is built; a
later withdrawal destroys every pack that quotes the interview.
"""

import json
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit, job_queue, jobs, storage
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.i18n import format_day
from app.core.permissions import authorize
from app.core.refusal import Refused
from app.core.users import Role, User
from app.reviews.models import (
    AgendaTemplate,
    ReviewPack,
    ReviewSession,
    SessionStatus,
    agenda_in,
    review_member,
)
from app.themes import aggregates
from app.themes.aggregates import Scope

PACK = "review.pack"
jobs.KIND_LABELS[PACK] = _l("Build a review pack")


class ReviewError(Refused):
    """A review could not be changed as asked; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


# --- the agenda --------------------------------------------------------------------------

#: kind -> (title, guidance): the reflective group process of the Karlstad model
DEFAULT_AGENDA = (
    ("preparation", _l("Preparation"),
     _l("Before the meeting each member reads the quotes assigned to them in the pack.")),
    ("impressions", _l("A round of first impressions"),
     _l("Each in turn says what struck them, without discussion.")),
    ("themes", _l("Theme by theme"),
     _l("For each theme: what do the young people tell us, and what surprises us?")),
    ("goals", _l("Goal by goal"),
     _l("For each goal: what do the interviews say about it, and did we meet it this year?")),
    ("practice", _l("What it means for our practice"),
     _l("What should we keep doing, and what should we do differently?")),
    ("actions", _l("Actions"), _l("What we will change, who owns it and by when.")),
    ("follow_up", _l("Last year's actions followed up"),
     _l("What became of each action decided last time?")),
)  # fmt: skip
KINDS = {kind for kind, _t, _g in DEFAULT_AGENDA} | {"discussion"}


def _languages() -> tuple[str, ...]:
    from flask import current_app

    return tuple(current_app.config["LANGUAGES"])


def agenda_template(language: str | None = None) -> list[dict]:
    """The agenda new sessions start from in ``language`` (default: the asker's): the
    coordinator's template in that language, else the one saved before templates had a
    language, else the default in that language."""
    language = language or _locale()
    rows = {r.language: r for r in db.session.scalars(select(AgendaTemplate))}
    row = rows.get(language) or rows.get(None)
    if row is not None:
        return json.loads(row.items)
    with force_locale(language):
        return [{"kind": k, "title": str(t), "guidance": str(g)} for k, t, g in DEFAULT_AGENDA]


def _agenda_copy(language: str) -> list[dict]:
    """The template in ``language``, each item carrying its words in every language whose
    template has the same items in the same order (the templates are then taken to be
    translations of each other), for a new session's agenda."""
    base = agenda_template(language)
    kinds = [item["kind"] for item in base]
    others = {lang: agenda_template(lang) for lang in _languages()}
    same = {lang: items for lang, items in others.items()
            if [item["kind"] for item in items] == kinds}  # fmt: skip
    return [{**item, "i18n": {lang: {"title": items[i]["title"], "guidance": items[i]["guidance"]}
                              for lang, items in same.items()}}
            for i, item in enumerate(base)]  # fmt: skip


def _clean_agenda(items: list[dict]) -> list[dict]:
    cleaned = []
    for item in items:
        title = (item.get("title") or "").strip()
        if not title:
            continue
        kind = item.get("kind") if item.get("kind") in KINDS else "discussion"
        cleaned.append({"kind": kind, "title": title[:200],
                        "guidance": (item.get("guidance") or "").strip()[:2000]})  # fmt: skip
    if not cleaned:
        raise ReviewError(_l("An agenda needs at least one item."), "items")
    return cleaned


def save_template(actor, items: list[dict], language: str | None = None) -> list[dict]:
    """Save the agenda template in ``language`` (default: the actor's); the other
    languages' templates are left as they are."""
    authorize(actor, "reviews.manage")
    language = language or _locale()
    if language not in _languages():
        raise ReviewError(_l("Choose one of the languages of the interface."))
    cleaned = _clean_agenda(items)
    row = db.session.scalar(select(AgendaTemplate).where(AgendaTemplate.language == language))
    if row is None:
        row = AgendaTemplate(language=language)
        db.session.add(row)
    row.items = json.dumps(cleaned, ensure_ascii=False)
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "review.agenda_template", "review_agenda_template", row.id,
                 language=language)  # fmt: skip
    return cleaned


# --- sessions ------------------------------------------------------------------------------


def visible_sessions(actor) -> list[ReviewSession]:
    authorize(actor, "reviews.view")
    query = select(ReviewSession).order_by(ReviewSession.held_on.desc(), ReviewSession.id.desc())
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(ReviewSession.members.any(User.id == actor.id))
    return db.session.scalars(query).all()


def check_session(actor, session: ReviewSession, action: str = "reviews.view") -> None:
    """Refuse a session the actor does not belong to."""
    authorize(actor, action, session)


#: A pack counts the team's way (taking part is enough) and quotes interviews without
#: research-use consent; what a researcher counts or reads needs research use. So nobody
#: holding the researcher role sits in a review group or reads a pack, whatever else
#: they are.
NOT_A_MEMBER = _l("A research partner cannot be a member of a review group: the pack counts "
                  "and quotes interviews without consent to research use.")  # fmt: skip
NOT_FOR_RESEARCHERS = _l("The pack is not shown to anyone with the researcher role: it counts "
                         "and quotes interviews without consent to research use.")  # fmt: skip


def may_read_pack(actor) -> bool:
    return not actor.has_role(Role.RESEARCHER)


def check_pack_reader(actor, session: ReviewSession) -> None:
    """Refuse a session's pack to anyone outside it, and to anyone holding the researcher
    role (a session may still list such a member from before this rule)."""
    check_session(actor, session)
    if not may_read_pack(actor):
        raise ReviewError(NOT_FOR_RESEARCHERS)


def scope_of(session: ReviewSession) -> Scope:
    """The session's interviews, counted as the team's own review counts them."""
    return Scope(session.scope_from, session.scope_to, path="themes.count")


def eligible_members() -> list[User]:
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    return [u for u in users if u.has_role(Role.REVIEW_MEMBER, Role.COORDINATOR)
            and not u.has_role(Role.RESEARCHER)]  # fmt: skip


def _previous(session: ReviewSession) -> ReviewSession | None:
    query = (
        select(ReviewSession)
        .where(ReviewSession.team == session.team, ReviewSession.held_on < session.held_on)
        .order_by(ReviewSession.held_on.desc(), ReviewSession.id.desc())
    )
    if session.id is not None:
        query = query.where(ReviewSession.id != session.id)
    return db.session.scalars(query).first()


def _validate(title, year, held_on, scope_from, scope_to, members) -> str:
    title = (title or "").strip()
    if not title:
        raise ReviewError(_l("Give the session a title."), "title")
    if held_on is None:
        raise ReviewError(_l("Give the date of the meeting."), "held_on")
    if not 1900 <= (year or 0) <= 2200:
        raise ReviewError(_l("Give the year the session reviews."), "year")
    if scope_from and scope_to and scope_to < scope_from:
        raise ReviewError(_l("The period must end after it starts."), "scope_to")
    allowed = {u.id for u in eligible_members()}
    if not members:
        raise ReviewError(_l("Choose the members of the review group."), "members")
    if any(m.has_role(Role.RESEARCHER) for m in members):
        raise ReviewError(NOT_A_MEMBER, "members")
    if any(m.id not in allowed for m in members):
        raise ReviewError(_l("Only review group members and coordinators can take part."),
                          "members")  # fmt: skip
    return title[:200]


class DuplicateSession(ReviewError):
    """The year and team have a session already; made only when the person confirms."""

    def __init__(self, existing: list[ReviewSession]):
        super().__init__(_l("There is already a review session for this year and team. Check "
                            "that you do not mean that one; to make a second one, confirm "
                            "below."), "confirm_duplicate")  # fmt: skip
        self.existing = existing


def sessions_for(year: int, team: str, but: ReviewSession | None = None) -> list[ReviewSession]:
    """The sessions of ``year`` and ``team`` (other than ``but``)."""
    team = (team or "").strip()[:120]
    query = select(ReviewSession).where(ReviewSession.year == year, ReviewSession.team == team)
    if but is not None and but.id is not None:
        query = query.where(ReviewSession.id != but.id)
    return db.session.scalars(query.order_by(ReviewSession.held_on)).all()


def _check_duplicate(year, team, session, confirmed: bool) -> None:
    existing = sessions_for(year, team, session)
    if existing and not confirmed:
        raise DuplicateSession(existing)


def create_session(
    actor, *, title: str, year: int, held_on: date, scope_from: date | None,
    scope_to: date | None, members: list[User], team: str = "",
    confirmed_duplicate: bool = False,
) -> ReviewSession:  # fmt: skip
    """A new session with the agenda template; it follows up the team's last session. A
    second session for the same year and team is refused unless ``confirmed_duplicate``."""
    authorize(actor, "reviews.manage")
    title = _validate(title, year, held_on, scope_from, scope_to, members)
    _check_duplicate(year, team, None, confirmed_duplicate)
    session = ReviewSession(
        title=title, year=year, held_on=held_on, scope_from=scope_from, scope_to=scope_to,
        team=(team or "").strip()[:120], members=list(members), created_by_id=actor.id,
        agenda=json.dumps(_agenda_copy(_locale()), ensure_ascii=False),
    )  # fmt: skip
    session.previous = _previous(session)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "review.create", "review_session", session.id,
                 members=sorted(m.id for m in members))  # fmt: skip
    return session


def update_session(actor, session: ReviewSession, *, title, year, held_on, scope_from, scope_to,
                   members, team="", agenda: list[dict] | None = None,
                   confirmed_duplicate: bool = False) -> None:  # fmt: skip
    """Change a session; moving it onto the year and team of another needs
    ``confirmed_duplicate`` as making one does."""
    authorize(actor, "reviews.manage")
    if session.status_enum is SessionStatus.APPROVED:
        raise ReviewError(_l("The minutes are approved; the session can no longer be changed."))
    checked = _validate(title, year, held_on, scope_from, scope_to, members)
    moved = (year, (team or "").strip()[:120]) != (session.year, session.team)
    _check_duplicate(year, team, session, confirmed_duplicate or not moved)
    session.title = checked
    session.year, session.held_on = year, held_on
    session.scope_from, session.scope_to = scope_from, scope_to
    session.team, session.members = (team or "").strip()[:120], list(members)
    if agenda is not None:
        stored = session.agenda_items
        cleaned, before = _clean_agenda(agenda), agenda_in(stored, _locale())
        # Notes belong to an item by its place: an item with notes stays where it is.
        for index in sorted({n.item for n in session.notes}):
            kept = index < len(cleaned) and index < len(before)
            if not kept or cleaned[index]["title"] != before[index]["title"]:
                raise ReviewError(_l("The agenda item “%(title)s” has notes, so it cannot be "
                                     "removed, renamed or moved. Add new items after it.",
                                     title=before[index]["title"] if index < len(before)
                                     else index + 1), "items")  # fmt: skip
        # An item left as it was shown keeps its words in every language; one changed is
        # kept as typed.
        kept = [stored[i] if i < len(before) and item == before[i] else item
                for i, item in enumerate(cleaned)]  # fmt: skip
        session.agenda = json.dumps(kept, ensure_ascii=False)
    session.previous = _previous(session)
    db.session.flush()
    audit.record(actor, "review.update", "review_session", session.id,
                 members=sorted(m.id for m in members))  # fmt: skip


_NEXT = {
    SessionStatus.HELD: (SessionStatus.PLANNING, SessionStatus.PACK_READY),
    SessionStatus.APPROVED: (SessionStatus.HELD,),
}


def set_status(actor, session: ReviewSession, status: SessionStatus) -> None:
    """Mark a session held, or approve its minutes (once held)."""
    authorize(actor, "reviews.manage")
    status = SessionStatus(status)
    if session.status_enum not in _NEXT.get(status, ()):
        raise ReviewError(_l("The session cannot move from “%(now)s” to “%(next)s”.",
                             now=session.status_enum.label, next=status.label))  # fmt: skip
    if status is SessionStatus.HELD and today() < session.held_on:
        raise ReviewError(_l("The meeting is on %(day)s: a session can be marked held on that "
                             "day or later.", day=format_day(session.held_on)))  # fmt: skip
    session.status = status.value
    if status is SessionStatus.APPROVED:
        session.approved_by_id, session.approved_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "review.status", "review_session", session.id, status=status.value)


# --- the pack ------------------------------------------------------------------------------


def released_in_scope(session: ReviewSession) -> int:
    return sum(aggregates.released_per_year(scope_of(session)).values())


def _new_pack(actor, session: ReviewSession) -> ReviewPack:
    check_session(actor, session, "reviews.manage")
    if session.status_enum is SessionStatus.APPROVED:
        raise ReviewError(_l("The minutes are approved; the pack can no longer be rebuilt."))
    if released_in_scope(session) == 0:
        raise ReviewError(_l("There are no released interviews in this session's scope, so "
                             "there is nothing to build a pack from. Widen the period or "
                             "release interviews first."))  # fmt: skip
    version = max((p.version for p in session.packs), default=0) + 1
    pack = ReviewPack(session=session, version=version, built_by_id=actor.id,
                      language=_locale())  # fmt: skip
    db.session.add(pack)
    db.session.flush()
    return pack


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def reader_language() -> str:
    """The language the page is read in, for an agenda shown in it."""
    return _locale()


def start_pack(actor, session: ReviewSession) -> ReviewPack:
    """Queue a pack build; the page follows its progress."""
    running = [p for p in session.packs if p.job is not None and p.job.active]
    if running:
        raise ReviewError(_l("A pack is being built already."))
    pack = _new_pack(actor, session)
    pack.job = job_queue.submit(
        PACK, actor, subject=f"review_session:{session.id}", pack_id=pack.id
    )
    audit.record(actor, "review.pack_start", "review_session", session.id, pack=pack.id)
    return pack


def build_pack_now(actor, session: ReviewSession) -> ReviewPack:
    """Build a pack in this process (the job does the same work)."""
    from app.reviews import pack as builder

    pack = _new_pack(actor, session)
    builder.build(pack, actor)
    return pack


@jobs.handler(PACK)
def _pack_job(job) -> dict:
    from app.reviews import pack as builder

    pack = db.session.get(ReviewPack, job.params_dict["pack_id"])
    if pack is None:
        raise jobs.JobError(_("The pack is gone; its session was deleted."))
    with force_locale(pack.language):  # the language of the person who asked for it
        builder.build(pack, job.created_by, progress=lambda share: jobs.set_progress(job, share))
    return {"pack_id": pack.id, "quotes": len(pack.quoted_ids)}


def read_pack(actor, pack: ReviewPack) -> ReviewPack:
    """Open a built pack: its quotes are transcript passages, so the read is audited."""
    check_pack_reader(actor, pack.session)
    if not pack.ready:
        raise ReviewError(_l("This pack is not available: it was destroyed or is not built "
                             "yet. Build the pack again."))  # fmt: skip
    audit.record(actor, "review.pack_read", "review_session", pack.session_id, pack=pack.id,
                 interviews=pack.quoted_ids)  # fmt: skip
    return pack


def destroy_pack(pack: ReviewPack, reason: str) -> None:
    if pack.docx_name:
        storage.delete_after_commit(pack.docx_name)
    pack.content, pack.docx_name = None, None
    pack.destroyed_at, pack.destroyed_reason = utcnow(), reason


def in_a_review_session(user: User) -> bool:
    """Whether ``user`` belongs to any review session (a member then reads the themes)."""
    found = db.session.execute(
        review_member.select().where(review_member.c.user_id == user.id).limit(1)
    ).first()
    return found is not None


def destroy_for_withdrawal(actor, interview) -> list[dict]:
    """Quotation (or participation) withdrawn: destroy every pack that quotes the
    interview. A consent effect (registered in app.reviews.routes)."""
    for job in db.session.scalars(select(jobs.Job).where(
            jobs.Job.kind == PACK, jobs.Job.state.in_(("queued", "running")))):  # fmt: skip
        jobs.cancel(job)  # a pack being built may be about to quote the interview
    packs = db.session.scalars(select(ReviewPack).where(ReviewPack.destroyed_at.is_(None))).all()
    hit = [p for p in packs if interview.id in p.quoted_ids]
    for pack in hit:
        destroy_pack(pack, "quotation_withdrawn")
    if hit:
        db.session.flush()
    return [{"effect": "review_packs_destroyed", "count": len(hit)}] if hit else []


def quotes_for(actor, pack: ReviewPack) -> list[dict]:
    """The quotes of a pack assigned to ``actor`` for preparation; checked and audited."""
    check_session(actor, pack.session)
    if not pack.ready or not may_read_pack(actor):
        return []
    found = [q for theme in pack.data.get("themes", []) for q in theme.get("quotes", [])
             if q.get("reader") == actor.id]  # fmt: skip
    # a pack built before quotes were assigned once per member may hold one twice
    seen: set[str] = set()
    found = [q for q in found if q["text"] not in seen and not seen.add(q["text"])]
    if found:
        audit.record(actor, "review.quotes_read", "review_session", pack.session_id,
                     pack=pack.id, quotes=len(found))  # fmt: skip
    return found
