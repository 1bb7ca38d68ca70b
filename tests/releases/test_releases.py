"""Pseudonymising a verified transcript, releasing it frozen, and who may read it."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.scopes import Scope
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Mode, Status
from app.participants.models import Placement, RelatedPerson
from app.releases import services
from app.releases.models import PseudonymMap, Release
from app.releases.services import ReleaseError
from app.transcripts import editing, versions

SRT = """1
00:00:01,000 --> 00:00:05,000
Intervjuare: Hur var det att bo hos Birgitta i Kil?

2
00:00:05,500 --> 00:00:12,000
Den unga: Birgittas kök var varmt. Hon körde mig till Sundstagymnasiet varje dag.

3
00:00:12,500 --> 00:00:16,000
Den unga: Min bror Elias ringer på 070-123 45 67 ibland.
""".encode()


@pytest.fixture
def world(app, make_user, make_participant, make_offer, give_consent):
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])
    participant = make_participant(birth_date=date(2000, 5, 1), name="Alva Berg")
    participant.people.append(RelatedPerson(relation="sibling", name="Elias Berg"))
    db.session.commit()

    def interview_with(scopes=tuple(Scope), srt=SRT):
        # Each interview follows up a placement of its own, of the same young person.
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
        give_consent(interview, interviewer, scopes=scopes)
        interviews.conduct(interviewer, interview, date(2026, 11, 10))
        transcript = versions.import_transcript(interviewer, interview, srt, "samtal.srt")
        editing.verify(interviewer, transcript)
        db.session.commit()
        return interview, transcript

    return interviewer, interview_with


def release_all(interviewer, transcript, **extra):
    proposals = services.propose(interviewer, transcript.interview)[1]
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    entry = services.release(
        interviewer, transcript.interview, accepted=accepted, additions=extra.get("additions", []),
        renames=extra.get("renames", {}), note=extra.get("note", ""),
    )  # fmt: skip
    db.session.commit()
    return proposals, entry


def test_detections_replaced_consistently_and_renamed_by_role(world):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    proposals = services.propose(interviewer, transcript.interview)[1]
    found = {(p.label, p.text): p.placeholder for p in proposals}
    assert found[("PERSON", "Birgitta")] == "[Person 1]"
    assert found[("PERSON", "Birgittas")] == "[Person 1]s"
    assert found[("LOCATION", "Kil")] == "[Ort 1]"
    assert ("ORG", "Sundstagymnasiet") in found and ("PHONE", "070-123 45 67") in found
    assert ("PERSON", "Elias") in found  # from the register
    _, entry = release_all(interviewer, transcript, renames={"[Person 1]": "Foster mother"})
    text = entry.text
    assert "Birgitta" not in text and "Kil" not in text and "Elias" not in text
    assert "[Foster mother]s kök" in text and "hos [Foster mother] i [Ort 1]" in text
    assert interview.status == Status.RELEASED.value
    assert [s["speaker"] for s in entry.segments] == ["interviewer", "young_person", "young_person"]

    # The next interview with the same young person uses the same placeholders.
    _second, transcript2 = interview_with()
    again = {
        (p.label, p.text): p.placeholder
        for p in services.propose(interviewer, transcript2.interview)[1]
    }
    assert again[("PERSON", "Birgitta")] == "[Foster mother]"
    assert again[("LOCATION", "Kil")] == "[Ort 1]"


def test_a_release_is_frozen_and_a_correction_is_a_new_version(world):
    interviewer, interview_with = world
    _interview, transcript = interview_with()
    _, first = release_all(interviewer, transcript)
    frozen = first.text
    _, second = release_all(interviewer, transcript, additions=[("körde", "PERSON")],
                            note="Ett ord till.")  # fmt: skip
    assert first.text == frozen and second.version == 2
    assert second.summary_dict["changed_segments"] == 1
    assert second.summary_dict["note"] == "Ett ord till."
    with pytest.raises(ReleaseError, match="not in the transcript"):
        services.release(interviewer, transcript.interview, accepted=[],
                         additions=[("zebra", "PERSON")],
                         renames={})  # fmt: skip
    with pytest.raises(ReleaseError, match="changed since"):
        services.release(interviewer, transcript.interview, accepted=[(0, 4, "PERSON", "Nope")],
                         additions=[], renames={})  # fmt: skip


def test_the_map_is_encrypted_and_its_reads_audited(world):
    interviewer, interview_with = world
    _, transcript = interview_with()
    release_all(interviewer, transcript)
    raw = db.session.execute(text("SELECT entries FROM pseudonym_map")).scalar_one()
    assert "birgitta" not in raw.lower()
    reads = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "pseudonym_map.read"))  # fmt: skip
    assert reads == 1


def test_researchers_see_only_released_text_with_research_consent(world, make_user):
    interviewer, interview_with = world
    researcher = make_user(roles=[Role.RESEARCHER])
    consented, transcript = interview_with()
    _, entry = release_all(interviewer, transcript)
    _private, transcript2 = interview_with(scopes=[Scope.PARTICIPATION, Scope.QUOTATION])
    _, hidden = release_all(interviewer, transcript2)
    assert services.for_research(researcher) == [entry]
    assert services.read_release(researcher, entry) is entry
    with pytest.raises(ConsentMissing):
        services.read_release(researcher, hidden)
    with pytest.raises(PermissionDenied):
        services.for_research(interviewer)
    consent.withdraw(interviewer, consented, scopes=[Scope.RESEARCH_USE], giver="young_person",
                     withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
    db.session.commit()
    assert services.for_research(researcher) == []


def test_only_a_verified_transcript_is_released(world):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    with pytest.raises(Exception, match="pseudonymisation review"):
        interviews.advance(interviewer, interview, Status.RELEASED)
    transcript.verified_at = transcript.verified_by_id = None
    with pytest.raises(ReleaseError, match="Only a verified"):
        services.propose(interviewer, transcript.interview)[1]


def test_withdrawing_participation_erases_releases(world):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    release_all(interviewer, transcript)
    consent.withdraw(interviewer, interview, scopes=[Scope.PARTICIPATION], giver="young_person",
                     withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0


def test_review_and_release_through_the_pages(world, app, client, auth, make_user):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    auth.login(user=interviewer)
    page = client.get(f"/releases/review/{interview.id}").get_data(as_text=True)
    assert '<mark class="pii pii-person"' in page and "[Person 1]" in page
    data = {}
    for n, p in enumerate(services.propose(interviewer, transcript.interview)[1]):
        data |= {f"decisions-{n}-start": p.start, f"decisions-{n}-end": p.end,
                 f"decisions-{n}-kind": p.label, f"decisions-{n}-surface": p.text,
                 f"decisions-{n}-replace": "y"}  # fmt: skip
    db.session.rollback()  # the proposals were only read here; the page releases
    data |= {"renames-0-old": "[Person 1]", "renames-0-new": "Fostermamma",
             "additions-0-surface": "", "additions-0-kind": "PERSON"}  # fmt: skip
    shown = client.post(f"/releases/review/{interview.id}/preview", data=data)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'class="pii pii-person pii-renamed"' in html
    assert "hos <mark" in html and ">[Fostermamma]</mark> i <mark" in html
    digest = re.search(r'name="digest" type="hidden" value="(\w+)"', html).group(1)
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0
    # Without the confirmation nothing is released, and the preview asks for it.
    again = client.post(f"/releases/review/{interview.id}/release", data=data | {"digest": digest})
    assert "Confirm that the text above is to be released." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0
    # Back to the review: the choices come back, nothing saved.
    back = client.post(f"/releases/review/{interview.id}", data=data).get_data(as_text=True)
    assert 'value="Fostermamma"' in back
    confirmed = data | {"digest": digest, "confirm": "y"}
    done = client.post(f"/releases/review/{interview.id}/release", data=confirmed,
                       follow_redirects=True)  # fmt: skip
    html = done.get_data(as_text=True)
    assert "[Fostermamma]" in html and "Birgitta" not in html
    auth.logout()
    auth.login(Role.RESEARCHER)
    listing = client.get("/releases/research").get_data(as_text=True)
    assert interview.participant.code in listing
    with app.test_request_context():  # the year of the interview, not its day
        day = app.jinja_env.filters["format_day"](interview.conducted_on)
    assert day not in listing and "<td><a href" in listing and ">2026</a>" in listing
    release = db.session.scalars(select(Release)).one()
    shown = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert "[Fostermamma]" in shown and "Birgitta" not in shown
    assert client.get(f"/releases/review/{interview.id}").status_code == 403
    assert client.get(f"/transcripts/{transcript.id}").status_code == 403


def test_renames_follow_the_page_even_when_something_is_unticked(world):
    interviewer, interview_with = world
    _, transcript = interview_with()
    proposals = services.propose(interviewer, transcript.interview)[1]
    birgitta = next(p for p in proposals if p.text == "Birgitta")
    elias = next(p for p in proposals if p.text == "Elias")
    assert (birgitta.placeholder, elias.placeholder) == ("[Person 1]", "[Person 2]")
    keep = [(p.start, p.end, p.label, p.text) for p in proposals if "Birgitta" not in p.text]
    entry = services.release(interviewer, transcript.interview, accepted=keep, additions=[],
                             renames={"[Person 2]": "Brother"})  # fmt: skip
    assert "Min bror [Brother] ringer" in entry.text and "hos Birgitta i" in entry.text


def test_placeholders_can_be_swapped_and_merged_but_not_across_kinds(world):
    interviewer, interview_with = world
    _, transcript = interview_with()
    proposals = services.propose(interviewer, transcript.interview)[1]
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    with pytest.raises(ReleaseError, match="already used"):  # a person is not a place
        services.release(interviewer, transcript.interview, accepted=accepted, additions=[],
                         renames={"[Person 2]": "Ort 1"})  # fmt: skip
    db.session.rollback()
    swap = {"[Person 1]": "Person 2", "[Person 2]": "Person 1"}
    entry = services.release(interviewer, transcript.interview, accepted=accepted, additions=[],
                             renames=swap)  # fmt: skip
    assert "hos [Person 2] i" in entry.text and "bror [Person 1] ringer" in entry.text


def test_renaming_a_placeholder_to_another_merges_them_in_the_map(world):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    proposals = services.propose(interviewer, transcript.interview)[1]
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    entry = services.release(interviewer, interview, accepted=accepted, additions=[],
                             renames={"[Person 2]": "[Person 1]"})  # fmt: skip
    db.session.commit()
    assert "hos [Person 1] i" in entry.text and "bror [Person 1] ringer" in entry.text
    entries = PseudonymMap.query.one().entry_dict
    assert entries["PERSON:birgitta"]["placeholder"] == entries["PERSON:elias"]["placeholder"]
    merge = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "pseudonym_map.merge")).one()  # fmt: skip
    assert merge.detail_dict["into"] == "[Person 1]"
    assert merge.detail_dict["merged"] == ["[Person 1]", "[Person 2]"]
    assert "birgitta" not in merge.detail.lower() and "elias" not in merge.detail.lower()
    # The next interview of the same young person gives both the one placeholder.
    _, transcript2 = interview_with()
    again = {p.text: p.placeholder for p in services.propose(interviewer, transcript2.interview)[1]}
    assert again["Birgitta"] == again["Elias"] == "[Person 1]"
    db.session.rollback()


TUVA = """1
00:00:01,000 --> 00:00:04,000
Intervjuare: Var det Tuva som hämtade dig?

2
00:00:04,500 --> 00:00:09,000
Den unga: Ja, Tuva Björk. Tuvas hund följde med, och Tuva Björk körde.
""".encode()


def test_a_first_name_alone_gets_the_placeholder_of_its_full_name(world):
    interviewer, interview_with = world
    interview, transcript = interview_with(srt=TUVA)
    interview.participant.people.append(RelatedPerson(relation="foster_parent",
                                                      name="Tuva Björk"))  # fmt: skip
    db.session.commit()
    proposals = services.propose(interviewer, transcript.interview)[1]
    found = {p.text: p.placeholder for p in proposals}
    # "Tuva" comes first, and still shares the number with the full name after it.
    assert found == {"Tuva": "[Person 1]", "Tuva Björk": "[Person 1]", "Tuvas": "[Person 1]s"}
    assert services.placeholders({}, proposals) == ["[Person 1]"]
    _, entry = release_all(interviewer, transcript, renames={"[Person 1]": "Fostermamma"})
    assert entry.text.count("[Fostermamma]") == 4 and "Tuva" not in entry.text
    # In a later interview "Tuva" alone finds the full name in the map.
    alone = TUVA.replace("Tuva Björk".encode(), b"hon").replace(b"Tuvas", b"Hennes")
    _, transcript2 = interview_with(srt=alone)
    again = {p.text: p.placeholder for p in services.propose(interviewer, transcript2.interview)[1]}
    assert again == {"Tuva": "[Fostermamma]"}
    db.session.rollback()


def test_a_first_name_shared_by_two_full_names_is_not_linked(world):
    interviewer, interview_with = world
    two = TUVA.replace("och Tuva Björk körde".encode(), "och Tuva Lind körde".encode())
    interview, transcript = interview_with(srt=two)
    interview.participant.people += [RelatedPerson(relation="foster_parent", name="Tuva Björk"),
                                     RelatedPerson(relation="other", name="Tuva Lind")]  # fmt: skip
    db.session.commit()
    found = {p.text: p.placeholder for p in services.propose(interviewer, transcript.interview)[1]}
    assert found["Tuva Björk"] != found["Tuva Lind"]
    assert found["Tuva"] not in (found["Tuva Björk"], found["Tuva Lind"])
    db.session.rollback()


def test_the_preview_shows_the_final_text_and_what_the_reviewer_changed(world):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    proposals = services.propose(interviewer, transcript.interview)[1]
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    choices = {"accepted": accepted, "additions": [("varje dag", "DATE")],
               "renames": {"[Person 1]": "Fostermamma", "[Person 2]": "Fostermamma"}}  # fmt: skip
    plan = services.preview(interviewer, interview, **choices)
    assert "hos [Fostermamma] i [Ort 1]" in plan.text and "varje dag" not in plan.text
    assert plan.merged == {"[Fostermamma]": ["[Person 1]", "[Person 2]"]}
    assert plan.added == [("varje dag", "DATE", 1)]
    for mark in plan.marks:
        assert plan.text[mark.start : mark.end] == mark.placeholder
    added = [m for m in plan.marks if m.added]
    assert [(m.surface, m.placeholder) for m in added] == [("varje dag", "[Datum 1]")]
    assert {m.surface for m in plan.marks if m.merged} == {"Birgitta", "Birgittas", "Elias"}
    assert not any(m.merged or m.renamed for m in plan.marks if m.label != "PERSON")
    # Nothing is saved by a preview: no release, no map.
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Release)) == 0
    assert db.session.scalar(select(func.count()).select_from(PseudonymMap)) == 0
    # A release confirms the text the preview showed, or is refused.
    with pytest.raises(ReleaseError, match="changed since the preview") as refused:
        services.release(interviewer, interview, **{**choices, "renames": {}},
                         previewed=plan.digest)  # fmt: skip
    assert refused.value.field == "preview"
    db.session.rollback()
    entry = services.release(interviewer, interview, **choices, previewed=plan.digest)
    assert entry.text == plan.text


def test_researchers_read_only_the_newest_version_and_no_notes(world, make_user):
    interviewer, interview_with = world
    researcher = make_user(roles=[Role.RESEARCHER])
    _, transcript = interview_with()
    _, first = release_all(interviewer, transcript)
    _, second = release_all(interviewer, transcript, note="Rättade Birgitta Lunds efternamn.")
    assert services.read_release(researcher, second) is second
    with pytest.raises(PermissionDenied):
        services.read_release(researcher, first)
    db.session.rollback()


def test_the_researcher_page_shows_no_team_note(world, client, auth):
    interviewer, interview_with = world
    _, transcript = interview_with()
    _, entry = release_all(interviewer, transcript, note="Birgitta Lund heter hon.")
    auth.login(Role.RESEARCHER)
    page = client.get(f"/releases/{entry.id}").get_data(as_text=True)
    assert "Birgitta" not in page and "[Person 1]" in page


def test_memos_of_an_interview_without_a_recording_are_released(world, client, auth):
    interviewer, interview_with = world
    interview, transcript = interview_with()
    # A second interview of the same young person, documented with memos only.
    other, _ = interview_with()
    for version in list(other.transcripts):
        db.session.delete(version)
    other.transcripts.clear()
    other.status = Status.CONDUCTED.value
    db.session.commit()
    guide = other.guide_version.guide
    first, closing = guide.sections[0], guide.closing
    interviews.save_memo(interviewer, other, first.key, "Hon bodde hos Birgitta i Kil.\n\n"
                         "Elias hälsade på.", 0)  # fmt: skip
    interviews.save_memo(interviewer, other, closing.key, "Birgittas hund var snäll.", 0)
    interviews.advance(interviewer, other, Status.DOCUMENTED)
    with pytest.raises(ReleaseError, match="Only a verified"):
        services.propose(interviewer, other)
    interviews.advance(interviewer, other, Status.VERIFIED)
    db.session.commit()
    release_all(interviewer, transcript)  # the transcript numbers first
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{other.id}").get_data(as_text=True)
    assert f"/releases/review/{other.id}" in page
    found, proposals = services.propose(interviewer, other)
    assert found.transcript is None and [s["section"] for s in found.segments] == [
        first.title,
        first.title,
        closing.title,
    ]
    db.session.rollback()
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    memo_release = services.release(interviewer, other, accepted=accepted, additions=[],
                                    renames={})  # fmt: skip
    db.session.commit()
    assert memo_release.transcript_id is None and other.status == Status.RELEASED.value
    text = memo_release.text
    assert "Birgitta" not in text and "Elias" not in text
    same = {p.text: p.placeholder for p in services.propose(interviewer, interview)[1]}
    assert same["Birgitta"] in text and same["Elias"] in text  # one map per young person
    db.session.rollback()
    shown = client.get(f"/releases/{memo_release.id}").get_data(as_text=True)
    assert f">{first.title}</h2>" in shown and "[Person 1]s hund var snäll." in shown


def test_an_added_passage_named_like_a_placeholder_joins_it(world):
    interviewer, interview_with = world
    nickname = TUVA.replace(b"Tuvas hund", b"Mamsens hund").replace(b"Ja, ", b"Ja, mamsen, ")
    interview, transcript = interview_with(srt=nickname)
    interview.participant.people.append(RelatedPerson(relation="foster_parent",
                                                      name="Tuva Björk"))  # fmt: skip
    db.session.commit()
    proposals = services.propose(interviewer, transcript.interview)[1]
    # The reviewer adds the nickname the search missed (or unticks what it found of it).
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals
                if "mamsen" not in p.text.lower()]  # fmt: skip
    missed = [("mamsen", "PERSON", "Person 1"), ("Mamsens", "PERSON", "Person 1")]
    plan = services.preview(interviewer, interview, accepted=accepted, additions=missed,
                            renames={})  # fmt: skip
    assert len(plan.merged) == 1 and "[Person 1]" in plan.merged
    assert {m.surface for m in plan.marks if m.added} == {"mamsen", "Mamsens"}
    entry = services.release(interviewer, interview, accepted=accepted, renames={},
                             additions=missed, previewed=plan.digest)  # fmt: skip
    assert "amsen" not in entry.text and "[Person 2]" not in entry.text
    assert entry.text.count("[Person 1]") == 5
    entries = PseudonymMap.query.one().entry_dict
    assert entries["PERSON:mamsen"]["placeholder"] == entries["PERSON:tuva björk"]["placeholder"]


def test_a_short_name_released_alone_keeps_the_number_the_page_showed(world):
    """ "Tuva Björk" is left unticked but "Tuva" is released: it keeps the placeholder the
    review page showed it with, not a new number."""
    interviewer, interview_with = world
    interview, transcript = interview_with(srt=TUVA)
    proposals = services.propose(interviewer, transcript.interview)[1]
    shown = {p.text: p.placeholder for p in proposals}
    assert shown["Tuva"] == shown["Tuva Björk"] == "[Person 1]"
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals if p.text != "Tuva Björk"]
    plan = services.preview(interviewer, interview, accepted=accepted, additions=[], renames={})
    assert {m.surface: m.placeholder for m in plan.marks}["Tuva"] == "[Person 1]"
    db.session.rollback()
