"""A participant with something in every table that can hold data about them."""

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from app.codebook.models import Code
from app.consent.models import ConsentForm, ConsentGrant, ConsentRecord, Withdrawal
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY, seed_forms
from app.core import jobs, storage
from app.core.db import db
from app.core.users import Role
from app.exchange.models import ExchangeGuid
from app.guides.models import GuideVersion
from app.guides.services import sync_guides
from app.interviews.models import EthicsFlag, Interview, Memo
from app.offers.models import Reminder
from app.participants.models import PlacementWorker, RelatedPerson
from app.releases.models import PseudonymMap, Release
from app.transcripts.models import Recording, Transcript, TranscriptSegment
from app.workspace.models import Coding, CodingRound

AUDIO = b"RIFF fictional audio bytes " * 5000
SCAN = b"%PDF-1.4 fictional signed consent form\n%%EOF\n"
#: whom the summary tells the young person to contact, as the coordinator writes it
CONTROLLER = "Familjehemsteamet, Karlstads kommun, 054-540 00 00"


@dataclass
class Subject:
    participant: object
    interview: object
    recording: object
    consent: object
    release: object
    identity: list[str]


@pytest.fixture
def populate(app, make_user, make_participant, make_offer):
    """Factory: a participant with a placement, offer, interview, memos, a flag, consents
    (one signed on paper with a scan), a withdrawal, a recording, a transcript, a release
    coded in a round, a pseudonym map, people, a job and exchange GUIDs; all committed."""
    counter = {"n": 0}

    def make(coordinator=None) -> Subject:
        counter["n"] += 1
        n = counter["n"]
        coordinator = coordinator or make_user(roles=[Role.COORDINATOR])
        interviewer = make_user(roles=[Role.INTERVIEWER])
        participant = make_participant(
            code=f"P-1999-{n:03d}", name=f"Saga Lindberg {n}", id_number="20050314-1239"
            if n == 1 else None, phone=f"+46 70 174 06 5{n}", email=f"saga{n}@example.org",
            guardian=f"Birgitta Dahl {n}",
        )  # fmt: skip
        placement = participant.placements[0]
        placement.workers.append(PlacementWorker(name=f"Gunilla Ohlsson {n}"))
        offer = make_offer(placement, answer="accepted", interviewer_id=interviewer.id)
        offer.reminders.append(Reminder(sent_on=date(2026, 7, 1), channel="phone"))
        participant.people.append(RelatedPerson(relation="foster_parent", name=f"Lars Björk {n}"))
        sync_guides()
        guide_id = db.session.scalars(db.select(GuideVersion.id)).first()
        interview = Interview(
            offer=offer, scheduled_at=datetime(2026, 9, 1, 10, tzinfo=UTC), mode="in_person",
            interviewer_id=interviewer.id, guide_version_id=guide_id, language="sv",
            status="documented", conducted_on=date(2026, 9, 1), place=f"Storgatan {n}, Karlstad",
        )  # fmt: skip
        interview.memos.append(Memo(section_key="life_now", text=f"Saga {n} talks about Lars"))
        interview.flags.append(EthicsFlag(category="other", disclosure=f"Secret {n}",
                                          follow_up="Call", responsible_id=interviewer.id,
                                          due_on=date(2026, 12, 1)))  # fmt: skip
        db.session.add(interview)
        seed_forms()
        form = ConsentForm.latest(FORM_KEY, "sv")
        scan = storage.save(io.BytesIO(SCAN), "scans")
        consent = ConsentRecord(
            interview=interview, giver="guardian", guardian_name=f"Birgitta Dahl {n}",
            form_id=form.id, method="signed_paper", scan_name=scan.name,
            scan_type="application/pdf", scan_size=scan.size, given_on=date(2026, 9, 1),
            recorded_by_id=interviewer.id, grants=[ConsentGrant(scope=s.value) for s in Scope],
        )  # fmt: skip
        db.session.add(consent)
        withdrawal = Withdrawal(interview=interview, scopes="quotation", giver="young_person",
                                withdrawn_on=date(2026, 10, 1), channel="phone",
                                note=f"Saga {n} called", recorded_by_id=coordinator.id)  # fmt: skip
        next(g for g in consent.grants if g.scope == "quotation").withdrawal = withdrawal
        audio = storage.save(io.BytesIO(AUDIO), "audio")
        recording = Recording(interview=interview, stored_name=audio.name, size=audio.size,
                              sha256=audio.sha256, file_type="wav", duration=12.5)  # fmt: skip
        transcript = Transcript(interview=interview, version=1, source="import", made_by=".txt",
                                recording=recording, segments=[TranscriptSegment(
                                    position=0, speaker="young_person",
                                    text=f"I am Saga {n}, Lars was kind")])  # fmt: skip
        release = Release(
            interview=interview,
            transcript=transcript,
            version=1,
            length=28,
            content='[{"text": "I am [Person 1], [Foster father] was kind"}]',
        )
        code = Code(name=f"Belonging {n}", colour="#9ecae1")
        coding = Coding(release=release, code=code, coder_id=coordinator.id, start_offset=0,
                        end_offset=4)  # fmt: skip
        coding_round = CodingRound(name=f"Round {n}", releases=[release],
                                   created_by_id=coordinator.id)  # fmt: skip
        pseudonyms = PseudonymMap(participant=participant, entries='{"saga": {"label": "person",'
                                  ' "placeholder": "[Person 1]"}}')  # fmt: skip
        db.session.add_all([consent, withdrawal, recording, transcript, release, code, coding,
                            coding_round, pseudonyms])  # fmt: skip
        db.session.flush()
        db.session.add_all([
            jobs.Job(kind="transcribe", state="succeeded", subject=f"recording:{recording.id}"),
            ExchangeGuid(kind="participant", entity_id=participant.id),
            ExchangeGuid(kind="release", entity_id=release.id),
        ])  # fmt: skip
        db.session.commit()
        identity = [participant.name, participant.phone, participant.email, participant.guardian,
                    f"Lars Björk {n}", f"Gunilla Ohlsson {n}", f"Storgatan {n}", f"Secret {n}",
                    "2005-03-14"]  # fmt: skip
        return Subject(participant, interview, recording, consent, release, identity)

    return make
