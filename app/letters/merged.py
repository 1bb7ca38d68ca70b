"""Every recipient's letter in one DOCX, made in the background: a job builds the file into
the store, a page shows its progress and the download.

The file holds names and addresses. It is kept for a day at most, replaced by the next one
made for the same review, and refused at download when someone in it is no longer to get
the letter (they withdrew, say), so an old file cannot reach anyone it should not.
"""

import io
import json
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select

from app.core import audit, job_queue, jobs, storage
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.letters import queries, services
from app.letters.services import LetterError
from app.reviews.models import ReviewSession

MERGED = "letters.merged"
jobs.KIND_LABELS[MERGED] = _l("All letters in one DOCX")
audit.ACTION_LABELS["letter.download"] = _l("Letters downloaded (names and addresses)")
#: the merged files are named only in their jobs' results
storage.register_references("letters", jobs.names_in_results("letters"))
#: how long a merged file (names and addresses) is kept
KEEP = timedelta(days=1)


def _subject(session: ReviewSession) -> str:
    return f"letters:{session.id}"


def _expire(job: jobs.Job) -> None:
    name = job.result_dict.get("file")
    if name:
        storage.delete_after_commit(name)
        job.result = json.dumps({"expired": True})


def start_merged(actor, session: ReviewSession) -> jobs.Job:
    """Queue the merged letters of ``session``; one at a time per review (the one being made
    is returned). Refused, with the reason, as printing them would be; the files made
    before for this review go."""
    authorize(actor, "letters.manage")
    services.check_printable(actor, session)
    running = jobs.active_job(_subject(session))
    if running is not None:
        return running
    for job in db.session.scalars(select(jobs.Job).where(jobs.Job.subject == _subject(session))):
        _expire(job)
    return job_queue.submit(MERGED, actor, subject=_subject(session), session_id=session.id)


@jobs.handler(MERGED)
def build_merged(job: jobs.Job) -> dict:
    """The job: print every recipient's letter (audited with who is in it) into the store."""
    session = db.session.get(ReviewSession, job.params_dict["session_id"])
    if session is None:
        raise jobs.JobError(_l("The review session is gone."))
    try:
        content, name, ids = services.print_all(job.created_by, session)
    except LetterError as error:  # someone withdrew since it was asked for, say
        raise jobs.JobError(str(error.message)) from None
    jobs.set_progress(job, 0.8)
    stored = storage.save(io.BytesIO(content), "letters")
    storage.delete_on_rollback(stored.name)
    return {"file": stored.name, "name": name, "ids": ids}


def merged_job(job_id: int) -> jobs.Job | None:
    job = db.session.get(jobs.Job, job_id)
    return job if job is not None and job.kind == MERGED else None


def merged_file(actor, job: jobs.Job) -> tuple[str, str]:
    """The stored file of a finished merge and its download name (audited). Refused when it
    is older than ``KEEP`` or holds someone who is no longer to get the letter."""
    authorize(actor, "letters.manage")
    session = db.session.get(ReviewSession, job.params_dict["session_id"])
    result = job.result_dict
    name = result.get("file")
    if session is None or not name or not storage.exists(name) or (
        job.finished_at is not None and job.finished_at < utcnow() - KEEP
    ):  # fmt: skip
        raise LetterError(_l("This file is not kept any more: make it again."))
    now = {e.participant.id for e in queries.entries(session) if e.recipient}
    if set(result.get("ids", [])) - now:
        raise LetterError(_l("Someone in this file is no longer to get the letter (they "
                             "withdrew, or their address is gone): make it again."))  # fmt: skip
    audit.record(actor, "letter.download", "review_session", session.id, job=job.id,
                 ids=sorted(result.get("ids", [])))  # fmt: skip
    return name, result["name"]


def expire_merged() -> int:
    """Remove the merged files older than ``KEEP`` (their rows stay, marked expired)."""
    old = db.session.scalars(select(jobs.Job).where(
        jobs.Job.kind == MERGED, jobs.Job.state == jobs.JobState.SUCCEEDED.value,
        jobs.Job.finished_at < utcnow() - KEEP, jobs.Job.result.like('%"file"%'),
    )).all()  # fmt: skip
    for job in old:
        _expire(job)
    return len(old)


def erase_merged(participant_id: int) -> int:
    """Erasing a participant removes, at once, every merged file that holds their name and
    address (how many); a merge being made may be about to: it is cancelled (it can be made
    again)."""
    active = [state.value for state in jobs.ACTIVE_STATES]
    for job in db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == MERGED, jobs.Job.state.in_(active))
    ):
        jobs.cancel(job)
    held_files = db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == MERGED, jobs.Job.result.like('%"file"%'))
    )
    hit = [job for job in held_files if participant_id in job.result_dict.get("ids", [])]
    for job in hit:
        _expire(job)
    return len(hit)


@job_queue.periodic(crontab(minute="23"), "remove_old_letters", seconds=3600)
def remove_old_letters() -> None:
    """Hourly: remove the merged letters older than ``KEEP``."""
    expire_merged()
