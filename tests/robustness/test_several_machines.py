"""Several machines on one host: `redthread worker` processes, each with a working folder of
its own (its instance path), sharing what the admin guide's "More than one server" says they
share: the PostgreSQL database, the Redis queue, the keys and the media folder.

Twenty jobs of every kind (transcriptions with the real tiny Whisper model, review packs,
register imports, subject-access exports, audit checks) go through the one queue. One worker
is killed with SIGKILL in the middle of a transcription, and Redis is stopped for ten seconds
(as a crash: only its append-only file survives) while jobs wait in it. Every job ends once,
successfully, nothing is written twice or in part, the rows tell what happened, and the web
pages say that the queue is unavailable instead of failing.
"""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import io
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.core import job_queue, jobs
from app.core.db import db, utcnow
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode
from app.participants import imports
from app.participants.models import Participant
from app.privacy import access
from app.reviews import packs, sessions
from app.reviews.models import ReviewPack
from app.transcripts import transcription
from app.transcripts.models import Transcript
from tests.conftest import PG_URL
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.robustness.conftest import BIN, environment, kill, start, until
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)
from tests.transcripts.conftest import SPOKEN, speak
from tests.transcripts.test_audio import upload

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="the machines share a PostgreSQL database (REDTHREAD_TEST_DATABASE_URL)"
)
pytestmark = [pytest.mark.slow, needs_postgres]

#: what each machine needs of the first one's instance folder (docs/admin-guide.md)
KEYS = ("secret_key", "audit_key", "lookup_key", "data_keys")
HEADER = "Namn;Födelsedatum;Placering start;Placering slut;Boende vid avslut"
HELD = date(2026, 11, 20)


@pytest.fixture
def app(app_factory, model_dir, redis_server):
    application = app_factory(
        HUEY_IMMEDIATE=False,
        REDIS_URL=redis_server.url,
        WHISPER_MODELS={language: str(model_dir) for language in ("sv", "da", "en")},
    )
    try:
        with application.app_context():
            yield application
    finally:
        job_queue.huey.immediate = True  # the other tests' inline queue


@pytest.fixture
def interview_for(app, make_user, make_participant, make_offer, give_consent):
    """Factory: an English interview, conducted, with consent to every scope."""
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])

    def make(n: int):
        participant = make_participant(birth_date=date(2000, 5, n), name=f"Vera Holm {n}")
        offer = make_offer(participant.placements[0], answer="accepted",
                           interviewer_id=interviewer.id)  # fmt: skip
        interview = interviews.book(
            coordinator, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=interviewer, language="en",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, interviewer)
        interviews.conduct(interviewer, interview, date(2026, 11, 10))
        db.session.commit()
        return interview

    make.coordinator, make.interviewer = coordinator, interviewer
    return make


def machine(app, redis_url: str, folder: Path, model_dir) -> dict:
    """A worker machine's environment: its own instance folder holding copies of the keys,
    and the shared database, media folder and Redis."""
    folder.mkdir(exist_ok=True)
    for name in KEYS:
        shutil.copy2(Path(app.instance_path) / name, folder / name)
    return environment(app, REDTHREAD_INSTANCE_PATH=folder, REDIS_URL=redis_url,
                       REDTHREAD_WHISPER_MODEL=model_dir, REDTHREAD_WHISPER_THREADS=1,
                       REDTHREAD_WHISPER_PIECE_MINUTES=1)  # fmt: skip


def job_now(job_id: int) -> jobs.Job:
    db.session.expire_all()
    return db.session.get(jobs.Job, job_id)


def all_jobs() -> list[jobs.Job]:
    db.session.expire_all()
    return list(db.session.scalars(select(jobs.Job).order_by(jobs.Job.id)))


def register_file(batch: int) -> io.BytesIO:
    rows = [f"Nils Lund {batch}-{i};2006-0{i + 1}-{batch + 10};2012-03-01;2023-08-31;Familjehem"
            for i in range(2)]  # fmt: skip
    return io.BytesIO("\r\n".join([HEADER, *rows]).encode())


def test_two_workers_share_the_queue_through_a_killed_worker_and_a_redis_outage(
    app, client, auth, corpus, interview_for, make_user, model_dir, processes, redis_server,
    tmp_path,
):  # fmt: skip
    began = time.monotonic()
    coordinator = interview_for.coordinator
    interviewer = interview_for.interviewer
    admin = make_user(roles=[Role.ADMIN])
    long_speech = speak(" ".join([SPOKEN] * 6), tmp_path / "long.wav")  # two pieces of a minute
    short_speech = speak(SPOKEN, tmp_path / "short.wav")
    talks = [interview_for(n) for n in range(1, 6)]
    recordings = [upload(interviewer, talks[0], long_speech)]
    recordings += [upload(interviewer, talk, short_speech) for talk in talks[1:]]
    review_sessions = [
        sessions.create_session(corpus["boss"], title=f"Återblick {n}", year=2026, held_on=HELD,
                               scope_from=None, scope_to=None, members=[corpus["member"]],
                               team=f"Team {n}")
        for n in range(4)
    ]  # fmt: skip
    db.session.commit()
    participants_before = db.session.scalar(select(func.count(Participant.id)))
    mapping = {"name": 0, "birth_date": 1, "started_on": 2, "ended_on": 3, "setting_at_end": 4}
    uploads = [imports.start(coordinator, "register.csv", register_file(n)) for n in range(5)]
    db.session.commit()
    job_queue.huey.flush()

    # The first batch: the long transcription first, so that the first worker takes it.
    first_batch = [transcription.start_transcription(interviewer, recordings[0])]
    db.session.commit()
    first_batch += [transcription.start_transcription(interviewer, r) for r in recordings[1:3]]
    first_batch += [packs.start_pack(corpus["boss"], s).job for s in review_sessions[:3]]
    first_batch += [imports.submit(coordinator, u, mapping) for u in uploads[:3]]
    first_batch += [access.start_export(coordinator, t.participant) for t in talks[:3]]
    first_batch.append(job_queue.submit("audit.verify", admin))
    db.session.commit()
    long_job = first_batch[0].id
    assert job_queue.huey.pending_count() == len(first_batch) == 13

    machines = {name: machine(app, redis_server.url, tmp_path / name, model_dir)
                for name in ("one", "two")}  # fmt: skip
    command = [str(BIN / "redthread"), "worker", "--workers", "1"]
    one = start(command, machines["one"], tmp_path / "one.log")
    processes.append(one)
    until(lambda: job_now(long_job).state == "running", seconds=60, what="the first worker")
    two = start(command, machines["two"], tmp_path / "two.log")
    processes.append(two)

    # SIGKILL the first machine's worker while the model decodes the second piece: the
    # first is kept beside the job, nothing is in the transcript.
    until(lambda: jobs.checkpoint(job_now(long_job)).get("done_samples", 0) > 0, seconds=120,
          what="the first piece")  # fmt: skip
    kill(one)
    died = job_now(long_job)
    assert (died.state, died.attempts) == ("running", 1), (tmp_path / "one.log").read_text()
    assert db.session.scalar(
        select(func.count(Transcript.id)).where(Transcript.interview_id == talks[0].id)
    ) == 0, "the killed worker left part of a transcript"  # fmt: skip

    # Five minutes without a heartbeat (set back here, not waited for): the sweeper queues it
    # again, and the machine, restarted, shares the rest with the second one.
    db.session.execute(update(jobs.Job).where(jobs.Job.id == long_job).values(
        heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)))  # fmt: skip
    db.session.commit()
    # (A worker's own sweep, each minute, may get there first: the job still runs once.)
    job_queue.sweep()
    again = start(command, machines["one"], tmp_path / "one-again.log")
    processes.append(again)

    # The second batch, then Redis down (a crash) while some of it still waits in the queue.
    second_batch = [transcription.start_transcription(interviewer, r) for r in recordings[3:]]
    second_batch.append(packs.start_pack(corpus["boss"], review_sessions[3]).job)
    second_batch += [imports.submit(coordinator, u, mapping) for u in uploads[3:]]
    second_batch.append(access.start_export(coordinator, talks[4].participant))
    db.session.commit()
    assert len(second_batch) == 6
    waiting = job_queue.huey.pending_count()
    redis_server.stop()
    down_at = time.monotonic()
    assert waiting > 0, "the workers emptied the queue before Redis stopped"
    assert not job_queue.queue_available()

    # The web pages go on: the jobs page says the queue cannot be reached, and a page that
    # queues a job saves it and says the same instead of failing.
    auth.login(user=admin)
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert "The job queue (Redis) cannot be reached just now" in page.get_data(as_text=True)
    started = client.post("/admin/audit/verify", follow_redirects=True)
    assert started.status_code == 200
    assert "The job queue cannot be reached just now" in started.get_data(as_text=True)
    during = all_jobs()[-1]
    assert (during.kind, during.state) == ("audit.verify", "queued")
    time.sleep(max(0.0, 10 - (time.monotonic() - down_at)))
    redis_server.start()
    assert job_queue.queue_available()
    assert "cannot be reached" not in client.get("/admin/jobs").get_data(as_text=True)

    # What was queued in Redis is still there; the one saved while it was down is found by
    # the sweeper once it counts as lost (its age set back here).
    db.session.execute(update(jobs.Job).where(jobs.Job.id == during.id).values(
        created_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)))  # fmt: skip
    db.session.commit()
    job_queue.sweep()
    until(lambda: not any(j.active for j in all_jobs()), seconds=180, every=0.5,
          what="every job to end")  # fmt: skip
    assert two.poll() is None and again.poll() is None, "a worker did not outlive the outage"
    for process in (two, again):
        kill(process)
    for name in ("two", "one-again"):  # both machines took jobs from the one queue
        assert "Executing app.core.job_queue.run_job" in (tmp_path / f"{name}.log").read_text()

    # Every job once, successfully; the killed one twice (the second run resumed).
    rows = all_jobs()
    assert len(rows) == 20
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("one", "two", "one-again"))
    assert [(r.id, r.state) for r in rows if r.state != "succeeded"] == [], logs[-4000:]
    assert {r.id: r.attempts for r in rows if r.attempts != 1} == {long_job: 2}
    assert job_now(long_job).result_dict["resumed_from_seconds"] > 0
    assert job_queue.huey.pending_count() == 0

    # Nothing written twice or in part.
    for talk in talks:
        assert db.session.scalar(
            select(func.count(Transcript.id)).where(Transcript.interview_id == talk.id)
        ) == 1  # fmt: skip
    built = db.session.scalars(select(ReviewPack).where(ReviewPack.session_id.in_(
        [s.id for s in review_sessions]))).all()  # fmt: skip
    assert len(built) == 4 and all(p.ready for p in built)
    imported = db.session.scalar(select(func.count(Participant.id))) - participants_before
    assert imported == 5 * 2
    exports = [r for r in rows if r.kind == access.EXPORT]
    media = Path(app.config["MEDIA_ROOT"])
    assert sorted(r.result_dict["file"] for r in exports) == sorted(
        f"exports/{p.name}" for p in (media / "exports").iterdir()
    )
    assert list(media.rglob(".*.partial")) == []
    assert list((media / "transcript_parts").glob("*")) == []
    assert time.monotonic() - began < 240
