"""A review session's pack as a service: started as a job (or built at once), read (audited),
destroyed, and destroyed for every interview whose quotation consent is withdrawn. The
pack quotes only released, pseudonymised passages of interviews whose consent to quotation
is in force when it is built; how it is built is in ``pack``.
"""

from dataclasses import replace

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from analysis import aggregation as agg
from app.core import audit, job_queue, jobs, storage
from app.core.db import db, utcnow
from app.reviews.agenda import reader_language
from app.reviews.models import (
    ReviewPack,
    ReviewSession,
    SessionStatus,
)
from app.reviews.refusals import ReviewError
from app.reviews.sessions import check_pack_reader, check_session, may_read_pack, scope_of
from app.themes import aggregates
from app.themes.views import released_in

PACK = "review.pack"
jobs.KIND_LABELS[PACK] = _l("Build a review pack")


def released_in_scope(session: ReviewSession) -> int:
    return sum(aggregates.released_per_year(scope_of(session)).values())


def released_shown(session: ReviewSession) -> agg.Cell:
    """The released interviews of the session's years as the page may show them: as the
    themes page shows some years' (``themes.released_in``)."""
    scope = scope_of(session)
    every = replace(scope, year_from=None, year_to=None)
    return released_in(every, (scope.year_from, scope.year_to))


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
                      language=reader_language())  # fmt: skip
    db.session.add(pack)
    db.session.flush()
    return pack


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
