"""Subject access: a coordinator exports everything about one participant, audited."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.core import jobs, storage
from app.core.audit_entry import AuditEntry
from app.core.db import db, utcnow
from app.core.users import Role
from app.interviews.models import FlagCategory, Status
from app.offers.models import Answer
from app.privacy import access
from tests.privacy.conftest import AUDIO, CONTROLLER, SCAN


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_coordinator_exports_everything_about_one_participant(app, client, auth, make_user,
                                                              populate):  # fmt: skip
    coordinator = make_user(roles=[Role.COORDINATOR], language="sv")
    subject, other = populate(), populate()
    auth.login(user=coordinator)
    overview = client.get(f"/privacy/participants/{subject.participant.id}")
    assert overview.status_code == 200 and "Saga" not in overview.get_data(as_text=True)

    # Both boxes unticked: the coordinator has read what concerns others and includes it.
    started = client.post(f"/privacy/participants/{subject.participant.id}/export",
                          data={"reviewed": "1", "controller": CONTROLLER})  # fmt: skip
    assert started.status_code == 302
    job = db.session.scalars(select(jobs.Job).where(jobs.Job.kind == access.EXPORT)).one()
    assert job.state == "succeeded", job.error
    stored = job.result_dict["file"]
    assert b"Saga" not in (storage._root() / stored).read_bytes()  # encrypted at rest
    status = client.get(started.headers["Location"], headers={"Accept": "application/json"})
    assert status.json["state"] == "succeeded"
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert f"/privacy/exports/{job.id}/download" in page

    download = client.get(f"/privacy/exports/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert "P-1999-001-subject-access" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        data = json.loads(archive.read("data.json"))
        summary = archive.read("summary.html").decode()
        recording = archive.read(f"files/recording-{subject.recording.id}.wav")
        scan = archive.read(f"files/consent-scan-{subject.consent.id}.pdf")
    assert recording == AUDIO and scan == SCAN
    assert data["participant"]["name"] == "Saga Lindberg 1"
    assert data["participant"]["birth_date"] == "2005-03-14"
    assert data["people"] == [{"relation": "foster_parent", "name": "Lars Björk 1"}]
    interview = data["placements"][0]["interviews"][0]
    assert interview["memos"][0]["text"] == "Saga 1 talks about Lars"
    assert interview["transcripts"][0]["segments"][0]["text"] == "I am Saga 1, Lars was kind"
    assert interview["releases"][0]["codings"] == [{"code": "Belonging 1", "passage": "I am"}]
    assert interview["consents"][0]["guardian_name"] == "Birgitta Dahl 1"
    assert interview["withdrawals"][0]["note"] == "Saga 1 called"
    assert data["pseudonym_map"]["saga"]["placeholder"] == "[Person 1]"
    assert interview["ethics_flags"][0]["disclosure"] == "Secret 1" and data["withheld"] == []
    assert "Secret 1" in summary and "Lars Björk 1" in summary
    assert '<html lang="sv">' in summary and "Saga Lindberg 1" in summary
    assert "files/" in summary and "Det finns inga inspelningar" not in summary
    assert "Saga Lindberg 2" not in summary and other.participant.name not in json.dumps(data)
    # Stored values are shown as the words of the page, in the reader's language.
    guide = subject.interview.guide_version.guide
    title = {s.key: s.title for s in (*guide.sections, guide.closing)}["life_now"]
    assert interview["memos"][0]["section_title"] == title and f"<h4>{title}</h4>" in summary
    with force_locale("sv"):
        words = [str(Status.DOCUMENTED.label), str(Answer.ACCEPTED.label),
                 str(FlagCategory.OTHER.label)]  # fmt: skip
    assert all(word in summary for word in words), words
    assert "(documented)" not in summary and "answer: accepted" not in summary
    actions = _actions()
    for action in ("participant.access_export", "participant.identity_read",
                   "participant.access_download"):  # fmt: skip
        assert action in actions


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.ADMIN, Role.RESEARCHER])
def test_only_the_coordinator_may_export(app, client, auth, populate, role):
    subject = populate()
    auth.login(role)
    assert client.post(f"/privacy/participants/{subject.participant.id}/export").status_code == 403
    assert db.session.scalars(select(jobs.Job).where(jobs.Job.kind == access.EXPORT)).all() == []


def test_an_export_is_removed_after_a_week_and_by_erasure(app, make_user, populate):
    from app.privacy import erasure

    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    job = access.start_export(coordinator, subject.participant)
    db.session.commit()
    job = db.session.get(jobs.Job, job.id)
    name = job.result_dict["file"]
    assert storage.exists(name)
    assert access.expire_exports() == 0
    job.finished_at = utcnow() - access.KEEP - timedelta(minutes=1)
    assert access.expire_exports() == 1
    db.session.commit()
    assert not storage.exists(name)
    with pytest.raises(access.ExportRefused):
        access.export_file(coordinator, db.session.get(jobs.Job, job.id))

    second = access.start_export(coordinator, subject.participant)
    db.session.commit()
    second_name = db.session.get(jobs.Job, second.id).result_dict["file"]
    erasure.erase(coordinator, subject.participant, subject.participant.code)
    db.session.commit()
    assert not storage.exists(second_name)
    assert db.session.get(jobs.Job, second.id) is None
