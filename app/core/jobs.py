"""Background jobs: a row the user can watch, and what the areas and their handlers use.

A job kind has a handler (``@handler``), a label for the jobs pages and, where it keeps
files beside its row while it runs, a cleanup (``@cleanup``). A handler reports progress
and checkpoints on the row, and stops when someone cancels the job. Queuing, claiming and
running a job is in ``job_queue``.
"""

import json
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, select, text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import storage, transaction
from app.core.db import UTCDateTime, db, utcnow
from app.core.users import User


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {
            JobState.QUEUED: _l("Queued"),
            JobState.RUNNING: _l("Running"),
            JobState.SUCCEEDED: _l("Succeeded"),
            JobState.FAILED: _l("Failed"),
            JobState.CANCELLED: _l("Cancelled"),
        }[self]


_STATES = ", ".join(f"'{s.value}'" for s in JobState)
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
        # One active job per subject (a recording being transcribed, say), in the schema.
        Index(
            "uq_job_active_subject",
            "subject",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which handler runs it, e.g. "audit.verify"
    kind: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value, index=True)
    #: share of the work done, 0 to 1
    progress: Mapped[float] = mapped_column(default=0.0)
    #: what the job works on, e.g. "recording:12"; one active job per subject
    subject: Mapped[str | None] = mapped_column(String(64))
    #: JSON arguments for the handler
    params: Mapped[str] = mapped_column(Text, default="{}")
    #: JSON outcome written by the handler
    result: Mapped[str | None] = mapped_column(Text)
    #: why it failed, for the person watching
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last sign of life from the worker running it; a stale one means the worker died
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def state_enum(self) -> JobState:
        return JobState(self.state)

    @property
    def params_dict(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def result_dict(self) -> dict:
        return json.loads(self.result or "{}")

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def seconds_left(self) -> int | None:
        """A running job's estimate from its pace so far in this run (a run taken up again
        after a dead worker starts from its checkpoint's progress); None until there is one."""
        if self.state != JobState.RUNNING.value or not self.started_at:
            return None
        done = self.progress - (self.result_dict.get("run_began_at", 0.0) if self.result else 0.0)
        if done < 0.02:
            return None
        spent = (utcnow() - self.started_at).total_seconds()
        return max(0, round(spent / done * (1 - self.progress)))

    def status(self) -> dict:
        """What a page polling this job needs to know."""
        return {
            "state": self.state,
            "state_label": str(self.state_enum.label),
            "progress": self.progress,
            "seconds_left": self.seconds_left(),
            "attempts": self.attempts,
            "error": self.error,
        }

    def fail(self, error: str) -> None:
        self.state = JobState.FAILED.value
        self.error = error
        self.finished_at = utcnow()


def names_in_results(category: str) -> Callable[[], set[str]]:
    """A storage ``references`` function: the files of ``category`` that job results name."""
    pattern = re.compile(rf"\b{category}/[0-9a-f]{{32}}\.rte")

    def references() -> set[str]:
        results = db.session.scalars(select(Job.result).where(Job.result.like(f"%{category}/%")))
        return {name for result in results for name in pattern.findall(result)}

    return references


#: A subject access export (app/privacy/access.py) is named only in its job's result, until
#: it expires (``remove_old_exports``) or the participant is erased.
storage.register_references("exports", names_in_results("exports"))


class JobError(Exception):
    """A failure whose message is meant for the person watching the job (translated)."""


class JobCancelled(Exception):
    """Someone cancelled the job while it ran; its work is rolled back."""


#: a running job without a heartbeat for this long is taken to have lost its worker
STALE_AFTER = timedelta(minutes=5)


#: a job whose worker died this many times is failed rather than started again
MAX_ATTEMPTS = 3


#: what a job kind does, for the jobs pages; areas add theirs with their handlers
KIND_LABELS = {"audit.verify": _l("Verify the audit log")}


def kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)


#: kind -> handler(job) -> result dict. Areas register theirs with @handler("kind").
HANDLERS: dict[str, Callable[[Job], dict]] = {}


def handler(kind: str):
    def decorate(func):
        HANDLERS[kind] = func
        return func

    return decorate


def active_job(subject: str) -> Job | None:
    return db.session.scalar(
        select(Job).where(Job.subject == subject, Job.state.in_([s.value for s in ACTIVE_STATES]))
    )


def set_progress(job: Job, share: float) -> None:
    """Record progress (and a heartbeat) and commit it so that the person watching sees it.

    Raises JobCancelled if the job was cancelled meanwhile. Only the job's row is written
    here: a handler keeps its results in memory until it returns, so that a worker that
    dies leaves nothing half-written.
    """
    moved = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state == JobState.RUNNING.value, Job.attempts == job.attempts)
        .values(progress=max(0.0, min(1.0, share)), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    transaction.commit()
    if not moved:
        raise JobCancelled(job.id)


def checkpoint(job: Job) -> dict:
    """What an earlier run of this job saved with ``set_checkpoint`` (empty on a first run)."""
    return json.loads(db.session.scalar(select(Job.result).where(Job.id == job.id)) or "{}")


def set_checkpoint(job: Job, share: float, saved: dict) -> None:
    """Record progress and what a run taken up again after a dead worker needs to go on from
    here (kept in the running job's ``result``, which success replaces); commits, and raises
    JobCancelled as ``set_progress`` does."""
    moved = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state == JobState.RUNNING.value, Job.attempts == job.attempts)
        .values(progress=max(0.0, min(1.0, share)), heartbeat_at=utcnow(), result=json.dumps(saved))
        .execution_options(synchronize_session=False)
    ).rowcount
    transaction.commit()
    if not moved:
        raise JobCancelled(job.id)


@contextmanager
def heartbeat(job: Job, every: float = 60.0):
    """Keep a long step (a model decoding) from looking like a dead worker: a thread marks
    the job alive on its own connection until the step ends."""
    engine, job_id, attempts = db.engine, job.id, job.attempts
    stop = threading.Event()

    def beat():
        while not stop.wait(every):
            with engine.begin() as connection:
                connection.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == JobState.RUNNING.value,
                           Job.attempts == attempts)
                    .values(heartbeat_at=utcnow())
                )  # fmt: skip

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


#: what a kind of job keeps beside its row while it runs (a transcription's finished pieces)
#: and must remove when it ends without success: kind -> function of the job
CLEANUPS: dict[str, Callable[[Job], None]] = {}


def cleanup(kind: str):
    """Register what removes a ``kind`` job's leftovers when it fails or is cancelled."""

    def decorate(func):
        CLEANUPS[kind] = func
        return func

    return decorate


def clean_up(job: Job) -> None:
    if job.kind in CLEANUPS:
        CLEANUPS[job.kind](job)


def cancel(job: Job) -> bool:
    """Cancel a queued or running job; a running one stops at its next progress report and
    writes nothing. False if it had already ended."""
    cancelled = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state.in_([s.value for s in ACTIVE_STATES]))
        .values(state=JobState.CANCELLED.value, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(job)
    if cancelled:
        clean_up(job)
    return cancelled == 1
