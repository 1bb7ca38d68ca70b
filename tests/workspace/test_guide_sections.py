"""Passages linked to the interview guide: suggested sections, the interviewer's
confirmation, and retrieval by guide section and question across guide versions."""

import csv
import io
import re
import shutil
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from app.codebook import services as codebook_services
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.guides.files import load_file
from app.guides.models import GuideVersion
from app.guides.services import FOLDER, sync_guides
from app.interviews import services as interviews
from app.interviews.models import Status
from app.releases import services
from app.transcripts import guide_links
from app.transcripts.refusals import TranscriptError
from app.workspace import retrieval
from app.workspace import services as workspace
from tests.codebook.sample import a_code, span_of
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)

SRT = """1
00:00:01,000 --> 00:00:05,000
Intervjuare: Vill du börja med att berätta lite om hur ditt liv ser ut just nu?

2
00:00:05,500 --> 00:00:12,000
Den unga: Jag bor i en egen lägenhet och jobbar på ett lager.

3
00:00:12,500 --> 00:00:16,000
Intervjuare: Vad minns du av när du flyttade till familjehemmet?

4
00:00:16,500 --> 00:00:22,000
Den unga: Jag var åtta år. Jag hade en svart sopsäck med kläder.

5
00:00:22,500 --> 00:00:26,000
Intervjuare: Kände du att du hörde till i familjen?

6
00:00:26,500 --> 00:00:33,000
Den unga: Ja, efter ett tag. De gav aldrig upp om mig.
""".encode()

SECTIONS = [
    ("life_now", "life_now_overview"),
    ("life_now", "life_now_overview"),
    ("placement", "arrival_memories"),
    ("placement", "arrival_memories"),
    ("foster_family", "belonging"),
    ("foster_family", "belonging"),
]


def withdraw(interviewer, interview, scope):
    consent.withdraw(interviewer, interview, scopes=[scope], giver="young_person",
                     withdrawn_on=date(2026, 11, 20), channel="phone")  # fmt: skip


def shown(transcript):
    return [(r.section_key, r.question_key) for r in guide_links.rows(transcript)]


def test_sections_are_suggested_and_confirmed_only_when_the_interviewer_says_so(world):  # noqa: F811
    interviewer, interview_with = world
    _, transcript = interview_with(srt=SRT)
    rows = guide_links.rows(transcript)
    assert [(r.section_key, r.question_key) for r in rows] == SECTIONS
    assert [r.starts for r in rows] == [True, False, True, False, True, False]
    assert not any(r.confirmed for r in rows)
    assert all(s.guide_section is None for s in transcript.segments)  # nothing stored yet

    assert guide_links.confirm_all(interviewer, transcript) == 6
    db.session.commit()
    stored = [(s.guide_section, s.guide_question) for s in transcript.segments]
    assert stored == SECTIONS
    assert all(s.guide_confirmed_by_id == interviewer.id for s in transcript.segments)

    # one changed: the answer after it follows; one cleared: it answers no question
    guide_links.set_link(interviewer, transcript, 2, "why_placed")
    guide_links.set_link(interviewer, transcript, 5, None)
    db.session.commit()
    assert shown(transcript)[2:] == [("placement", "why_placed"), ("placement", "arrival_memories"),
                                     ("foster_family", "belonging"), (None, None)]  # fmt: skip
    assert transcript.segments[5].guide_confirmed_at is not None
    with pytest.raises(TranscriptError, match="question of the interview's guide"):
        guide_links.set_link(interviewer, transcript, 1, "no_such_question")
    with pytest.raises(TranscriptError, match="no longer exists"):
        guide_links.set_link(interviewer, transcript, 99, None)
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "transcript.guide_links")).all()  # fmt: skip
    assert len(actions) == 3


def test_only_the_interviewer_with_consent_links_a_transcript(world, make_user):  # noqa: F811
    interviewer, interview_with = world
    interview, transcript = interview_with(srt=SRT)
    for role in (Role.INTERVIEWER, Role.COORDINATOR, Role.RESEARCHER):
        with pytest.raises(PermissionDenied):
            guide_links.confirm_all(make_user(roles=[role]), transcript)
    withdraw(interviewer, interview, Scope.RESEARCH_USE)
    guide_links.confirm_all(interviewer, transcript)  # research use is not needed
    db.session.commit()
    assert transcript.verified  # the links change no word of it: a verified one is linked too


def test_the_confirmation_page(world, client, auth, make_user):  # noqa: F811
    interviewer, interview_with = world
    _, transcript = interview_with(srt=SRT)
    url = f"/transcripts/{transcript.id}/guide"
    auth.login(user=interviewer)
    page = client.get(url).get_data(as_text=True)
    assert "Kände du att du hörde till i familjen?" in page and "suggested" in page
    assert 'data-confirmed="no"' in page and 'data-confirmed="yes"' not in page
    assert "Confirm all suggestions" in page
    assert client.post(url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'data-confirmed="no"' not in page and "confirmed" in page
    change = client.get(f"{url}/3").get_data(as_text=True)
    assert "en svart sopsäck" in change
    assert '<option selected value="arrival_memories">' in change
    done = client.post(f"{url}/3", data={"question": "explained"})
    assert done.status_code == 302
    assert transcript.segments[3].guide_question == "explained"
    assert client.post(f"{url}/3", data={"question": ""}).status_code == 302
    db.session.refresh(transcript.segments[3])
    assert transcript.segments[3].guide_section is None
    assert transcript.segments[3].guide_confirmed_at is not None
    reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "transcript.read"))
    assert len(reads.all()) >= 3
    auth.logout()
    auth.login(user=make_user(roles=[Role.INTERVIEWER]))
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/3", data={"question": ""}).status_code in (400, 403)


@pytest.mark.parametrize(("language", "message"), [("sv", "Inget giltigt val."),
                                                   ("da", "Ikke et gyldigt valg.")])  # fmt: skip
def test_a_tampered_choice_changes_nothing_and_keeps_the_segments_question(
    world,  # noqa: F811
    client,
    auth,
    language,
    message,
):
    interviewer, interview_with = world
    _, transcript = interview_with(srt=SRT)
    guide_links.set_link(interviewer, transcript, 3, "arrival_memories")
    interviewer.language = language
    db.session.commit()
    auth.login(user=interviewer)
    answer = client.post(f"/transcripts/{transcript.id}/guide/3", data={"question": "x' or 1"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in page
    assert "Not a valid choice." not in page
    # the segment's own question stays selected, so saving again keeps it
    assert '<option selected value="arrival_memories">' in page
    assert re.search(r'<option selected value="">', page) is None
    db.session.refresh(transcript.segments[3])
    assert transcript.segments[3].guide_question == "arrival_memories"


def test_a_question_changed_goes_on_to_its_confirmed_answers(world, client, auth):  # noqa: F811
    interviewer, interview_with = world
    _, transcript = interview_with(srt=SRT)
    guide_links.confirm_all(interviewer, transcript)
    db.session.commit()
    auth.login(user=interviewer)
    url = f"/transcripts/{transcript.id}/guide"
    form = client.get(f"{url}/2").get_data(as_text=True)
    assert re.search(r'<input checked id="carry" name="carry" type="checkbox" value="y">', form)
    assert 'name="carry"' not in client.get(f"{url}/3").get_data(as_text=True)  # an answer
    assert client.post(f"{url}/2", data={"question": "why_placed", "carry": "y"}).status_code == 302
    db.session.expire_all()
    # the answer after it follows; the next question and its answer keep theirs
    placed, belonging = ("placement", "why_placed"), ("foster_family", "belonging")
    assert shown(transcript)[2:] == [placed, placed, belonging, belonging]
    assert all(s.guide_confirmed_at is not None for s in transcript.segments)
    # unticked: only the question segment changes
    client.post(f"{url}/2", data={"question": "explained"})
    db.session.expire_all()
    assert shown(transcript)[2:4] == [("placement", "explained"), ("placement", "why_placed")]
    # a change of an answer segment never carries
    assert guide_links.set_link(interviewer, transcript, 3, "belonging", carry=True) == 0
    assert guide_links.set_link(interviewer, transcript, 0, "typical_week", carry=True) == 1
    assert shown(transcript)[:3] == [("life_now", "typical_week")] * 2 + [
        ("placement", "explained")
    ]


def test_the_swedish_guide_page_calls_coded_passages_as_the_menu_does(world, client, auth):  # noqa: F811
    interviewer, interview_with = world
    _, transcript = interview_with(srt=SRT)
    interviewer.language = "sv"
    db.session.commit()
    auth.login(user=interviewer)
    page = client.get(f"/transcripts/{transcript.id}/guide").get_data(as_text=True)
    assert "kodade passager hämtas" in page and "kodade avsnitt" not in page
    # the wide table scrolls in its own box, named by its caption (the page's script makes
    # the box a focusable region when it overflows)
    assert re.search(r'<div class="table-scroll">\s*<table class="guide-links"', page)
    assert '<caption class="visually-hidden">Utskriftens segment' in page


def second_version(tmp_path):
    """The Swedish guide as version 2: a question reworded, one added before it."""
    folder = tmp_path / "guides"
    folder.mkdir()
    path = folder / "karlstad-follow-up.sv.yaml"
    shutil.copy(FOLDER / path.name, path)
    text = path.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    old = '      - key: belonging\n        text: "Kände du att du hörde till i familjen?"'
    assert old in text
    text = text.replace(old, '      - key: first_meal\n        text: "Minns du den första '
                        'middagen i familjen?"\n      - key: belonging\n        text: "Kände '
                        'du att du verkligen hörde till i familjen?"')  # fmt: skip
    path.write_text(text, encoding="utf-8")
    assert load_file(path).version == 2
    return folder


def test_retrieval_finds_a_question_by_its_key_in_two_guide_versions(world, make_user, tmp_path):  # noqa: F811
    interviewer, interview_with = world
    boss = make_user(roles=[Role.COORDINATOR])
    anna = make_user(roles=[Role.RESEARCHER])
    codebook_services.seed_codebook(boss)
    first, transcript1 = interview_with(srt=SRT)
    sync_guides(second_version(tmp_path))
    v2 = SRT.decode().replace("du hörde till", "du verkligen hörde till").encode()
    second, transcript2 = interview_with(srt=v2)
    assert (first.guide_version.version, second.guide_version.version) == (1, 2)
    _, transcript3 = interview_with(srt=SRT)  # suggested only: never found by section
    for transcript in (transcript1, transcript2):
        guide_links.confirm_all(interviewer, transcript)
    db.session.commit()
    releases = [release_all(interviewer, t)[1] for t in (transcript1, transcript2, transcript3)]
    code = a_code()
    for release in releases:
        for words in ("De gav aldrig upp om mig", "svart sopsäck"):
            workspace.apply(anna, release, code.id, *span_of(release, words))
    db.session.commit()

    def found(**query):
        passages = retrieval.passages(anna, retrieval.Query(code_id=code.id, **query))
        return sorted((p.release.id, p.text) for p in passages)

    assert len(found()) == 6
    belonging = [(releases[0].id, "De gav aldrig upp om mig"),
                 (releases[1].id, "De gav aldrig upp om mig")]  # fmt: skip
    assert found(guide_section="foster_family") == belonging
    assert found(guide_question="belonging") == belonging
    assert found(guide_section="placement", guide_question="belonging") == []
    assert [t for _, t in found(guide_question="arrival_memories")] == ["svart sopsäck"] * 2
    assert found(guide_question="first_meal") == []

    everything = retrieval.passages(anna, retrieval.Query(code_id=code.id), for_export=True)
    names = {"foster_family": "Familjehemmet", "placement": "Placeringen"}
    exported = retrieval.export_csv(everything, names).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    column = len(rows[0]) - 1  # the last column: the guide section
    assert sorted(r[column] for r in rows[1:]) == ["", "", "Familjehemmet", "Familjehemmet",
                                                   "Placeringen", "Placeringen"]  # fmt: skip
    docx = Document(io.BytesIO(retrieval.export_docx(everything, "Passager", names)))
    assert sum("Familjehemmet" in p.text for p in docx.paragraphs) == 2

    # consent still decides: without research use the researcher finds none of it
    withdraw(interviewer, first, Scope.RESEARCH_USE)
    db.session.commit()
    assert found(guide_section="foster_family") == [belonging[1]]


def test_the_retrieval_form_offers_the_sections_in_the_readers_language(world, client, auth):  # noqa: F811
    assert world and GuideVersion.latest("karlstad-follow-up", "en") is not None
    auth.login(Role.RESEARCHER)
    page = client.get("/coding/retrieve").get_data(as_text=True)
    assert 'name="section"' in page and 'name="question"' in page
    assert "Guide section" in page and ">Life now</option>" in page


@pytest.mark.parametrize("language", ["sv", "da"])
def test_a_question_only_another_guide_has_is_offered_once_in_its_own_language(
    world,  # noqa: F811
    client,
    auth,
    make_user,
    language,
):
    assert world
    auth.login(user=make_user(roles=[Role.RESEARCHER], language=language))
    page = client.get("/coding/retrieve").get_data(as_text=True)
    select_html = page[page.index('name="question"') :]
    select_html = select_html[: select_html.index("</select>")]
    values = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
    assert len(values) == len(set(values))  # each stable key once
    # only the English guide asks about the daytime: labelled in English, marked as such
    daytime = re.search(r'<option([^>]*)value="daytime"([^>]*)>([^<]*)<', select_html)
    assert 'lang="en"' in daytime.group(1) + daytime.group(2)
    assert daytime.group(3).startswith("Life now – What do you do in the daytime")
    # one in the page's own language is not marked
    belonging = re.search(r'<option([^>]*)value="belonging"([^>]*)>', select_html)
    assert "lang=" not in belonging.group(1) + belonging.group(2)
    # a section only another language has is marked too, in the section filter
    sections = page[page.index('name="section"') :]
    sections = sections[: sections.index("</select>")]
    assert 'lang="' not in re.search(r'<option[^>]*value="placement"[^>]*>', sections).group(0)


def test_a_memo_is_found_by_the_section_it_was_written_under(world, make_user):  # noqa: F811
    interviewer, interview_with = world
    boss = make_user(roles=[Role.COORDINATOR])
    codebook_services.seed_codebook(boss)
    memos, _ = interview_with()
    for version in list(memos.transcripts):  # documented with memos only, as in the releases'
        db.session.delete(version)  # own test
    memos.transcripts.clear()
    memos.status = Status.CONDUCTED.value
    db.session.commit()
    interviews.save_memo(interviewer, memos, "foster_family", "Hon kände sig hemma direkt.", 0)
    interviews.save_memo(interviewer, memos, "network", "Vännerna från fotbollen.", 0)
    interviews.advance(interviewer, memos, Status.DOCUMENTED)
    interviews.advance(interviewer, memos, Status.VERIFIED)
    db.session.commit()
    _, transcript = interview_with(srt=SRT)  # a transcript nobody has confirmed
    releases = [release_all(interviewer, transcript)[1]]
    proposals = services.propose(interviewer, memos)[1]
    accepted = [(p.start, p.end, p.label, p.text) for p in proposals]
    releases.append(services.release(interviewer, memos, accepted=accepted, additions=[],
                                     renames={}))  # fmt: skip
    code = a_code()
    for words in ("kände sig hemma", "Vännerna", "De gav aldrig upp om mig"):
        release = next(r for r in releases if words in r.text)
        workspace.apply(boss, release, code.id, *span_of(release, words))
    db.session.commit()
    found = retrieval.passages(
        boss, retrieval.Query(code_id=code.id, guide_section="foster_family")
    )
    assert [(p.text, p.sections) for p in found] == [("kände sig hemma", ("foster_family",))]
