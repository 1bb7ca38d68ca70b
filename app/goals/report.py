"""The committee's report (DOCX) made in the background: building it reads every goal's
evidence, the actions and the follow-up figures, too much for a request to wait on.

The file is kept encrypted in the store, named in its job's result; the next report the same
person asks for replaces it.
"""

import io
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import job_queue, jobs, storage
from app.core.db import db
from app.core.permissions import authorize
from app.goals import leadership
from app.goals.models import GoalError

REPORT = "goals.leadership_report"
jobs.KIND_LABELS[REPORT] = _l("Report for the committee (DOCX)")
#: the reports' files are named only in their jobs' results
storage.register_references("leadership", jobs.names_in_results("leadership"))


def _subject(actor) -> str:
    return f"leadership:{actor.id}"


def start_report(actor) -> jobs.Job:
    """Queue the report for ``actor``; one at a time each (one being made is returned).
    Their earlier reports' files go: the new one replaces them."""
    authorize(actor, "leadership.view")
    running = jobs.active_job(_subject(actor))
    if running is not None:
        return running
    for job in db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == REPORT, jobs.Job.created_by_id == actor.id)
    ):
        name = job.result_dict.get("file")
        if name:
            storage.delete_after_commit(name)
            job.result = json.dumps({"expired": True})
    return job_queue.submit(REPORT, actor, subject=_subject(actor))


@jobs.handler(REPORT)
def build_report(job: jobs.Job) -> dict:
    """The job: gather the leadership information as its asker may see it, write the DOCX
    into the store (audited as the report made for them)."""
    actor = job.created_by
    authorize(actor, "leadership.view")
    found = leadership.leadership(actor)
    jobs.set_progress(job, 0.6)
    content = leadership.report_docx(actor, found)
    stored = storage.save(io.BytesIO(content), "leadership")
    storage.delete_on_rollback(stored.name)
    return {"file": stored.name, "on": found.on.isoformat()}


def report_job(actor, job_id: int) -> jobs.Job | None:
    """A report job (None for any other job). Whoever reads the leadership information may
    open any report of it: it holds the same suppressed counts and nothing else."""
    authorize(actor, "leadership.view")
    job = db.session.get(jobs.Job, job_id)
    return job if job is not None and job.kind == REPORT else None


def report_file(actor, job: jobs.Job) -> tuple[str, str]:
    """The stored file of a finished report and the name to download it as."""
    name = job.result_dict.get("file")
    if not name or not storage.exists(name):
        raise GoalError(_l("This report is not available any more: make a new one."))
    return name, f"leadership-information-{job.result_dict.get('on', '')}.docx"
