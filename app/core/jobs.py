"""Background jobs: a row the user can watch, run by a huey worker.

A job is created in the request's transaction and queued only after that transaction
commits, so the worker never looks for a row that is not there yet. The huey task is a thin
wrapper: it loads the row and calls the handler registered for the job's kind with it.
"""

import functools
import importlib
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from flask import Flask, current_app, flash, g, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    event,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core import storage, transaction
from app.core.db import UTCDateTime, db, utcnow
from app.core.users import User


def _import_huey():
    """huey, imported without psycopg. huey.storage imports psycopg (some 8 MiB in every web
    worker) for a PostgreSQL queue that Red Thread does not offer; a PostgreSQL database still
    loads it, through SQLAlchemy, on its first connection. A ``None`` in ``sys.modules`` makes
    that one import fail as if psycopg were not installed, and is taken out again at once."""
    hidden = "psycopg" not in sys.modules
    if hidden:
        sys.modules["psycopg"] = None
    try:
        return importlib.import_module("huey")
    finally:
        if hidden and "psycopg" in sys.modules and sys.modules["psycopg"] is None:
            del sys.modules["psycopg"]


_huey = _import_huey()
Huey, crontab = _huey.Huey, _huey.crontab
MemoryStorage = _huey.storage.MemoryStorage
RedisStorage, SqliteStorage = _huey.storage.RedisStorage, _huey.storage.SqliteStorage

QUEUE_UNAVAILABLE = _l(
    "The job queue cannot be reached just now. The job is saved and starts by itself within "
    "a few minutes of the queue being back; there is no need to start it again."
)

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


def submit(kind: str, actor, subject: str | None = None, **params) -> Job:
    """Create a job row now and queue it once the current transaction commits."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = Job(
        kind=kind,
        subject=subject,
        params=json.dumps(params),
        created_by_id=getattr(actor, "id", None),
    )
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
            # The row is committed and stays queued (the sweeper queues it again once the
            # queue is back); the request must not claim otherwise, nor fail.
            current_app.logger.exception("could not queue a committed job")
            if has_request_context() and not g.get("queue_unavailable_said"):
                g.queue_unavailable_said = True
                flash(QUEUE_UNAVAILABLE, "error")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session):
    session.info.pop("after_commit", None)
    for callback in session.info.pop("after_rollback", []):
        try:
            callback()
        except Exception:
            current_app.logger.exception("could not clean up after a rollback")


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
    transaction.commit()
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
    creator = job.created_by
    language = (creator.language if creator else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        with force_locale(language):  # messages in the language of the person watching
            result = HANDLERS[job.kind](job)
    except JobCancelled:
        transaction.rollback()
        _finish()
        return
    except Exception as exc:
        transaction.rollback()
        current_app.logger.error("job %s failed:\n%s", job_id, traceback.format_exc())
        # Only a JobError's message is shown: other errors may quote data (SQL parameters).
        with force_locale(language):
            message = str(exc) if isinstance(exc, JobError) else str(_l("Unexpected error; the "
                      "administrator finds the details in the log."))  # fmt: skip
        _end(job, JobState.FAILED, error=message)
        clean_up(job)
        _finish()
        return
    # The state changes in the same transaction as the handler's work, and only if this run
    # still holds the job: a cancel or a takeover meanwhile rolls the work back.
    if not _end(job, JobState.SUCCEEDED, progress=1.0, result=json.dumps(result, default=str)):
        transaction.rollback()
        return
    _finish()


def _end(job: Job, state: JobState, **values) -> bool:
    """Move this run's job to its end state, unless it was cancelled or taken over."""
    ended = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state == JobState.RUNNING.value, Job.attempts == job.attempts)
        .values(state=state.value, finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(job)
    return ended == 1


def _finish() -> None:
    # Refusals (of consent, say) outlive the job's rollback: the commit writes them.
    transaction.commit()


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
            clean_up(job)
    transaction.commit()
    for job_id in lost:
        if db.session.get(Job, job_id).state != JobState.FAILED.value:
            run_job(job_id)
    return len(lost)


def one_worker(name: str, seconds: int):
    """For a periodic task: every worker's scheduler queues it, but where the queue is
    Redis, shared by several machines, only the first worker to take it in ``seconds`` runs
    it, so that a nightly task does its work (and writes its audit entries) once. The mark
    expires by itself, so a worker that dies while running it blocks nothing for long."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if isinstance(huey.storage, RedisStorage):
                key = f"redthread.periodic.{huey.storage.name}.{name}"
                if not huey.storage.conn.set(key, "1", nx=True, ex=seconds):
                    return None  # another worker has run it, or runs it now
            return func(*args, **kwargs)

        return wrapper

    return decorate


@huey.periodic_task(crontab(minute="*"))
@one_worker("sweep_jobs", seconds=50)
def sweep_jobs() -> None:
    if _worker_app is not None:
        with _worker_app.app_context():
            sweep()


@huey.periodic_task(crontab(minute="37", hour="3"))
@one_worker("sweep_stored_files", seconds=3600)
def sweep_stored_files() -> None:
    """Nightly: remove the stored files nothing refers to any more (``storage.sweep_strays``)."""
    if _worker_app is not None:
        with _worker_app.app_context():
            g.audit_origin = "job"
            storage.sweep_strays()
            transaction.commit()


def configure_queue(app: Flask) -> None:
    """Point the queue at Redis (REDIS_URL), the SQLite file, or run inline for tests."""
    if app.config["HUEY_IMMEDIATE"]:
        huey.immediate = True
        return
    huey.immediate = False
    if app.config["REDIS_URL"]:
        from redis import ConnectionPool

        # Bounded waits: a Redis that is down or unreachable must not hang a web request.
        # The read timeout stays above the worker's blocking wait for the next task (1 s).
        pool = ConnectionPool.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=3, socket_timeout=10
        )
        huey.storage = RedisStorage(huey.name, connection_pool=pool)
    else:
        huey.storage = SqliteStorage(huey.name, filename=app.config["QUEUE_FILE"])


def queue_available() -> bool:
    """Whether the queue can take jobs now: False while Redis cannot be reached (the SQLite
    file and the inline queue of the tests are always there)."""
    if huey.immediate or not isinstance(huey.storage, RedisStorage):
        return True
    try:
        huey.storage.conn.ping()
    except Exception:
        current_app.logger.warning("the job queue (Redis) cannot be reached")
        return False
    return True


def run_worker(app: Flask, workers: int = 2) -> None:
    """Run the huey consumer for this app until interrupted (``redthread worker``)."""
    global _worker_app
    _worker_app = app
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, initial_delay=0.1, max_delay=2.0
    )
    consumer.run()
