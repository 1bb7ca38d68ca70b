"""Uploading audio: streamed, encrypted, decoded once; bad files refused with nothing kept."""

import io
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.consent.scopes import Scope
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.interviews.models import Status
from app.transcripts import recordings
from app.transcripts.models import Recording
from app.transcripts.refusals import TranscriptError
from tests.transcripts.conftest import encode


def upload(interviewer, interview, path: Path, name: str | None = None):
    with open(path, "rb") as src:
        recording = recordings.upload_recording(interviewer, interview, src, name or path.name)
    db.session.commit()
    return recording


def stored_files() -> list[Path]:
    return list((Path(current_app.config["MEDIA_ROOT"]) / "audio").glob("*"))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_upload_is_encrypted_checked_and_audited(conducted, speech):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    assert 10 < recording.duration < 14
    assert recording.size == speech.stat().st_size and len(recording.sha256) == 64
    assert interview.status == Status.DOCUMENTED.value
    (on_disk,) = stored_files()
    assert b"RIFF" not in on_disk.read_bytes()[:4096]  # encrypted at rest
    assert "audio.upload" in actions()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.wav", "not audio"),
        (b"%PDF-1.7 this is a document" * 100, "letter.mp3", "not audio"),
        (b"just text", "notes.txt", "Upload a .wav"),
    ],
)
def test_what_is_not_audio_is_refused_and_nothing_is_kept(
    conducted, tmp_path, content, name, message
):
    interviewer, interview = conducted
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TranscriptError, match=message), open(path, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, name)
    db.session.rollback()
    assert stored_files() == [] and interview.recordings == []
    assert interview.status == Status.CONDUCTED.value


def test_a_truncated_recording_is_refused(conducted, speech, tmp_path):
    interviewer, interview = conducted
    cut = tmp_path / "cut.wav"
    cut.write_bytes(speech.read_bytes()[: speech.stat().st_size // 3])
    with pytest.raises(TranscriptError, match="cut short"), open(cut, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, "cut.wav")
    assert stored_files() == []


def test_a_three_hour_recording_is_refused(conducted, tmp_path):
    interviewer, interview = conducted
    long = encode(3 * 3600, tmp_path / "long.flac")
    with pytest.raises(TranscriptError, match="longer than 150 minutes"), open(long, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, "long.flac")
    assert stored_files() == []


def test_a_file_over_the_size_limit_is_refused(conducted, speech):
    interviewer, interview = conducted
    current_app.config["AUDIO_MAX_BYTES"] = 10_000
    with pytest.raises(TranscriptError, match="larger than"), open(speech, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, "speech.wav")
    assert stored_files() == []


def test_other_formats_are_accepted(conducted, tmp_path):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, encode(65, tmp_path / "quiet.ogg", "ogg", 48000))
    assert 64 < recording.duration < 66 and recording.mime_type == "audio/ogg"


def test_upload_needs_consent_to_audio_recording(
    app, make_user, make_participant, make_offer, give_consent, speech
):
    from datetime import UTC, date, datetime

    from app.consent.gate import ConsentMissing
    from app.core.users import Role
    from app.guides.services import sync_guides
    from app.interviews import services as interviews
    from app.interviews.models import Mode

    sync_guides()
    interviewer = make_user(roles=[Role.INTERVIEWER, Role.COORDINATOR])
    participant = make_participant(birth_date=date(2000, 5, 1))
    offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=interviewer.id)
    interview = interviews.book(
        interviewer, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
        mode=Mode.IN_PERSON, interviewer=interviewer, language="en",
    )  # fmt: skip
    db.session.commit()
    give_consent(interview, interviewer, scopes=[Scope.PARTICIPATION])
    interviews.conduct(interviewer, interview, date(2026, 11, 10))
    with pytest.raises(ConsentMissing), open(speech, "rb") as src:
        recordings.upload_recording(interviewer, interview, src, "speech.wav")
    assert stored_files() == []


def test_playback_streams_ranges_and_is_audited(conducted, speech, client, auth):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    original = speech.read_bytes()
    auth.login(user=interviewer)
    url = f"/transcripts/recording/{recording.id}/audio"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == original
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=70000-70999"})
    assert part.status_code == 206 and part.data == original[70000:71000]
    assert part.headers["Content-Range"] == f"bytes 70000-70999/{len(original)}"
    tail = client.get(url, headers={"Range": "bytes=-100"})
    assert tail.data == original[-100:]
    # One entry for the playback however many pieces the player asks for; one per download.
    assert actions().count("audio.play") == 1
    client.get(url + "?download=1")
    client.get(url + "?download=1")
    assert actions().count("audio.download") == 2


def test_only_the_interviewer_may_play(conducted, speech, client, auth):
    from app.core.users import Role

    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    for role in (Role.COORDINATOR, Role.INTERVIEWER, Role.RESEARCHER):
        auth.login(role)
        assert client.get(f"/transcripts/recording/{recording.id}/audio").status_code == 403
        auth.logout()


def test_upload_through_the_page(conducted, speech, client, auth):
    interviewer, interview = conducted
    auth.login(user=interviewer)
    bad = client.post(f"/transcripts/interview/{interview.id}/audio",
                      data={"audio": (io.BytesIO(b"garbage" * 50), "x.wav")},
                      follow_redirects=True)  # fmt: skip
    assert "not audio that can be read" in bad.get_data(as_text=True)
    assert db.session.scalars(select(Recording)).all() == []
    with open(speech, "rb") as sound:
        url = f"/transcripts/interview/{interview.id}/audio"
        page = client.post(url, data={"audio": (sound, "speech.wav")}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "The recording was uploaded and checked." in html
    assert "Transcribe" in html
