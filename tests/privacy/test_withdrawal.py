"""Withdrawing participation leaves nothing derived from the interview, anywhere: not in
any table (read through the models, so encrypted columns are read decrypted), not in the
pseudonym map, not in a subject access export."""

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.codebook.models import Code
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import jobs, storage
from app.core.db import db
from app.core.users import Role
from app.exchange.models import ExchangeGuid
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode
from app.participants.models import Placement
from app.privacy import access
from app.privacy.report import collect
from app.releases import services as releases
from app.releases.models import PseudonymMap
from app.reviews.models import ReviewPack, ReviewSession
from app.transcripts import editing, versions
from app.workspace.models import Coding, CodingRound

#: what only the withdrawn interview said: none of it may be left anywhere
WITHDRAWN = """1
00:00:01,000 --> 00:00:05,000
Den unga: Min bästa vän Ebba Lindqvist gick på Sundstagymnasiet med mig.

2
00:00:05,500 --> 00:00:09,000
Den unga: Jag flyttade till Birgitta den 10 juni 2007.
""".encode()
ONLY_WITHDRAWN = ["Ebba", "Lindqvist", "ebba lindqvist", "Sundstagymnasiet",
                  "sundstagymnasiet", "10 juni 2007", "bästa vän"]  # fmt: skip

#: the other interview of the same young person: Birgitta stays in the map
KEPT = """1
00:00:01,000 --> 00:00:05,000
Den unga: Birgitta lagade mat varje kväll i Kil.
""".encode()


@pytest.fixture
def world(app, make_user, make_participant, make_offer, give_consent):
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])
    participant = make_participant(birth_date=date(2000, 5, 1), name="Alva Berg",
                                   placement=None)  # fmt: skip

    def interview_with(srt: bytes):
        placement = Placement(started_on=date(2015, 1, 1), ended_on=date(2024, 6, 30),
                              setting_at_end="family_home", custody_transferred=False)  # fmt: skip
        participant.placements.append(placement)
        db.session.flush()
        offer = make_offer(placement, answer="accepted", interviewer_id=interviewer.id)
        interview = interviews.book(
            coordinator, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
            mode=Mode.IN_PERSON, interviewer=interviewer, language="sv",
        )  # fmt: skip
        db.session.commit()
        give_consent(interview, interviewer, scopes=tuple(Scope))
        interviews.conduct(interviewer, interview, date(2026, 11, 10))
        transcript = versions.import_transcript(interviewer, interview, srt, "samtal.srt")
        editing.verify(interviewer, transcript)
        proposals = releases.propose(interviewer, interview)[1]
        accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
        found = {p.text for p in proposals}
        # Whatever the detector missed of the names and dates is marked by hand.
        wanted = [
            ("Ebba Lindqvist", "PERSON"),
            ("Sundstagymnasiet", "ORG"),
            ("10 juni 2007", "DATE"),
            ("Birgitta", "PERSON"),
            ("Kil", "LOCATION"),
        ]
        additions = [(text, label) for text, label in wanted
                     if text.encode() in srt and text not in found]  # fmt: skip
        release = releases.release(interviewer, interview, accepted=accepted,
                                   additions=additions, renames={})  # fmt: skip
        db.session.commit()
        return interview, release

    return coordinator, interviewer, participant, interview_with


def _withdraw(coordinator, interview):
    withdrawal = consent.withdraw(coordinator, interview, scopes=["participation"],
                                  giver="young_person", withdrawn_on=date(2026, 11, 20),
                                  channel="phone")  # fmt: skip
    db.session.commit()
    return withdrawal


def _every_value():
    """Every column of every row of every mapped table, decrypted, as text."""
    db.session.expire_all()
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        for row in db.session.scalars(select(model)):
            for attribute in mapper.column_attrs:
                value = getattr(row, attribute.key)
                if value is not None:
                    yield model.__tablename__, attribute.key, str(value)


def _left(strings) -> list[tuple[str, str, str]]:
    return [(table, column, needle) for table, column, value in _every_value()
            for needle in strings if needle in value]  # fmt: skip


def _entries(participant) -> dict:
    mapping = db.session.scalar(
        select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    )
    return mapping.entry_dict if mapping else {}


def test_withdrawal_leaves_nothing_derived_and_keeps_what_another_interview_holds(world):
    coordinator, _interviewer, participant, interview_with = world
    gone, gone_release = interview_with(WITHDRAWN)
    kept, kept_release = interview_with(KEPT)
    before = _entries(participant)
    assert any("ebba lindqvist" in key for key in before)
    assert any("10 juni 2007" in key for key in before)
    birgitta = before["PERSON:birgitta"]["placeholder"]

    # Codings in a round, a pack quoting the interview, exchange ids, an export not yet
    # downloaded: all of it copies the interview.
    code = Code(name="Belonging", colour="#9ecae1")
    round_ = CodingRound(name="Round 1", releases=[gone_release, kept_release],
                         created_by_id=coordinator.id)  # fmt: skip
    db.session.add_all([code, round_])
    db.session.flush()
    coding = Coding(release_id=gone_release.id, code_id=code.id, coder_id=coordinator.id,
                    start_offset=0, end_offset=10, memo="Ebba Lindqvist matters")  # fmt: skip
    session = ReviewSession(title="Review 2026", year=2026, held_on=date(2026, 11, 1))
    pack = ReviewPack(session=session, version=1, built_at=datetime(2026, 11, 15, tzinfo=UTC),
                      content=json.dumps({"quotes": [gone_release.text]}),
                      quoted=json.dumps([gone.id]))  # fmt: skip
    db.session.add_all([coding, session, pack,
                        ExchangeGuid(kind="release", entity_id=gone_release.id)])  # fmt: skip
    db.session.commit()
    export = access.start_export(coordinator, participant)
    db.session.commit()
    export_file = export.result_dict["file"]
    assert storage.exists(export_file) and _left(ONLY_WITHDRAWN)

    withdrawal = _withdraw(coordinator, gone)

    assert _left(ONLY_WITHDRAWN) == []
    assert {"effect": "exports_discarded", "count": 1} in withdrawal.effect_list
    assert any(e["effect"] == "pseudonyms_erased" for e in withdrawal.effect_list)
    assert not storage.exists(export_file)
    assert (
        db.session.scalars(
            select(ExchangeGuid).where(
                ExchangeGuid.kind == "release", ExchangeGuid.entity_id == gone_release.id
            )
        ).all()
        == []
    )
    assert pack.destroyed_at is not None
    # What the other interview holds stays as it was, with the same placeholders.
    after = _entries(participant)
    assert after["PERSON:birgitta"]["placeholder"] == birgitta
    assert "LOCATION:kil" in after and not any("ebba" in key for key in after)
    assert kept.releases and kept_release.text
    # The subject access export shows none of it either.
    data, _files = collect(participant, withhold_others=False)
    dumped = json.dumps(data, ensure_ascii=False, default=str)
    assert not [needle for needle in ONLY_WITHDRAWN if needle in dumped]

    # The last interview withdrawn: the map goes whole.
    _withdraw(coordinator, kept)
    assert (
        db.session.scalar(select(PseudonymMap).where(PseudonymMap.participant_id == participant.id))
        is None
    )
    assert _left(["Birgitta", "birgitta", "lagade mat"]) == []


def test_the_export_after_withdrawal_shows_none_of_the_interview(world, client, auth):
    coordinator, _interviewer, participant, interview_with = world
    gone, _release = interview_with(WITHDRAWN)
    _withdraw(coordinator, gone)
    auth.login(user=coordinator)
    client.post(
        f"/privacy/participants/{participant.id}/export",
        data={"reviewed": "1", "controller": "The team"},
    )
    job = db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == access.EXPORT).order_by(jobs.Job.id.desc())
    ).first()
    assert job.state == "succeeded", job.error
    download = client.get(f"/privacy/exports/{job.id}/download")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert [needle for needle in ONLY_WITHDRAWN if needle in everything] == []
