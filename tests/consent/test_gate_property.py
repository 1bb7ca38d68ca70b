"""No data path can leak what consent does not cover: random consent histories, every path.

Hypothesis draws a birth date around the 18th birthday on the interview day and a history of
grants (by the young person or a guardian, any scopes) and withdrawals (any scopes). A small
model written here, independent of the gate, says which scopes are in force after each step
and which steps the services must refuse. After every step each path in ``gate.PATHS`` is
probed through the real service, and the gate's SQL twin (``gate.sql_allows``) must select
the interview exactly when ``allows`` says yes; at the end the pages are probed through HTTP
as well.

A path added to ``gate.PATHS`` must get a probe in ``PROBES``: the first test fails until
it has one.
"""

import io
import wave
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.codebook.models import Code
from app.consent import gate
from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.models import ConsentForm
from app.consent.scopes import Scope
from app.consent.services import ConsentError
from app.consent.texts import FORM_KEY, seed_forms
from app.core import storage
from app.core.db import db
from app.core.users import Role
from app.exchange import export
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Interview, Mode
from app.interviews.services import InterviewError, MemoConflict
from app.releases import services as releases
from app.releases.models import Release
from app.releases.services import ReleaseError
from app.reviews import packs, sessions
from app.reviews.refusals import ReviewError
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope as ThemeScope
from app.transcripts import recordings, transcription, versions
from app.transcripts.models import Recording, Transcript, TranscriptSegment
from app.transcripts.refusals import TranscriptError
from app.workspace.models import Coding
from app.workspace.queries import codable_page

DAY = date(2026, 11, 10)  # the interview day; the tests' today is 2026-11-23
EIGHTEENTH = date(2008, 11, 10)  # born on this day: 18 on the interview day


# --- the model -------------------------------------------------------------------------------


@dataclass
class Model:
    minor: bool
    ended: bool = False
    grants: list[tuple[str, set[Scope]]] = field(default_factory=list)  # (giver, active)

    def active(self, giver: str) -> set[Scope]:
        return set().union(*(s for g, s in self.grants if g == giver))

    def in_force(self) -> set[Scope]:
        if self.ended:
            return set()
        young = self.active("young_person")
        scopes = young & self.active("guardian") if self.minor else young
        return scopes if Scope.PARTICIPATION in scopes else set()

    def grant(self, giver: str, scopes: set[Scope]) -> bool:
        """Apply a grant; False if the service must refuse it."""
        if self.ended or not scopes or Scope.PARTICIPATION not in scopes:
            return False
        if giver == "guardian" and not self.minor:
            return False
        self.grants.append((giver, set(scopes)))
        return True

    def withdraw(self, giver: str, scopes: set[Scope]) -> bool:
        """The young person's withdrawal ends a scope for everyone, a guardian's only the
        guardian's consent; withdrawing taking part ends everything."""
        if self.ended or not scopes:
            return False
        everything = Scope.PARTICIPATION in scopes
        if everything:
            scopes = set(Scope)
        if giver == "guardian" and not self.minor:
            return False
        ends = [a for g, a in self.grants if everything or giver == "young_person" or g == giver]
        granted = set().union(*ends)
        if not everything and not scopes <= granted:
            return False
        if not scopes & granted:
            return False
        for active in ends:
            active -= scopes
        self.ended = everything
        return True


# --- probes: each path through the real service ------------------------------------------------


def probe_memos_read(interviewer, interview) -> bool:
    try:
        interviews.read_memos(interviewer, interview)
    except ConsentMissing:
        return False
    return True


def probe_memos_write(interviewer, interview) -> bool:
    memo = next((m for m in interview.memos if m.section_key == "network"), None)
    try:
        interviews.save_memo(interviewer, interview, "network", "A probe",
                             memo.revision if memo else 0)  # fmt: skip
    except ConsentMissing:
        return False
    except (InterviewError, MemoConflict):
        return True  # the gate let it through; the interview's state refused
    return True


def probe_conduct(interviewer, interview) -> bool:
    try:
        interviews.conduct(interviewer, interview, DAY)
    except ConsentMissing:
        return False
    except InterviewError:
        return True  # already conducted: the gate let it through
    return True


def _silence() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 8000)
    return out.getvalue()


SILENCE = _silence()


def _through(call) -> bool:
    """True if the gate let ``call`` through (whatever the service then decided)."""
    try:
        call()
    except ConsentMissing:
        return False
    except (TranscriptError, InterviewError, ReleaseError):
        return True
    return True


def probe_audio_upload(interviewer, interview) -> bool:
    return _through(lambda: recordings.upload_recording(
        interviewer, interview, io.BytesIO(SILENCE), "probe.wav"))  # fmt: skip


def probe_audio_play(interviewer, interview) -> bool:
    def play():
        recordings.open_audio(interviewer, interview.recordings[0]).close()

    return _through(play)


def probe_audio_transcribe(interviewer, interview) -> bool:
    recording = interview.recordings[0]
    allowed = _through(lambda: transcription.start_transcription(interviewer, recording))
    db.session.rollback()  # a queued job would run at the commit; the gate is what is probed
    return allowed


def probe_transcript_read(interviewer, interview) -> bool:
    if not interview.transcripts:  # erased: only a withdrawal of taking part does that
        assert interview.status == "withdrawn"
        return False
    return _through(lambda: versions.read_transcript(interviewer, interview.transcripts[0]))


def probe_transcript_write(interviewer, interview) -> bool:
    return _through(lambda: versions.import_transcript(
        interviewer, interview, b"Interviewer: A probe", "probe.txt"))  # fmt: skip


def probe_transcript_release(interviewer, interview) -> bool:
    if not interview.transcripts:
        assert interview.status == "withdrawn"
        return False
    return _through(lambda: releases.propose(interviewer, interview))


def probe_research_read(researcher, interview) -> bool:
    if not interview.releases:
        assert interview.status == "withdrawn"
        return False
    allowed = _through(lambda: releases.read_release(RESEARCHER[0], interview.releases[0]))
    # the coding start page lists, a page at a time, exactly what may be read
    listed, _total, _years = codable_page(RESEARCHER[0], 1)
    assert any(r.interview_id == interview.id for r in listed) == allowed
    return allowed


def probe_coding_export(researcher, interview) -> bool:
    if not interview.releases:
        assert interview.status == "withdrawn"
        return False
    _, exported = export.export_project(RESEARCHER[0])
    return interview.releases[0] in exported


def probe_review_quote(interviewer, interview) -> bool:
    if not interview.releases:
        assert interview.status == "withdrawn"
        return False
    release, coordinator = interview.releases[-1], COORDINATOR[0]
    code = Code(name="Probe")
    db.session.add(code)
    db.session.flush()
    db.session.add(Coding(release_id=release.id, code_id=code.id, coder_id=coordinator.id,
                          start_offset=0, end_offset=min(5, release.text_length)))  # fmt: skip
    themes.save_theme(coordinator, None, name="Probe", description="", formed_year=2026,
                      revised_year=None, code_ids=[code.id])  # fmt: skip
    session = sessions.create_session(
        coordinator, title="Probe", year=2026, held_on=DAY, scope_from=None, scope_to=None,
        members=[coordinator],
    )  # fmt: skip
    try:
        pack = packs.build_pack_now(coordinator, session)
    except ReviewError:  # nothing taken part in is released: no pack, so no quote
        db.session.rollback()
        return False
    quoted = interview.id in pack.quoted_ids
    db.session.rollback()
    return quoted


def _counted(path: str, interview) -> bool:
    """Whether the theme counts for ``path`` take the interview in: every count is made of
    ``current_releases`` (earlier examples' interviews are in the database too, so the
    probe looks for this one)."""
    if not interview.releases:
        assert interview.status == "withdrawn"
        return False
    r = aggregates.current_releases(ThemeScope(path=path))
    return db.session.scalar(select(r.c.interview_id).where(r.c.interview_id == interview.id)) \
        is not None  # fmt: skip


def probe_themes_count(interviewer, interview) -> bool:
    return _counted("themes.count", interview)


def probe_research_count(interviewer, interview) -> bool:
    return _counted("research.count", interview)


def probe_letters_send(interviewer, interview) -> bool:
    """Whether the letter after the review may go to the interview's participant (an
    address missing is no matter of consent)."""
    from app.letters.queries import consent_reason

    return consent_reason(interview) is None


def sql_allows(path: str, interview) -> bool:
    """The gate's SQL twin, asked about this interview."""
    return db.session.scalar(
        select(Interview.id).where(Interview.id == interview.id, gate.sql_allows(path))
    ) is not None  # fmt: skip


#: the researcher and coordinator of the running example (the probes take the interviewer)
RESEARCHER = [None]
COORDINATOR = [None]

PROBES = {
    "memos.read": probe_memos_read,
    "memos.write": probe_memos_write,
    "interview.conduct": probe_conduct,
    "audio.upload": probe_audio_upload,
    "audio.play": probe_audio_play,
    "audio.transcribe": probe_audio_transcribe,
    "transcript.read": probe_transcript_read,
    "transcript.write": probe_transcript_write,
    "transcript.release": probe_transcript_release,
    "research.read": probe_research_read,
    "coding.export": probe_coding_export,
    "review.quote": probe_review_quote,
    "themes.count": probe_themes_count,
    "research.count": probe_research_count,
    "letters.send": probe_letters_send,
}


def test_every_path_has_a_probe():
    assert set(PROBES) == set(gate.PATHS)


# --- histories -------------------------------------------------------------------------------

scope_sets = st.sets(st.sampled_from(list(Scope)), max_size=len(Scope))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.sampled_from(["young_person", "guardian"]), scope_sets),
        st.tuples(st.just("withdraw"), st.sampled_from(["young_person", "guardian"]), scope_sets),
    ),
    min_size=1,
    max_size=7,
)


@pytest.fixture
def world(app, make_user):
    sync_guides()
    seed_forms()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])
    RESEARCHER[0] = make_user(roles=[Role.RESEARCHER])
    COORDINATOR[0] = coordinator
    db.session.commit()
    return coordinator, interviewer


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(days_from_eighteen=st.integers(min_value=-400, max_value=400), history=steps)
def test_no_path_leaks_what_consent_does_not_cover(
    world, make_participant, make_offer, client, days_from_eighteen, history
):
    coordinator, interviewer = world
    born = EIGHTEENTH + timedelta(days=days_from_eighteen)
    participant = make_participant(birth_date=born, placement={"started_on": date(2010, 1, 1)})
    offer = make_offer(participant.placements[0], answer="accepted",
                       interviewer_id=interviewer.id)  # fmt: skip
    interview = interviews.book(
        coordinator, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place="Office",
        mode=Mode.IN_PERSON, interviewer=interviewer, language="en",
    )  # fmt: skip
    # A recording and a transcript for the audio and transcript paths to reach for.
    stored = storage.save(io.BytesIO(SILENCE), "audio")
    db.session.add_all([
        Recording(interview=interview, stored_name=stored.name, size=stored.size,
                  sha256=stored.sha256, file_type="wav", duration=1.0),
        transcript := Transcript(interview=interview, version=1, source="import",
            made_by=".txt", segments=[TranscriptSegment(position=0, text="Said before")]),
        Release(interview=interview, transcript=transcript, version=1,
                content='[{"text": "Said before", "speaker": null}]'),
    ])  # fmt: skip
    db.session.commit()
    model = Model(minor=born > EIGHTEENTH)
    assert gate.guardian_required(interview) is model.minor
    assert interview.guardian_needed is model.minor  # stamped for the SQL twin
    form = ConsentForm.latest(FORM_KEY, "en")

    for action, giver, scopes in history:
        if action == "grant":
            expected = model.grant(giver, scopes)
            try:
                consent.record(
                    interviewer, interview, giver=giver, scopes=list(scopes), form=form,
                    method="verbal", witness="A colleague", given_on=DAY,
                    guardian_name="A guardian" if giver == "guardian" else None,
                )  # fmt: skip
                done = True
            except ConsentError:
                done = False
        else:
            expected = model.withdraw(giver, scopes)
            try:
                consent.withdraw(coordinator, interview, scopes=list(scopes), giver=giver,
                                 withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip
                done = True
            except ConsentError:
                done = False
        assert done is expected, (action, giver, scopes)
        db.session.commit()

        covered = model.in_force()
        assert gate.scopes_in_force(interview) == covered
        for path, probe in PROBES.items():
            allowed = probe(interviewer, interview)
            db.session.commit()
            assert allowed is (gate.PATHS[path] in covered), (path, covered)
            assert (gate.consenting([interview], path) == [interview]) is allowed
            assert sql_allows(path, interview) is allowed, (path, covered)

    if model.ended:
        assert interview.memos == [] and interview.status == "withdrawn"
        assert interview.transcripts == [] and not any(r.live for r in interview.recordings)
        assert not offer.is_open  # interviewed before the withdrawal, or closed as declined
    # The pages, through HTTP, as the interviewer holding the interview.
    client.post("/login", data={"username": interviewer.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    page = client.get(f"/interviews/{interview.id}/memos")
    assert (page.status_code == 200) is (Scope.PARTICIPATION in model.in_force())
    if page.status_code == 403:
        assert "Nothing was shown or changed" in page.get_data(as_text=True)
    client.post("/logout")
