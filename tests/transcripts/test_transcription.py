"""Transcription through the real job path with a real Whisper model, offline."""

import shutil
from datetime import timedelta

import jiwer
import pytest
from flask import current_app
from sqlalchemy import func, select, update

from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.scopes import Scope
from app.core import job_queue, jobs
from app.core.db import db, utcnow
from app.interviews.models import Status
from app.transcripts import engines, recordings, transcription, versions
from app.transcripts.models import Transcript, TranscriptSegment
from app.transcripts.refusals import TranscriptError
from tests.transcripts.conftest import SPOKEN
from tests.transcripts.test_audio import upload


def words(text: str) -> str:
    return " ".join("".join(c for c in w if c.isalnum() or c == "'") for w in text.lower().split())


def transcribe(interviewer, recording) -> jobs.Job:
    job = transcription.start_transcription(interviewer, recording)
    db.session.commit()  # queued after the commit; the tests' queue runs it at once
    db.session.refresh(job)
    return job


def test_real_speech_becomes_an_accurate_transcript(conducted, speech):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    job = transcribe(interviewer, recording)
    assert job.state == "succeeded", job.error
    assert (job.progress, job.attempts, job.subject) == (1.0, 1, f"recording:{recording.id}")
    transcript = versions.current(interview)
    assert transcript.source == "whisper" and transcript.made_by == "faster-whisper model"
    text = " ".join(s.text for s in transcript.segments)
    assert jiwer.wer(words(SPOKEN), words(text)) < 0.2, text
    starts = [s.start_ms for s in transcript.segments]
    assert starts == sorted(starts)
    assert transcript.segments[-1].end_ms <= recording.duration * 1000
    assert interview.status == Status.TRANSCRIBED.value
    assert job.result_dict["real_time_factor"] > 0


def test_the_engine_gives_word_timestamps_in_order(model_dir, speech):
    from app.transcripts import audio

    engine = engines.load_engine("faster-whisper", model_dir, threads=2)
    shares = []
    with open(speech, "rb") as src:
        segments = engine.transcribe(audio.decode(src), "en", shares.append)
    times = [(w.start, w.end) for s in segments for w in s.words]
    assert len(times) >= 25
    assert all(start <= end for start, end in times)
    assert [start for start, _ in times] == sorted(start for start, _ in times)
    assert shares[-1] == pytest.approx(1.0, abs=0.1) and shares == sorted(shares)


def test_one_transcription_at_a_time_per_recording(conducted, speech):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    waiting = jobs.Job(kind=transcription.TRANSCRIBE, subject=transcription.subject(recording),
                       params=f'{{"recording_id": {recording.id}}}')  # fmt: skip
    db.session.add(waiting)
    db.session.commit()
    with pytest.raises(TranscriptError, match="already being transcribed"):
        transcription.start_transcription(interviewer, recording)
    db.session.rollback()
    # The schema itself refuses a second active job for the subject.
    db.session.add(
        jobs.Job(kind=transcription.TRANSCRIBE, subject=transcription.subject(recording))
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_a_missing_model_fails_the_job_with_its_reason(conducted, speech, tmp_path):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    current_app.config["WHISPER_MODELS"] = {"en": str(tmp_path / "nowhere")}
    job = transcribe(interviewer, recording)
    assert job.state == "failed"
    assert "is missing or incomplete" in job.error
    assert db.session.scalar(select(func.count()).select_from(Transcript)) == 0


def test_a_broken_model_fails_the_job_with_its_reason(conducted, speech, model_dir, tmp_path):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    (broken / "model.bin").write_bytes((model_dir / "model.bin").read_bytes()[:1000])
    current_app.config["WHISPER_MODELS"] = {"en": str(broken)}
    job = transcribe(interviewer, recording)
    assert job.state == "failed" and "could not be loaded" in job.error


def test_a_crash_midway_writes_no_half_transcript(conducted, speech, monkeypatch):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)

    def crash(self, audio, language, progress):
        progress(0.5)
        raise RuntimeError("the machine ran out of memory")

    monkeypatch.setattr(engines.FasterWhisper, "transcribe", crash)
    job = transcribe(interviewer, recording)
    assert job.state == "failed" and "the machine" not in job.error
    assert db.session.scalar(select(func.count()).select_from(TranscriptSegment)) == 0
    assert interview.status == Status.DOCUMENTED.value


def test_a_worker_that_died_is_retried_and_finishes_once(conducted, speech):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    # A worker took the job and died: running, no heartbeat for a while, nothing written.
    job = jobs.Job(kind=transcription.TRANSCRIBE, subject=transcription.subject(recording),
                   params=f'{{"recording_id": {recording.id}}}', created_by_id=interviewer.id,
                   state="running", attempts=1, progress=0.4,
                   heartbeat_at=utcnow() - timedelta(minutes=10))  # fmt: skip
    db.session.add(job)
    db.session.commit()
    assert job_queue.sweep() == 1
    db.session.refresh(job)
    assert (job.state, job.attempts) == ("succeeded", 2)
    assert len(interview.transcripts) == 1


def test_cancelling_a_running_job_stops_it_and_writes_nothing(conducted, speech, monkeypatch):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    real = engines.FasterWhisper.transcribe

    def cancelled_midway(self, audio, language, progress):
        with db.engine.begin() as connection:  # the person watching presses cancel
            connection.execute(update(jobs.Job).values(state="cancelled"))
        return real(self, audio, language, lambda share: jobs.set_progress(job_row(), share))

    def job_row():
        return db.session.scalars(select(jobs.Job)).one()

    monkeypatch.setattr(engines.FasterWhisper, "transcribe", cancelled_midway)
    job = transcribe(interviewer, recording)
    assert job.state == "cancelled"
    assert interview.transcripts == []


def test_withdrawing_audio_consent_destroys_the_recording(conducted, speech):
    from datetime import date
    from pathlib import Path

    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    path = Path(current_app.config["MEDIA_ROOT"]) / recording.stored_name
    withdrawal = consent.withdraw(interviewer, interview, scopes=[Scope.AUDIO_RECORDING],
                                  giver="young_person", withdrawn_on=date(2026, 11, 20),
                                  channel="phone")  # fmt: skip
    db.session.commit()
    assert not path.exists()
    assert (recording.destroyed_reason, recording.stored_name) == ("consent", None)
    assert {"effect": "audio_destroyed", "count": 1} in withdrawal.effect_list
    with pytest.raises(TranscriptError, match="destroyed"):
        transcription.start_transcription(interviewer, recording)
    with pytest.raises(ConsentMissing), open(speech, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, "again.wav")


def test_withdrawing_participation_erases_every_transcript(conducted, speech):
    from datetime import date

    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    transcribe(interviewer, recording)
    transcribe(interviewer, recording)
    assert [t.version for t in interview.transcripts] == [1, 2]
    consent.withdraw(interviewer, interview, scopes=[Scope.PARTICIPATION], giver="young_person",
                     withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Transcript)) == 0
    assert db.session.scalar(select(func.count()).select_from(TranscriptSegment)) == 0
    assert not recording.live and interview.status == Status.WITHDRAWN.value


def test_the_openai_whisper_engine_loads_a_checkpoint_by_path(tmp_path, speech):
    """A tiny randomly initialised checkpoint: the real loading and decoding code runs."""
    from dataclasses import asdict

    import torch
    from whisper.model import ModelDimensions, Whisper

    from app.transcripts import audio

    torch.manual_seed(1)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51865, n_text_ctx=64, n_text_state=32,
                           n_text_head=2, n_text_layer=1)  # fmt: skip
    path = tmp_path / "tiny-random.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": Whisper(dims).state_dict()}, path)
    engine = engines.load_engine("openai-whisper", path, threads=2)
    shares = []
    with open(speech, "rb") as src:
        segments = engine.transcribe(audio.decode(src), "sv", shares.append)
    assert shares == [1.0]
    assert all(0 <= s.start <= s.end <= 31 for s in segments)
    with pytest.raises(engines.EngineError, match="missing"):
        engines.load_engine("openai-whisper", tmp_path / "absent.pt")


def test_a_failed_job_speaks_the_language_of_who_started_it(conducted, speech, tmp_path):
    interviewer, interview = conducted
    interviewer.language = "sv"
    recording = upload(interviewer, interview, speech)
    current_app.config["WHISPER_MODELS"] = {"en": str(tmp_path / "nowhere")}
    job = transcribe(interviewer, recording)
    assert job.state == "failed" and "Talmodellens mapp" in job.error


def test_the_transcribe_command_prints_segments(runner, model_dir, speech):
    result = runner.invoke(args=["transcribe", str(speech), "--language", "en",
                                 "--model", str(model_dir)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "my name is Anna" in result.output and "real-time factor" in result.output
    missing = runner.invoke(args=["transcribe", str(speech), "--model", str(speech.parent)])
    assert missing.exit_code == 1 and "missing or incomplete" in missing.output
