"""The job queue: huey, and a job's way through it.

A job is created in the request's transaction and queued only after that transaction
commits, so the worker never looks for a row that is not there yet. The huey task is a thin
wrapper: it loads the row and calls the handler registered for the job's kind with it. A
worker claims a job with a compare-and-set, so a job queued twice still runs once at a
time; the sweeper queues again what was lost. The session hooks here also run the
callbacks that ``storage`` leaves for after a commit or a rollback.
"""

import functools
import importlib
import json
import sys
import traceback

from flask import Flask, current_app, flash, g, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from app.core import storage, transaction
from app.core.db import db, utcnow
from app.core.jobs import (
    HANDLERS,
    MAX_ATTEMPTS,
    STALE_AFTER,
    Job,
    JobCancelled,
    JobError,
    JobState,
    clean_up,
)


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


def periodic(schedule, name: str, seconds: int):
    """A nightly (or hourly) task of an area: queued by every worker's scheduler, run by
    one (``one_worker``), in the worker's app, audited as the job's, and committed when it
    ends (rolled back if it fails), so that the areas' tasks hold only their work."""

    def decorate(func):
        @huey.periodic_task(schedule)
        @one_worker(name, seconds)
        @functools.wraps(func)
        def task():
            if _worker_app is None:
                return None
            with _worker_app.app_context():
                g.audit_origin = "job"
                try:
                    result = func()
                except BaseException:
                    transaction.rollback()
                    raise
                transaction.commit()
                return result

        return task

    return decorate


@huey.periodic_task(crontab(minute="*"))
@one_worker("sweep_jobs", seconds=50)
def sweep_jobs() -> None:
    if _worker_app is not None:
        with _worker_app.app_context():
            sweep()


@periodic(crontab(minute="37", hour="3"), "sweep_stored_files", seconds=3600)
def sweep_stored_files() -> None:
    """Nightly: remove the stored files nothing refers to any more (``storage.sweep_strays``)."""
    storage.sweep_strays()


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
