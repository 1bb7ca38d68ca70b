"""Fixtures for sending files through the real upload routes: one person who may use all of
them, an interview ready for audio and transcripts, one waiting for its consent, and a
snapshot of everything an upload could change."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.consent.models import ConsentForm
from app.consent.texts import FORM_KEY, seed_forms
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode
from tests.fuzz import hostile as catalogue


@dataclass
class Site:
    user: object
    #: conducted, with consent to everything: audio and transcripts may be added
    interview_id: int
    #: booked, no consent yet: a consent (with its scan) may be recorded
    waiting_id: int
    form_id: int


@pytest.fixture
def site(app, auth, make_user, make_participant, make_offer, give_consent) -> Site:
    sync_guides()
    seed_forms()
    user = make_user(roles=[Role.COORDINATOR, Role.INTERVIEWER], display_name="Kim Berg")

    def booked():
        participant = make_participant(birth_date=date(2000, 5, 1))
        offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=user.id)
        interview = interviews.book(
            user, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=user, language="en",
        )  # fmt: skip
        db.session.commit()
        return interview

    ready = booked()
    give_consent(ready, user)
    interviews.conduct(user, ready, date(2026, 11, 10))
    db.session.commit()
    waiting = booked()
    auth.login(user=user)
    return Site(user, ready.id, waiting.id, ConsentForm.latest(FORM_KEY, "en").id)


def snapshot() -> dict:
    """Rows in every table and every file under the media folder (finished or not).

    The audit log is left out of the counts: a page shown again after a refusal audits the
    reads it makes (consent records, say). ``changes`` checks that those are all it gained.
    """
    db.session.expire_all()
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != AuditEntry.__tablename__
    }
    root = Path(current_app.config["MEDIA_ROOT"])
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    last = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    return {"rows": counts, "files": files, "audit": last}


def changes(before: dict) -> dict:
    """What differs from ``before``, besides audited reads."""
    after = snapshot()
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.id > before["audit"])
    ).all()
    return {
        "rows": {k: (v, after["rows"][k]) for k, v in before["rows"].items()
                 if after["rows"][k] != v},
        "files": sorted(set(after["files"]) ^ set(before["files"])),
        "audited": [a for a in actions if not a.endswith("read")],
    }  # fmt: skip


NOTHING = {"rows": {}, "files": [], "audited": []}


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> Path:
    """The catalogue written out as files, for readers that take a path."""
    folder = tmp_path_factory.mktemp("hostile")
    for name, data in catalogue.catalogue().items():
        (folder / name).write_bytes(data)
    return folder
