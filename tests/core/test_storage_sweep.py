"""The sweep of stray stored files: every declared category, and dead writers' partials."""

import io
import json
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.consent.models import ConsentGrant, ConsentRecord
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY, seed_forms
from app.core import job_queue, jobs, storage
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews.models import Interview
from app.participants.models import RegisterImport
from app.reviews.models import ReviewPack, ReviewSession
from app.transcripts.models import Recording

CATEGORIES = ["audio", "imports", "review_packs", "consent_scans", "exports"]
DAY = 24 * 3600


def path_of(name: str) -> Path:
    return Path(current_app.config["MEDIA_ROOT"]) / name


def age(path: Path, seconds: float = 2 * DAY) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def stored(category: str, old: bool = True) -> str:
    name = storage.save(io.BytesIO(b"fictional content"), category).name
    if old:
        age(path_of(name))
    return name


def partial(category: str, old: bool) -> Path:
    folder = path_of(category)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".{os.urandom(16).hex()}.rte.partial"
    path.write_bytes(b"half a file")
    return age(path) if old else path


@pytest.fixture
def referenced(app, make_user, make_participant, make_offer):
    """One old file of each category that a row refers to: category -> name."""
    from app.consent.models import ConsentForm

    names = {category: stored(category) for category in CATEGORIES}
    interviewer = make_user(roles=[Role.INTERVIEWER])
    participant = make_participant()
    offer = make_offer(participant.placements[0], answer="accepted",
                       interviewer_id=interviewer.id)  # fmt: skip
    guide = sync_guides().added[0]
    interview = Interview(offer=offer, scheduled_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
                          mode="in_person", interviewer_id=interviewer.id,
                          guide_version_id=guide.id, language=guide.language)  # fmt: skip
    db.session.add(interview)
    seed_forms()
    form = ConsentForm.latest(FORM_KEY, guide.language)
    consent = ConsentRecord(
        interview=interview, giver="young_person", form_id=form.id, method="signed_paper",
        scan_name=names["consent_scans"], scan_type="application/pdf", scan_size=17,
        given_on=date(2026, 11, 1), recorded_by_id=interviewer.id,
        grants=[ConsentGrant(scope=scope.value) for scope in Scope],
    )  # fmt: skip
    recording = Recording(interview=interview, stored_name=names["audio"], size=17,
                          sha256="0" * 64, file_type="wav", duration=1.0)  # fmt: skip
    upload = RegisterImport(filename="register.csv", stored_name=names["imports"])
    review = ReviewSession(title="Review", year=2026, held_on=date(2026, 11, 20))
    pack = ReviewPack(session=review, version=1, docx_name=names["review_packs"])
    result = json.dumps({"file": names["exports"], "size": 17, "files": 0})
    export = jobs.Job(kind="privacy.subject_access", state="succeeded", result=result)
    db.session.add_all([interview, consent, recording, upload, review, pack, export])
    db.session.commit()
    return names


def sweep_entries() -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "storage.stray_removed")
    )
    return [json.loads(entry.detail) for entry in entries]


def test_every_category_in_use_is_declared(app):
    assert set(CATEGORIES) <= set(storage.REFERENCES)


def test_old_strays_go_and_referenced_or_young_files_stay(referenced):
    strays = {category: stored(category) for category in CATEGORIES}
    young = {category: stored(category, old=False) for category in CATEGORIES}

    removed = storage.sweep_strays()
    db.session.commit()

    assert removed == dict.fromkeys(CATEGORIES, 1) | {
        c: 0 for c in storage.REFERENCES if c not in CATEGORIES
    }
    for category in CATEGORIES:
        assert not storage.exists(strays[category]), category
        assert storage.exists(referenced[category]), category
        assert storage.exists(young[category]), category
    entries = sweep_entries()
    assert sorted((e["category"], e["name"], e["partial"]) for e in entries) == sorted(
        (category, strays[category], False) for category in CATEGORIES
    )
    rows = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "storage.stray_removed")
    ).all()
    assert all(r.actor_id is None and r.object_type == "file" for r in rows)


def test_an_expired_export_is_no_longer_referenced(referenced):
    job = db.session.scalars(select(jobs.Job)).one()
    job.result = json.dumps({"expired": True})  # its delete after the commit failed
    db.session.commit()

    assert storage.sweep_strays()["exports"] == 1
    assert not storage.exists(referenced["exports"])


def test_old_partials_go_in_every_folder_and_young_ones_stay(app):
    old = [partial("audio", old=True), partial("unknown", old=True)]
    young = partial("imports", old=False)
    other = path_of("unknown") / "notes.partial"  # not a name storage writes
    other.write_bytes(b"")
    age(other)

    removed = storage.sweep_strays()
    db.session.commit()

    assert not any(p.exists() for p in old)
    assert young.exists() and other.exists()
    assert removed["audio"] == 1 and removed["unknown"] == 1 and removed["imports"] == 0
    names = {(e["category"], e["name"], e["partial"]) for e in sweep_entries()}
    assert names == {("audio", f"audio/{old[0].name}", True),
                     ("unknown", f"unknown/{old[1].name}", True)}  # fmt: skip


def test_an_undeclared_category_keeps_its_files(app):
    name = stored("undeclared_things")
    assert "undeclared_things" not in storage.REFERENCES

    removed = storage.sweep_strays(older_than_seconds=0)
    db.session.commit()

    assert storage.exists(name)
    assert "undeclared_things" not in removed
    assert sweep_entries() == []


def test_a_declared_category_is_swept_by_what_it_declares(app, monkeypatch):
    keep, stray = stored("things"), stored("things")
    monkeypatch.setitem(storage.REFERENCES, "things", [lambda: {keep}])

    assert storage.sweep_strays()["things"] == 1
    assert storage.exists(keep) and not storage.exists(stray)


def test_a_failing_reference_lookup_deletes_nothing(app, monkeypatch):
    stray = stored("audio")

    def broken():
        raise RuntimeError("database away")

    monkeypatch.setitem(storage.REFERENCES, "things", [broken])
    with pytest.raises(RuntimeError):
        storage.sweep_strays()
    assert storage.exists(stray)


def test_the_cutoff_is_a_parameter(app):
    recent = stored("imports", old=False)
    age(path_of(recent), 3600)
    assert storage.sweep_strays()["imports"] == 0
    assert storage.sweep_strays(older_than_seconds=1800)["imports"] == 1


def test_the_command_reports_what_it_removed(runner):
    stray = stored("review_packs")
    dead = partial("exports", old=True)

    result = runner.invoke(args=["storage", "sweep"])

    assert result.exit_code == 0, result.output
    assert "review_packs: 1 removed" in result.output
    assert "exports: 1 removed" in result.output
    assert "audio: 0 removed" in result.output
    assert "2 stray files removed" in result.output
    assert not storage.exists(stray) and not dead.exists()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "storage.stray_removed")
    ).all()
    assert len(entries) == 2 and {e.origin for e in entries} == {"cli"}


def test_the_nightly_task_sweeps_in_the_worker_app(app, monkeypatch):
    stray = stored("consent_scans")
    monkeypatch.setattr(job_queue, "_worker_app", app)

    job_queue.sweep_stored_files.call_local()

    assert not storage.exists(stray)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "storage.stray_removed")
    ).one()
    assert entry.origin == "job"
