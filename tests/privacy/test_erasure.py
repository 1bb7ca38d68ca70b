"""Erasure removes a participant everywhere, all or nothing, and leaves only the audit trail."""

import pytest
from sqlalchemy import func, select

from app.codebook.models import Code
from app.consent.models import ConsentGrant, ConsentRecord, Withdrawal
from app.core import jobs, storage
from app.core.audit_chain import verify_chain
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.exchange.models import ExchangeGuid
from app.interviews.models import EthicsFlag, Interview, Memo
from app.offers.models import Offer, Reminder
from app.participants.models import Participant, Placement, PlacementWorker, RelatedPerson
from app.privacy import erasure
from app.releases.models import PseudonymMap, Release
from app.transcripts.models import Recording, Transcript, TranscriptSegment
from app.workspace.models import Coding, CodingRound, round_release

HELD = [Placement, PlacementWorker, RelatedPerson, Offer, Reminder, Interview, Memo, EthicsFlag,
        ConsentRecord, ConsentGrant, Withdrawal, Recording, Transcript, TranscriptSegment,
        Release, Coding, PseudonymMap, ExchangeGuid, jobs.Job]  # fmt: skip


def _counts():
    counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
              for model in HELD}  # fmt: skip
    counts["round_release"] = db.session.scalar(select(func.count()).select_from(round_release))
    return counts


def test_erasure_removes_every_row_and_file_and_keeps_the_other_participant(
    app, make_user, populate
):
    coordinator = make_user(roles=[Role.COORDINATOR])
    gone, kept = populate(coordinator), populate(coordinator)
    before = _counts()
    files = [gone.recording.stored_name, gone.consent.scan_name]
    participant_id, code = gone.participant.id, gone.participant.code

    counts = erasure.erase(coordinator, gone.participant, code.lower())
    db.session.commit()

    assert db.session.get(Participant, participant_id) is None
    after = _counts()
    # Exactly half of everything went: the other participant's rows are all still there.
    assert after == {table: n // 2 for table, n in before.items()}
    assert counts["recordings"] == 1 and counts["codings"] == 1 and counts["files"] == 2
    assert not any(storage.exists(name) for name in files)
    assert storage.exists(kept.recording.stored_name) and storage.exists(kept.consent.scan_name)
    assert db.session.scalar(select(func.count()).select_from(Code)) == 2  # codes stay
    assert db.session.scalar(select(func.count()).select_from(CodingRound)) == 2
    assert kept.participant.name == "Saga Lindberg 2"

    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participant.erase")
    ).one()
    assert entry.object_id == str(participant_id) and entry.actor_id == coordinator.id
    assert entry.detail_dict["reference"] == erasure.erasure_reference(code)
    # The audit trail stays whole and names the person nowhere.
    assert verify_chain().ok
    for detail in db.session.scalars(select(AuditEntry.detail)):
        for value in gone.identity:
            assert value not in detail


def test_erasure_needs_the_typed_code_and_the_permission(app, make_user, populate):
    subject = populate()
    before = _counts()
    coordinator = make_user(roles=[Role.COORDINATOR])
    with pytest.raises(erasure.ErasureRefused):
        erasure.erase(coordinator, subject.participant, "P-1999-999")
    with pytest.raises(PermissionDenied):
        erasure.erase(make_user(roles=[Role.INTERVIEWER]), subject.participant, "P-1999-001")
    db.session.rollback()
    assert _counts() == before


def test_erasure_is_all_or_nothing(app, make_user, populate, monkeypatch):
    subject = populate()
    before = _counts()
    files = [subject.recording.stored_name, subject.consent.scan_name]

    def broken(held):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(erasure, "ERASERS", [broken])
    with pytest.raises(RuntimeError):
        erasure.erase(make_user(roles=[Role.ADMIN]), subject.participant, "P-1999-001")
    db.session.rollback()
    assert _counts() == before
    assert all(storage.exists(name) for name in files)
    assert db.session.get(Participant, subject.participant.id).name == "Saga Lindberg 1"


def test_the_browser_confirmation_step(app, client, auth, populate):
    subject = populate()
    participant_id = subject.participant.id
    auth.login(Role.ADMIN)
    page = client.get(f"/privacy/participants/{participant_id}/erase")
    assert page.status_code == 200
    assert "P-1999-001" in page.get_data(as_text=True)
    assert "Saga" not in page.get_data(as_text=True)  # the admin sees no identity

    wrong = client.post(f"/privacy/participants/{participant_id}/erase",
                        data={"confirmation": "P-1999-002"})  # fmt: skip
    assert wrong.status_code == 200
    assert "nothing was erased" in wrong.get_data(as_text=True)
    assert db.session.get(Participant, participant_id) is not None

    found = client.post("/privacy/erase", data={"code": "p-1999-001"})
    assert found.headers["Location"].endswith(f"/privacy/participants/{participant_id}/erase")
    done = client.post(f"/privacy/participants/{participant_id}/erase",
                       data={"confirmation": "P-1999-001"})  # fmt: skip
    assert done.status_code == 302
    assert db.session.get(Participant, participant_id) is None
    assert "was erased" in client.get(done.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.RESEARCHER, Role.REVIEW_MEMBER])
def test_only_coordinator_and_admin_may_erase(app, client, auth, populate, role):
    subject = populate()
    auth.login(role)
    response = client.post(f"/privacy/participants/{subject.participant.id}/erase",
                           data={"confirmation": "P-1999-001"})  # fmt: skip
    assert response.status_code == 403
    assert db.session.get(Participant, subject.participant.id) is not None


def test_replay_skips_a_later_participant_with_the_same_code(app, make_user, populate):
    subject = populate()
    moment = subject.participant.created_at.replace(year=2000)
    entry = {"reference": erasure.erasure_reference("P-1999-001"),
             "erased": moment.strftime("%Y-%m-%d %H:%M:%S.%f")}  # fmt: skip
    assert erasure.replay_erasures([entry]) == 0  # registered after that erasure: kept
    entry["erased"] = "2999-01-01 00:00:00.000000"
    assert erasure.replay_erasures([entry]) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_erasure_destroys_the_review_packs_that_quote_the_person(app, make_user, populate):
    import io
    from datetime import UTC, date, datetime

    from app.reviews.models import ReviewPack, ReviewSession

    coordinator = make_user(roles=[Role.COORDINATOR])
    subject, other = populate(coordinator), populate(coordinator)
    session = ReviewSession(title="Review 2026", year=2026, held_on=date(2026, 11, 1))
    docx = storage.save(io.BytesIO(b"fictional pack"), "packs")
    built = datetime(2026, 11, 20, tzinfo=UTC)
    quoting = ReviewPack(session=session, version=1, content='{"themes": []}', built_at=built,
                         docx_name=docx.name, quoted=f"[{subject.interview.id}]")  # fmt: skip
    unrelated = ReviewPack(session=session, version=2, content='{"themes": []}', built_at=built,
                           quoted=f"[{other.interview.id}]")  # fmt: skip
    db.session.add_all([session, quoting, unrelated])
    db.session.commit()

    counts = erasure.erase(coordinator, subject.participant, subject.participant.code)
    db.session.commit()
    assert counts["review_packs"] == 1
    assert quoting.destroyed_at is not None and quoting.content is None
    assert not storage.exists(docx.name)
    assert unrelated.destroyed_at is None and unrelated.content == '{"themes": []}'


def test_erasure_stops_a_review_pack_being_built(app, make_user, populate):
    from datetime import date

    from app.reviews.models import ReviewPack, ReviewSession
    from app.reviews.packs import PACK

    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    session = ReviewSession(title="Review 2026", year=2026, held_on=date(2026, 11, 1))
    building = ReviewPack(session=session, version=1)  # not built yet: quotes not known
    db.session.add_all([session, building])
    db.session.flush()
    job = jobs.Job(kind=PACK, subject=f"review_pack:{building.id}", params="{}")  # queued
    db.session.add(job)
    db.session.commit()

    counts = erasure.erase(coordinator, subject.participant, subject.participant.code)
    db.session.commit()
    assert counts["review_packs"] == 1
    assert building.destroyed_at is not None
    db.session.refresh(job)
    assert job.state == jobs.JobState.CANCELLED.value


def test_erasure_discards_register_files_not_yet_imported(app, make_user, populate):
    import io

    from app.participants.models import ImportState, RegisterImport

    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    stored = storage.save(io.BytesIO(b"name;code\nSaga;X"), "imports")
    waiting = RegisterImport(filename="register.csv", stored_name=stored.name)
    done = RegisterImport(filename="old.csv", state=ImportState.IMPORTED.value)
    db.session.add_all([waiting, done])
    db.session.commit()

    counts = erasure.erase(coordinator, subject.participant, subject.participant.code)
    db.session.commit()
    assert counts["register_imports"] == 1
    assert (waiting.state, waiting.stored_name) == (ImportState.DISCARDED.value, None)
    assert not storage.exists(stored.name)
    assert done.state == ImportState.IMPORTED.value
