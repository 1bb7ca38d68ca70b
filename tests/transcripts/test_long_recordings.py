"""Long recordings: decoded and transcribed a piece at a time, and a worker that dies midway
is taken up again from the last finished piece, not from the start."""

import contextlib
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.audio import decode_audio
from flask import current_app
from sqlalchemy import update

from app.core import job_queue, jobs
from app.core.db import db, utcnow
from app.transcripts import audio, engines
from app.transcripts.models import Transcript
from tests.transcripts.conftest import speak
from tests.transcripts.test_audio import upload
from tests.transcripts.test_transcription import transcribe, words

SENTENCES = (
    "I lived with my foster family for six years.",
    "The best thing was that someone listened to me.",
    "I still see my foster mother every summer.",
    "We talk on the phone almost every week.",
)


@pytest.fixture(scope="module")
def paused_speech(tmp_path_factory) -> Path:
    """Four sentences, each followed by a second of silence, as 16 kHz WAV."""
    import wave

    folder = tmp_path_factory.mktemp("long")
    pieces = []
    for number, sentence in enumerate(SENTENCES):
        spoken = speak(sentence, folder / f"{number}.wav")
        pieces += [decode_audio(str(spoken), 16_000), np.zeros(16_000, dtype=np.float32)]
    samples = (np.concatenate(pieces) * 32767).astype(np.int16)
    path = folder / "paused.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(samples.tobytes())
    return path


def test_pieces_add_up_to_the_whole_recording_and_end_in_pauses(paused_speech):
    whole = decode_audio(str(paused_speech), 16_000)
    with open(paused_speech, "rb") as src:
        pieces = list(audio.decode_pieces(src, 5.0))
    assert len(pieces) > 2
    assert [first for first, _ in pieces] == list(
        np.cumsum([0] + [len(samples) for _, samples in pieces[:-1]])
    )
    joined = np.concatenate([samples for _, samples in pieces])
    assert len(joined) == len(whole) and np.abs(joined - whole).max() < 1e-4
    for _, samples in pieces[:-1]:  # each cut falls where it is silent
        assert np.abs(samples[-800:]).max() < 0.01


def test_a_recording_is_transcribed_in_pieces(conducted, paused_speech):
    interviewer, interview = conducted
    current_app.config["WHISPER_PIECE_SECONDS"] = 5
    recording = upload(interviewer, interview, paused_speech)
    job = transcribe(interviewer, recording)
    assert job.state == "succeeded", job.error
    assert job.result_dict["pieces"] > 2 and job.result_dict["resumed_from_seconds"] == 0
    heard = words(
        " ".join(
            s.text for s in db.session.get(Transcript, job.result_dict["transcript_id"]).segments
        )
    )
    for sentence in (
        "family for six years",
        "someone listened to me",
        "on the phone almost every week",
    ):
        assert sentence in heard
    times = [
        (s.start_ms, s.end_ms)
        for s in db.session.get(Transcript, job.result_dict["transcript_id"]).segments
    ]
    assert times == sorted(times) and times[-1][1] <= round(recording.duration * 1000)
    assert not _parts()


def _parts() -> list[Path]:
    return list((Path(current_app.config["MEDIA_ROOT"]) / "transcript_parts").glob("*.rte"))


def test_a_killed_worker_goes_on_from_the_last_finished_piece(
    conducted, paused_speech, monkeypatch
):
    interviewer, interview = conducted
    job = _killed_midway(interviewer, interview, paused_speech, monkeypatch)
    assert jobs.checkpoint(job)["done_samples"] > 0 and 0.02 < job.progress < 0.99

    # The sweeper takes the stale job up again; only the pieces not yet done are transcribed.
    real = engines.FasterWhisper.transcribe
    calls = []

    def counted(self, samples, language, progress):
        calls.append(len(samples))
        return real(self, samples, language, progress)

    monkeypatch.setattr(engines.FasterWhisper, "transcribe", counted)
    job_queue.execute(job.id)
    db.session.refresh(job)
    assert job.state == "succeeded", job.error
    assert job.attempts == 2 and job.result_dict["resumed_from_seconds"] > 0
    assert len(calls) == job.result_dict["pieces"] and len(calls) >= 1
    transcript = db.session.get(Transcript, job.result_dict["transcript_id"])
    heard = words(" ".join(s.text for s in transcript.segments))
    for sentence in ("family for six years", "on the phone almost every week"):
        assert sentence in heard  # the first piece's text came from the saved parts
    assert not _parts()


def test_a_cancelled_job_leaves_no_parts(conducted, paused_speech, monkeypatch):
    interviewer, interview = conducted
    current_app.config["WHISPER_PIECE_SECONDS"] = 5
    recording = upload(interviewer, interview, paused_speech)
    real = engines.FasterWhisper.transcribe
    calls = []

    def cancelled_after_a_piece(self, samples, language, progress):
        calls.append(1)
        if len(calls) == 2:
            job = db.session.scalar(db.select(jobs.Job))
            assert len(_parts()) == 1
            jobs.cancel(job)
            db.session.commit()
            progress(0.5)
        return real(self, samples, language, progress)

    monkeypatch.setattr(engines.FasterWhisper, "transcribe", cancelled_after_a_piece)
    job = transcribe(interviewer, recording)
    assert job.state == "cancelled"
    assert not _parts() and db.session.query(Transcript).count() == 0


def _killed_midway(interviewer, interview, paused_speech, monkeypatch) -> jobs.Job:
    """A job whose worker stopped after the first pieces: it is running, with parts kept."""
    current_app.config["WHISPER_PIECE_SECONDS"] = 5
    recording = upload(interviewer, interview, paused_speech)
    real = engines.FasterWhisper.transcribe
    calls = []

    def stops_on_the_third_piece(self, samples, language, progress):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the worker is stopped; nothing of the run is cleaned up
        return real(self, samples, language, progress)

    monkeypatch.setattr(engines.FasterWhisper, "transcribe", stops_on_the_third_piece)
    with contextlib.suppress(KeyboardInterrupt):  # huey's immediate mode may swallow it
        transcribe(interviewer, recording)
    db.session.rollback()
    monkeypatch.setattr(engines.FasterWhisper, "transcribe", real)
    job = db.session.scalar(db.select(jobs.Job))
    assert job.state == "running" and len(_parts()) == 1
    db.session.execute(update(jobs.Job).values(heartbeat_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    return job


def test_a_resumed_job_refused_at_its_start_leaves_no_parts(conducted, paused_speech, monkeypatch):
    interviewer, interview = conducted
    job = _killed_midway(interviewer, interview, paused_speech, monkeypatch)
    interview.status = "verified"  # verified meanwhile (from another transcript)
    db.session.commit()
    job_queue.execute(job.id)
    db.session.refresh(job)
    assert job.state == "failed" and "already verified" in job.error
    assert not _parts()


def test_a_job_given_up_by_the_sweeper_leaves_no_parts(conducted, paused_speech, monkeypatch):
    interviewer, interview = conducted
    job = _killed_midway(interviewer, interview, paused_speech, monkeypatch)
    db.session.execute(update(jobs.Job).values(attempts=jobs.MAX_ATTEMPTS))
    db.session.commit()
    job_queue.sweep()
    db.session.refresh(job)
    assert job.state == "failed" and not _parts()


def test_a_withdrawal_removes_the_parts_of_every_job_of_the_recording(
    conducted, paused_speech, monkeypatch
):
    from app.transcripts import transcription

    interviewer, interview = conducted
    job = _killed_midway(interviewer, interview, paused_speech, monkeypatch)
    # As if it had ended without its leftovers removed (a crash between the two).
    db.session.execute(update(jobs.Job).values(state="failed"))
    db.session.commit()
    assert len(_parts()) == 1
    assert db.session.get(jobs.Job, job.id).state == "failed"
    transcription.stop_jobs(interview.recordings[0])
    db.session.commit()
    assert not _parts()
