import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import job_queue, jobs
from app.core.db import db, utcnow
from app.core.users import Role
from tests.conftest import Auth


@jobs.handler("test.fails")
def _fails(job):
    raise jobs.JobError("the model folder is missing")


@jobs.handler("test.crashes")
def _crashes(job):
    raise ValueError("SELECT name FROM participant WHERE name = 'Anna Andersson'")


@jobs.handler("test.counts")
def _counts(job):
    jobs.set_progress(job, 0.5)
    return {"n": job.params_dict["n"] * 2}


def test_job_runs_after_commit_and_records_its_result(app):
    job = job_queue.submit("test.counts", None, n=21)
    assert job.state == "queued"  # nothing runs before the commit
    db.session.commit()
    db.session.refresh(job)
    assert (job.state, job.progress, job.result_dict, job.attempts) == (
        "succeeded",
        1.0,
        {"n": 42},
        1,
    )


def test_rolled_back_job_never_runs(app):
    job = job_queue.submit("test.counts", None, n=1)
    job_id = job.id
    db.session.rollback()
    db.session.commit()
    assert db.session.get(jobs.Job, job_id) is None


def test_failure_is_written_on_the_row(app):
    job = job_queue.submit("test.fails", None)
    db.session.commit()
    db.session.refresh(job)
    assert job.state == "failed"
    assert job.error == "the model folder is missing"
    assert job.finished_at is not None


def test_unexpected_errors_show_no_details(app):
    job = job_queue.submit("test.crashes", None)
    db.session.commit()
    db.session.refresh(job)
    assert job.state == "failed"
    assert "Anna" not in job.error


def test_a_failed_enqueue_does_not_undo_the_commit(app, monkeypatch):
    def refuse(job_id):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(job_queue, "run_job", refuse)
    job = job_queue.submit("test.counts", None, n=1)
    db.session.commit()  # does not raise
    db.session.refresh(job)
    assert job.state == "queued"


@pytest.fixture(params=["sqlite", "redis"])
def queued(request, app_factory, tmp_path):
    """An app whose jobs wait in a real queue, as in production: huey's SQLite file, or
    Redis (REDIS_URL, what several machines share); ``work()`` runs what is queued, as
    ``redthread worker`` does."""
    if request.param == "redis":
        config = {"REDIS_URL": request.getfixturevalue("redis_url")}
    else:
        config = {"QUEUE_FILE": str(tmp_path / "queue.db")}
    application = app_factory(HUEY_IMMEDIATE=False, **config)
    job_queue.huey.flush()
    job_queue._worker_app = application  # what `redthread worker` sets
    try:
        with application.app_context():
            yield application
    finally:
        job_queue.huey.flush()
        job_queue._worker_app = None
        job_queue.huey.immediate = True


def work() -> int:
    """Run every task waiting in the queue, each in its own app context; how many ran."""
    ran = 0
    while job_queue.huey.pending_count():
        task = job_queue.huey.dequeue()
        if task is None:
            continue
        # The worker's own context: the test's session is not the one that runs the job.
        with job_queue._worker_app.app_context():
            job_queue.huey.execute(task)
        ran += 1
    db.session.expire_all()
    return ran


def test_jobs_go_through_the_queue_to_a_worker(queued):
    """The real path: the request commits, the job waits in the queue, a worker runs it."""
    job = job_queue.submit("test.counts", None, n=5)
    assert job_queue.huey.pending_count() == 0  # nothing is queued before the commit
    db.session.commit()
    job_id = job.id
    assert job_queue.huey.pending_count() == 1
    assert db.session.get(jobs.Job, job_id).state == "queued"
    assert work() == 1
    finished = db.session.get(jobs.Job, job_id)
    assert (finished.state, finished.result_dict, finished.attempts) == ("succeeded", {"n": 10}, 1)


def test_a_failure_in_the_worker_is_written_on_the_row(queued):
    job = job_queue.submit("test.crashes", None)
    db.session.commit()
    assert work() == 1
    failed = db.session.get(jobs.Job, job.id)
    assert failed.state == "failed" and "Anna" not in failed.error


def test_a_job_queued_twice_runs_once(queued):
    """The sweeper may queue a job that is still in the queue: the claim lets one run."""
    job = job_queue.submit("test.counts", None, n=1)
    db.session.commit()
    job_queue.run_job(job.id)
    assert work() == 2
    done = db.session.get(jobs.Job, job.id)
    assert (done.state, done.attempts) == ("succeeded", 1)


def test_the_sweeper_queues_lost_jobs_for_the_worker(queued):
    lost = _queued_row(n=4)
    lost.created_at = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
    dead = _queued_row(n=5)
    _stale_running(dead)
    assert job_queue.sweep() == 2
    assert job_queue.huey.pending_count() == 2
    assert work() == 2
    assert [(j.state, j.result_dict) for j in (lost, dead)] == [
        ("succeeded", {"n": 8}),
        ("succeeded", {"n": 10}),
    ]


def test_a_cancelled_job_left_in_the_queue_does_nothing(queued):
    job = job_queue.submit("test.counts", None, n=1)
    db.session.commit()
    assert jobs.cancel(job)
    db.session.commit()
    assert work() == 1
    cancelled = db.session.get(jobs.Job, job.id)
    assert (cancelled.state, cancelled.attempts, cancelled.result) == ("cancelled", 0, None)


def _stale_running(job, attempts=1):
    job.state = "running"
    job.attempts = attempts
    job.heartbeat_at = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
    db.session.commit()


def _queued_row(n=1):
    # A row whose enqueue was lost: created, committed, never run.
    job = jobs.Job(kind="test.counts", params=f'{{"n": {n}}}')
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_is_claimed_once(app):
    job = _queued_row()
    assert job_queue.claim(job.id)
    assert not job_queue.claim(job.id)  # running with a fresh heartbeat: another worker has it
    db.session.refresh(job)
    assert (job.state, job.attempts) == ("running", 1)


def test_a_job_whose_worker_died_runs_again(app):
    job = _queued_row(n=3)
    _stale_running(job)
    job_queue.execute(job.id)
    db.session.refresh(job)
    assert (job.state, job.attempts, job.result_dict) == ("succeeded", 2, {"n": 6})


def test_the_sweeper_requeues_lost_jobs_and_gives_up_after_max_attempts(app):
    lost = _queued_row(n=2)
    lost.created_at = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
    dead = _queued_row()
    _stale_running(dead, attempts=jobs.MAX_ATTEMPTS)
    fresh = _queued_row()
    assert job_queue.sweep() == 2
    for job in (lost, dead, fresh):
        db.session.refresh(job)
    assert (lost.state, lost.result_dict) == ("succeeded", {"n": 4})
    assert dead.state == "failed" and "stopped 3 times" in dead.error
    assert fresh.state == "queued"  # young enough to still be in the queue


def test_while_redis_is_down_the_pages_say_the_queue_is_unavailable(
    app_factory, redis_server, make_user
):
    """Jobs started meanwhile are saved and said to wait; no page fails (500)."""
    application = app_factory(HUEY_IMMEDIATE=False, REDIS_URL=redis_server.url)
    try:
        with application.app_context():
            client = application.test_client()
            Auth(client, make_user).login(Role.ADMIN)
            assert "cannot be reached" not in client.get("/admin/jobs").get_data(as_text=True)
            redis_server.stop()
            assert not job_queue.queue_available()
            page = client.get("/admin/jobs")
            assert page.status_code == 200
            assert "The job queue (Redis) cannot be reached just now" in page.get_data(True)
            started = client.post("/admin/audit/verify", follow_redirects=True)
            assert started.status_code == 200
            assert "The job queue cannot be reached just now" in started.get_data(True)
            job = db.session.scalar(select(jobs.Job))
            assert (job.kind, job.state) == ("audit.verify", "queued")
            # Back: the sweeper queues the row once it counts as lost, and a worker runs it.
            redis_server.start()
            assert job_queue.queue_available()
            job.created_at = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
            db.session.commit()
            assert job_queue.sweep() == 1
            job_queue._worker_app = application
            assert work() == 1
            assert db.session.get(jobs.Job, job.id).state == "succeeded"
    finally:
        job_queue._worker_app = None
        job_queue.huey.immediate = True


def test_a_periodic_task_runs_on_one_worker_when_they_share_redis(queued):
    """Each worker's scheduler queues the nightly tasks; through Redis only one runs them."""
    ran = []

    @job_queue.one_worker(f"test.nightly.{uuid.uuid4().hex}", seconds=60)
    def nightly():
        ran.append(1)

    nightly()
    nightly()  # the second machine's copy of the same run
    shared = bool(queued.config["REDIS_URL"])
    assert len(ran) == (1 if shared else 2)  # one machine's SQLite queue: no other worker
    assert "app.core.job_queue.sweep_jobs" in job_queue.huey._registry._registry  # its name is kept
