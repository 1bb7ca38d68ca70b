"""Importing, editing, verifying and exporting transcripts; audio retention."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.i18n import format_day
from app.core.users import Role
from app.interviews.models import Status
from app.transcripts import editing, naming, recordings, versions
from app.transcripts.models import Transcript
from app.transcripts.refusals import TranscriptConflict, TranscriptError
from tests.conftest import TODAY
from tests.transcripts.test_audio import upload

SRT = (
    b"1\n00:00:00,500 --> 00:00:03,000\nInterviewer: How are things now?\n\n"
    b"2\n00:00:03,200 --> 00:00:08,000\nYoung person: Better. I have my own flat.\n\n"
    b"3\n00:00:08,100 --> 00:00:10,000\nThat is good to hear.\n"
)


def imported(interviewer, interview, data=SRT, name="interview.srt") -> Transcript:
    transcript = versions.import_transcript(interviewer, interview, data, name)
    db.session.commit()
    return transcript


def rows(transcript):
    return [{"text": s.text, "start": s.start_ms / 1000, "end": s.end_ms / 1000,
             "speaker": s.speaker} for s in transcript.segments]  # fmt: skip


def test_an_imported_transcript_moves_the_interview_on(conducted):
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    assert [(s.speaker, s.text) for s in transcript.segments] == [
        ("interviewer", "How are things now?"),
        ("young_person", "Better. I have my own flat."),
        (None, "That is good to hear."),
    ]
    assert (transcript.version, transcript.source) == (1, "import")
    assert interview.status == Status.TRANSCRIBED.value
    assert imported(interviewer, interview, b"Second try\n", "notes.txt").version == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"1\n00:00:01,000 --> 00:0x:02,000\nHello\n", "bad.srt", "Line 2: the timestamps"),
        (b"ok\n\x81\x8d\x8f\x90", "odd.txt", "Line 2 is not valid UTF-8"),
        (b"<html></html>", "page.html", "Import a .txt"),
        (
            b"1\n00:00:09,000 --> 00:00:10,000\nLate\n\n2\n00:00:01,000 --> 00:00:02,000\nEarly\n",
            "order.srt",
            "Segment 2: its times are out of order",
        ),
        (b"WEBVTT\n\n9999:00:00.000 --> 9999:00:01.000\nHi\n", "far.vtt", "timestamps"),
    ],
)
def test_a_bad_transcript_file_changes_nothing(conducted, data, name, message):
    interviewer, interview = conducted
    with pytest.raises(TranscriptError, match=message):
        versions.import_transcript(interviewer, interview, data, name)
    db.session.rollback()
    assert interview.transcripts == [] and interview.status == Status.CONDUCTED.value


def test_split_merge_and_speakers_are_saved_with_a_conflict_check(conducted):
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    edited = rows(transcript)
    first, second = edited[1]["text"].split(". ", 1)
    edited[1:2] = [{**edited[1], "text": first + ".", "end": 5.0},
                   {**edited[1], "text": second, "start": 5.0}]  # split  # fmt: skip
    edited[2]["speaker"] = "other"
    editing.save_segments(interviewer, transcript, edited, revision=0)
    db.session.commit()
    assert [s.text for s in transcript.segments][1:3] == ["Better.", "I have my own flat."]
    assert transcript.segments[2].speaker == "other" and transcript.revision == 1
    with pytest.raises(TranscriptConflict):
        editing.save_segments(interviewer, transcript, edited[:1], revision=0)
    merged = rows(transcript)
    merged[0:2] = [{**merged[0], "text": merged[0]["text"] + " " + merged[1]["text"],
                    "end": merged[1]["end"]}]  # fmt: skip
    editing.save_segments(interviewer, transcript, merged, revision=1)
    db.session.commit()
    assert len(transcript.segments) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r[0].update(text="   "), "Segment 1 is empty"),
        (lambda r: r[1].update(start=0.1), "Segment 2: its times are out of order"),
        (lambda r: r[0].update(start=2.0, end=1.0), "Segment 1: its times"),
        (lambda r: r[0].update(speaker="narrator"), "unknown speaker"),
        (lambda r: r[0].update(end=None), "needs both a start and an end"),
        (lambda r: r[0].update(start=float("nan")), "Segment 1 cannot be read"),
        (lambda r: r[0].update(end=1e300), "Segment 1 cannot be read"),
        (lambda r: r[0].update(speaker=["interviewer"]), "Segment 1 cannot be read"),
        (lambda r: r[0].update(text=None), "Segment 1 cannot be read"),
    ],
)
def test_bad_edits_are_refused_whole(conducted, change, message):
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    edited = rows(transcript)
    change(edited)
    with pytest.raises(TranscriptError, match=message):
        editing.save_segments(interviewer, transcript, edited, revision=0)
    db.session.rollback()
    assert transcript.revision == 0 and transcript.segments[0].text == "How are things now?"


def test_verifying_freezes_the_transcript_and_schedules_the_audio(conducted, speech):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    transcript = imported(interviewer, interview)
    editing.verify(interviewer, transcript)
    db.session.commit()
    assert interview.status == Status.VERIFIED.value and transcript.verified
    assert recording.destroy_on == TODAY + timedelta(days=30)
    with pytest.raises(TranscriptError, match="verified"):
        editing.save_segments(interviewer, transcript, rows(transcript), revision=0)
    with pytest.raises(TranscriptError, match="until its transcript is verified"):
        versions.import_transcript(interviewer, interview, SRT, "again.srt")


def test_verifying_at_a_step_that_verification_cannot_follow_is_refused(conducted, client, auth):
    # Found by the route × role test once each case had fresh data: a transcript beside a
    # booked interview made verifying answer 500 instead of saying why.
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    interview.status = Status.BOOKED.value
    db.session.commit()
    with pytest.raises(TranscriptError, match="cannot go from Booked to Verified"):
        editing.verify(interviewer, transcript)
    db.session.rollback()
    auth.login(user=interviewer)
    response = client.post(f"/transcripts/{transcript.id}/verify", follow_redirects=True)
    assert response.status_code == 200
    assert "cannot go from Booked to Verified" in response.get_data(as_text=True)
    assert not db.session.get(Transcript, transcript.id).verified


def test_verifying_shows_what_it_does_and_asks_first(conducted, speech, client, auth):
    interviewer, interview = conducted
    upload(interviewer, interview, speech)
    transcript = imported(interviewer, interview)
    plan = editing.verify_preview(interviewer, transcript)
    assert (plan.segments, plan.destroy_on, plan.retention_days) == (
        3, TODAY + timedelta(days=30), 30)  # fmt: skip
    assert not transcript.verified  # a look changes nothing
    auth.login(user=interviewer)
    look = client.post(f"/transcripts/{transcript.id}/verify")
    page = look.get_data(as_text=True)
    assert look.status_code == 200 and "its 3 segments can no longer be changed" in page
    assert f"The recording will be destroyed on {format_day(plan.destroy_on)}" in page
    assert "Tick the box" not in page
    assert "I have checked the whole transcript against the recording. Verify it." in page
    db.session.refresh(transcript)
    assert not transcript.verified  # the server does not verify without the confirmation
    refused = client.post(f"/transcripts/{transcript.id}/verify", data={"asked": "1"})
    assert "Tick the box to confirm" in refused.get_data(as_text=True)
    db.session.refresh(transcript)
    assert not transcript.verified
    client.post(f"/transcripts/{transcript.id}/verify", data={"asked": "1", "confirm": "y"})
    db.session.refresh(transcript)
    assert transcript.verified and interview.recordings[0].destroy_on == plan.destroy_on
    with pytest.raises(TranscriptError, match="verified"):
        editing.verify_preview(interviewer, transcript)


def test_without_a_recording_verifying_does_not_ask_to_check_against_one(conducted, client, auth):
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)  # typed elsewhere: no recording at all
    auth.login(user=interviewer)
    editor = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert "Verify when you have checked the whole transcript. It can then" in editor
    look = client.post(f"/transcripts/{transcript.id}/verify").get_data(as_text=True)
    assert "There is no recording left to destroy." in look
    assert "I have checked the whole transcript. Verify it." in look
    assert "against the recording" not in editor + look


def test_retention_destroys_audio_on_its_day_and_audits_it(conducted, speech, runner):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    path = Path(current_app.config["MEDIA_ROOT"]) / recording.stored_name
    recording.destroy_on = TODAY + timedelta(days=1)
    db.session.commit()
    assert "0 recordings destroyed" in runner.invoke(args=["retention", "run"]).output
    assert path.exists()
    recording.destroy_on = TODAY
    db.session.commit()
    assert "1 recordings destroyed" in runner.invoke(args=["retention", "run"]).output
    db.session.expire_all()
    assert not path.exists() and recording.destroyed_reason == "retention"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "audio.destroy")).one()
    assert entry.actor_name == "system" and entry.detail_dict["reason"] == "retention"


def test_the_coordinator_sees_retention_and_no_content(conducted, speech, client, auth):
    interviewer, interview = conducted
    upload(interviewer, interview, speech)
    imported(interviewer, interview)
    auth.login(Role.COORDINATOR)
    page = client.get("/transcripts/retention").get_data(as_text=True)
    assert interview.participant.code in page and "after verification" in page
    assert "How are things" not in page
    assert client.get(f"/transcripts/{interview.transcripts[0].id}").status_code == 403


@pytest.mark.parametrize("kind", ["txt", "docx", "vtt", "srt"])
def test_exports_read_back_and_are_audited(conducted, client, auth, kind):
    from analysis import transcripts as formats

    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    auth.login(user=interviewer)
    response = client.get(f"/transcripts/{transcript.id}/export/{kind}")
    assert response.status_code == 200
    assert f"-v1.{kind}" in response.headers["Content-Disposition"]
    back = formats.READERS[kind](response.data, naming.speaker_words())
    assert [s.text for s in back] == [s.text for s in transcript.segments]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "transcript.export")) == 1  # fmt: skip


def test_the_editor_page_autosaves_and_verifies(conducted, speech, client, auth):
    interviewer, interview = conducted
    upload(interviewer, interview, speech)
    transcript = imported(interviewer, interview)
    auth.login(user=interviewer)
    page = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    assert "How are things now?" in page and "<audio" in page
    edited = rows(transcript)
    edited[0]["text"] = "How are things these days?"
    saved = client.post(f"/transcripts/{transcript.id}/segments",
                        json={"revision": 0, "segments": edited})  # fmt: skip
    assert saved.status_code == 200 and saved.json["revision"] == 1
    stale = client.post(f"/transcripts/{transcript.id}/segments",
                        json={"revision": 0, "segments": edited})  # fmt: skip
    # Refused, nothing written; the answer carries the saved version for the editor to show
    # beside what was typed (and reading it is audited, so it is not an error status).
    assert stale.status_code == 200 and stale.json["conflict"]
    assert "Your changes are kept in this window" in stale.json["error"]
    assert stale.json["revision"] == 1
    assert stale.json["segments"][0]["text"] == "How are things these days?"
    bad = client.post(f"/transcripts/{transcript.id}/segments", json={"revision": 1})
    assert bad.status_code == 400
    done = client.post(f"/transcripts/{transcript.id}/verify", data={"confirm": "y"},
                       follow_redirects=True)  # fmt: skip
    assert "The transcript is verified." in done.get_data(as_text=True)
    reads = db.session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "transcript.read"))  # fmt: skip
    assert reads == 2  # the editor page, and the saved version shown in the conflict


def test_a_bad_import_through_the_page_says_why(conducted, client, auth):
    interviewer, interview = conducted
    auth.login(user=interviewer)
    page = client.post(f"/transcripts/interview/{interview.id}/import",
                       data={"file": (io.BytesIO(b"1\n00:00:01,000 --> broken\nHi\n"), "x.srt")},
                       follow_redirects=True)  # fmt: skip
    assert "Line 2: the timestamps cannot be read." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transcript)) == 0


def test_the_import_is_refused_in_swedish_for_a_swedish_user(conducted, client, auth):
    interviewer, interview = conducted
    interviewer.language = "sv"
    db.session.commit()
    auth.login(user=interviewer)
    page = client.post(f"/transcripts/interview/{interview.id}/import",
                       data={"file": (io.BytesIO(b"\x81\x8d\x8f\x90"), "x.txt")},
                       follow_redirects=True)  # fmt: skip
    assert "Rad 1 är inte giltig UTF-8" in page.get_data(as_text=True)
    assert "not valid UTF-8" not in page.get_data(as_text=True)


def test_a_stray_audio_file_is_removed_by_the_retention_run(conducted, speech, runner):
    import os
    import time

    from app.core import storage

    with open(speech, "rb") as src:
        stray = storage.save(src, "audio")  # a file whose delete failed after its commit
    fresh = storage.save(io.BytesIO(b"being checked"), "audio")  # an upload in progress
    path = Path(current_app.config["MEDIA_ROOT"]) / stray.name
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    runner.invoke(args=["retention", "run"])
    assert not path.exists() and storage.exists(fresh.name)


def test_a_lower_retention_setting_brings_verified_recordings_forward(
    conducted, speech, runner, client, auth
):
    interviewer, interview = conducted
    recording = upload(interviewer, interview, speech)
    transcript = imported(interviewer, interview)
    editing.verify(interviewer, transcript)
    db.session.commit()
    assert recording.destroy_on == TODAY + timedelta(days=30)
    # Raising the setting keeps the day already set; lowering it brings the day forward.
    current_app.config["AUDIO_RETENTION_DAYS"] = 60
    assert recordings.apply_retention_setting() == 0
    current_app.config["AUDIO_RETENTION_DAYS"] = 7
    auth.login(Role.COORDINATOR)
    page = client.get("/transcripts/retention").get_data(as_text=True)
    assert "already follow today" in page
    # Counted from the day of verification (the suite's fixed "today" is not the clock's).
    sooner = recordings.verified_on(recording) + timedelta(days=7)
    assert sooner < recording.destroy_on
    with current_app.test_request_context():  # as the page's filter writes a date
        soon, late = format_day(sooner), format_day(recording.destroy_on)
    assert soon in page and late not in page
    assert "0 recordings destroyed" in runner.invoke(args=["retention", "run"]).output
    db.session.expire_all()
    assert recording.destroy_on == sooner and recording.live
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "audio.retention")
    ).one()
    assert entry.detail_dict["after"] == sooner.isoformat()
    current_app.config["AUDIO_RETENTION_DAYS"] = 0
    assert recordings.apply_retention_setting() == 1
    assert recording.destroy_on == recordings.verified_on(recording)


@pytest.mark.parametrize(
    "body",
    [
        # a yes/no is not a revision, though Python counts True as the int 1
        {"revision": True, "segments": "ROWS"},
        {"revision": "0", "segments": []},
        {"revision": 0, "segments": "How are things?"},
        [{"revision": 0}],
        "revision=0",
    ],
)
def test_a_save_that_does_not_fit_the_editor_s_shape_is_refused(conducted, client, auth, body):
    interviewer, interview = conducted
    transcript = imported(interviewer, interview)
    auth.login(user=interviewer)
    if isinstance(body, dict) and body["segments"] == "ROWS":
        body = {**body, "segments": rows(transcript)}
    answer = client.post(f"/transcripts/{transcript.id}/segments", json=body)
    assert answer.status_code == 400 and answer.json["error"]
    db.session.refresh(transcript)
    assert transcript.revision == 0 and len(transcript.segments) == 3
