"""Background jobs: a row the user can watch, run by a huey worker.

A job is created in the request's transaction and queued only after that transaction
commits, so the worker never looks for a row that is not there yet. The huey task is a thin
wrapper: it loads the row and calls the handler registered for the job's kind with it.
"""

import json
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from flask import Flask, current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, and_, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow
from app.core.users import User

#: the one queue; configure_queue() points it at SQLite or Redis, or runs it inline in tests
huey = Huey("redthread", immediate=True, results=False, storage_class=MemoryStorage)
_worker_app: Flask | None = None


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which handler runs it, e.g. "audit.verify"
    kind: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value, index=True)
    #: share of the work done, 0 to 1
    progress: Mapped[float] = mapped_column(default=0.0)
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

    def status(self) -> dict:
        """What a page polling this job needs to know."""
        return {
            "state": self.state,
            "state_label": str(self.state_enum.label),
            "progress": self.progress,
            "error": self.error,
        }

    def succeed(self, result: dict) -> None:
        self.state = JobState.SUCCEEDED.value
        self.progress = 1.0
        self.result = json.dumps(result, default=str)
        self.finished_at = utcnow()

    def fail(self, error: str) -> None:
        self.state = JobState.FAILED.value
        self.error = error
        self.finished_at = utcnow()


class JobError(Exception):
    """A failure whose message is meant for the person watching the job (translated)."""


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


def submit(kind: str, actor, **params) -> Job:
    """Create a job row now and queue it once the current transaction commits."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, params=json.dumps(params), created_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.info.setdefault("after_commit", []).append(lambda: run_job(job_id))
    return job


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session):
    session.info.pop("after_rollback", None)
    for callback in session.info.pop("after_commit", []):
        try:
            callback()
        except Exception:
            # The row is committed and stays queued; the request must not claim otherwise.
            current_app.logger.exception("could not queue a committed job")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session):
    session.info.pop("after_commit", None)
    for callback in session.info.pop("after_rollback", []):
        try:
            callback()
        except Exception:
            current_app.logger.exception("could not clean up after a rollback")


def set_progress(job: Job, share: float) -> None:
    """Record progress (and a heartbeat) and commit it so that the person watching sees it."""
    job.progress = max(0.0, min(1.0, share))
    job.heartbeat_at = utcnow()
    db.session.commit()


def claim(job_id: int) -> bool:
    """Take a queued job, or one whose worker died, for this worker; False if not ours.

    A compare-and-set in the database, so that a job queued twice (by the sweeper, say)
    still runs once at a time.
    """
    now = utcnow()
    taken = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < MAX_ATTEMPTS,
            or_(
                Job.state == JobState.QUEUED.value,
                and_(Job.state == JobState.RUNNING.value, Job.heartbeat_at < now - STALE_AFTER),
            ),
        )
        .values(
            state=JobState.RUNNING.value,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            error=None,
        )
    ).rowcount
    db.session.commit()
    return taken == 1


@huey.task()
def run_job(job_id: int) -> None:
    app = current_app._get_current_object() if has_app_context() else _worker_app
    if app is None:
        raise RuntimeError("the worker was started without an application")
    with app.app_context():
        execute(job_id)


def execute(job_id: int) -> None:
    """Run one job in its own transaction; a failure is written on the row, not lost."""
    if not claim(job_id):
        return
    job = db.session.get(Job, job_id)
    g.audit_origin = "job"
    try:
        result = HANDLERS[job.kind](job)
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        current_app.logger.error("job %s failed:\n%s", job_id, traceback.format_exc())
        # Only a JobError's message is shown: other errors may quote data (SQL parameters).
        job.fail(str(exc) if isinstance(exc, JobError) else "unexpected error; see the log")
        _finish()
        return
    job.succeed(result)
    _finish()


def _finish() -> None:
    from app.core import audit  # audit imports users; keep this module import-light

    if g.get("security_events"):  # refusals (of consent, say) outlive the job's rollback
        audit.write_security_events()
    db.session.commit()


def sweep() -> int:
    """Queue again what was lost: rows whose enqueue failed, jobs whose worker died."""
    now = utcnow()
    lost = db.session.scalars(
        select(Job.id).where(
            or_(
                and_(Job.state == JobState.QUEUED.value, Job.created_at < now - STALE_AFTER),
                and_(Job.state == JobState.RUNNING.value, Job.heartbeat_at < now - STALE_AFTER),
            )
        )
    ).all()
    for job in db.session.scalars(select(Job).where(Job.id.in_(lost))):
        if job.attempts >= MAX_ATTEMPTS:
            job.fail(f"the worker stopped {job.attempts} times while running this job")
    db.session.commit()
    for job_id in lost:
        if db.session.get(Job, job_id).state != JobState.FAILED.value:
            run_job(job_id)
    return len(lost)


@huey.periodic_task(crontab(minute="*"))
def sweep_jobs() -> None:
    if _worker_app is not None:
        with _worker_app.app_context():
            sweep()


def configure_queue(app: Flask) -> None:
    """Point the queue at Redis (REDIS_URL), the SQLite file, or run inline for tests."""
    if app.config["HUEY_IMMEDIATE"]:
        huey.immediate = True
        return
    huey.immediate = False
    if app.config["REDIS_URL"]:
        huey.storage = RedisStorage(huey.name, url=app.config["REDIS_URL"])
    else:
        huey.storage = SqliteStorage(huey.name, filename=app.config["QUEUE_FILE"])


def run_worker(app: Flask, workers: int = 2) -> None:
    """Run the huey consumer for this app until interrupted (``redthread worker``)."""
    global _worker_app
    _worker_app = app
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, initial_delay=0.1, max_delay=2.0
    )
    consumer.run()
