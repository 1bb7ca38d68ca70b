"""The worker killed (SIGKILL) in the middle of a transcription: the job is taken up again
from the last finished piece, and the transcript is whole or absent, never partial.

A real ``redthread worker`` runs the job from the SQLite queue file, as ``make run`` starts
it, with the real tiny Whisper model on espeak-ng speech.
"""

from datetime import timedelta

import jiwer
import pytest
from sqlalchemy import func, select, update

from app.core import job_queue, jobs
from app.core.db import db, utcnow
from app.transcripts import transcription, versions
from app.transcripts.models import Transcript, TranscriptSegment
from tests.robustness.conftest import BIN, environment, kill, needs_sqlite, start, until
from tests.transcripts.conftest import SPOKEN, speak
from tests.transcripts.test_audio import upload
from tests.transcripts.test_transcription import words

SAID = " ".join([SPOKEN] * 12)  # over two minutes: three pieces of a minute


@pytest.fixture
def app(app_factory, model_dir):
    application = app_factory(
        HUEY_IMMEDIATE=False,
        WHISPER_MODELS={language: str(model_dir) for language in ("sv", "da", "en")},
    )
    try:
        with application.app_context():
            yield application
    finally:
        job_queue.huey.immediate = True  # the other tests' inline queue


def job_now(job_id: int) -> jobs.Job:
    db.session.expire_all()
    return db.session.get(jobs.Job, job_id)


def transcripts(interview_id: int) -> tuple[int, int]:
    db.session.expire_all()
    made = db.session.scalar(
        select(func.count(Transcript.id)).where(Transcript.interview_id == interview_id)
    )
    segments = db.session.scalar(select(func.count(TranscriptSegment.id)))
    return made, segments


@needs_sqlite
def test_a_killed_worker_leaves_no_partial_transcript_and_the_job_runs_again(
    app,
    conducted,
    model_dir,
    processes,
    tmp_path,
):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speak(SAID, tmp_path / "long.wav"))
    job = transcription.start_transcription(interviewer, recording)
    db.session.commit()  # queued in the queue file, for the worker
    job_id = job.id
    assert job_queue.huey.pending_count() == 1
    env = environment(app, REDTHREAD_WHISPER_MODEL=model_dir, REDTHREAD_WHISPER_THREADS=1,
                      REDTHREAD_WHISPER_PIECE_MINUTES=1)  # fmt: skip
    command = [str(BIN / "redthread"), "worker", "--workers", "1"]

    first = start(command, env, tmp_path / "worker1.log")
    processes.append(first)
    # Kill it while the model is decoding its second piece: the first is kept (encrypted,
    # beside the job), nothing is written to the transcript.
    until(lambda: jobs.checkpoint(job_now(job_id)).get("done_samples", 0) > 0, seconds=180,
          what="the first piece")  # fmt: skip
    kill(first)
    died = job_now(job_id)
    assert (died.state, died.attempts) == ("running", 1), (tmp_path / "worker1.log").read_text()
    assert 0.2 < died.progress < 1
    kept = jobs.checkpoint(died)
    assert kept["parts"].startswith("transcript_parts/")
    assert transcripts(interview.id) == (0, 0), "the dead worker left part of a transcript"

    # Five minutes without a heartbeat: the sweeper (each minute in a running worker) takes
    # the job as lost and queues it again; a new worker goes on from the last finished piece.
    db.session.execute(update(jobs.Job).where(jobs.Job.id == job_id).values(
        heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)))  # fmt: skip
    db.session.commit()
    second = start(command, env, tmp_path / "worker2.log")
    processes.append(second)
    assert job_queue.sweep() == 1
    until(lambda: not job_now(job_id).active, seconds=240, every=0.5, what="the second run")
    done = job_now(job_id)
    assert (done.state, done.attempts, done.progress) == ("succeeded", 2, 1.0), done.error
    assert done.result_dict["resumed_from_seconds"] >= kept["done_samples"] / 16_000 - 0.01
    kill(second)

    made, _segments = transcripts(interview.id)
    assert made == 1
    transcript = versions.current(interview)
    text = " ".join(s.text for s in transcript.segments)
    assert jiwer.wer(words(SAID), words(text)) < 0.25, text  # all of it, once
    assert transcript.segments[-1].end_ms >= (recording.duration - 8) * 1000
