"""Coding released text: who may code what, the workspace and its JSON endpoints, retrieval
of coded passages, and suggestions."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.codebook import services as codebook_services
from app.codebook.queries import codebook
from app.codebook.services import CodingError
from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.scopes import Scope
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.exchange import export
from app.workspace import access, retrieval
from app.workspace import services as workspace
from app.workspace.models import Coding
from app.workspace.queries import codable_releases, saved_summary
from tests.codebook.sample import a_code, span_of
from tests.releases.test_releases import release_all


def test_codes_are_applied_with_code_point_offsets(coded):
    anna, release = coded["anna"], coded["release"]
    start, end = span_of(release, "kök var varmt")
    coding = workspace.apply(anna, release, a_code().id, start, end, memo="Värme")
    db.session.commit()
    assert release.text[coding.start_offset : coding.end_offset] == "kök var varmt"
    with pytest.raises(CodingError, match="outside the text"):
        workspace.apply(anna, release, a_code().id, 0, len(release.text) + 1)
    with pytest.raises(CodingError, match="outside the text"):
        workspace.apply(anna, release, a_code().id, 5, 5)
    with pytest.raises(CodingError, match="outside the text"):
        workspace.apply(anna, release, a_code().id, False, True)
    with pytest.raises(CodingError, match="does not exist"):
        workspace.apply(anna, release, 2**70, start, end)
    with pytest.raises(CodingError, match="does not exist"):
        workspace.apply(anna, release, 99999, start, end)
    category = next(c for c in codebook() if not c.codable)
    with pytest.raises(CodingError, match="category"):
        workspace.apply(anna, release, category.id, start, end)
    with pytest.raises(CodingError, match="Only the coder"):
        workspace.remove(coded["ben"], coding)
    workspace.remove(anna, coding)


def test_researchers_code_only_with_research_use_consent(coded):
    interviewer, interview_with = coded["interviewer"], coded["interview_with"]
    _, transcript = interview_with(scopes=(Scope.PARTICIPATION,))
    _, team_only = release_all(interviewer, transcript)
    with pytest.raises(ConsentMissing):
        workspace.apply(coded["anna"], team_only, a_code().id, 0, 4)
    assert team_only not in codable_releases(coded["anna"])
    # the coordinator codes it for the team
    workspace.apply(coded["boss"], team_only, a_code().id, 0, 4)
    with pytest.raises(PermissionDenied):
        workspace.apply(interviewer, coded["release"], a_code().id, 0, 4)


def test_withdrawing_research_use_stops_coding_and_export(coded):
    anna, release = coded["anna"], coded["release"]
    workspace.apply(anna, release, a_code().id, 0, 5)
    db.session.commit()
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    db.session.commit()
    with pytest.raises(ConsentMissing):
        access.read_release(anna, release)
    _, exported = export.export_project(anna)
    assert exported == [coded["release2"]]  # only the other interview


def test_an_older_release_is_not_coded(coded):
    interviewer, release = coded["interviewer"], coded["release"]
    release_all(interviewer, release.transcript)
    with pytest.raises(PermissionDenied):
        workspace.apply(coded["anna"], release, a_code().id, 0, 4)


def test_retrieval_combinations_filters_and_safe_csv(coded):
    anna, ben, release = coded["anna"], coded["ben"], coded["release"]
    a, b = a_code(0), a_code(1)
    workspace.apply(anna, release, a.id, 0, 10)
    workspace.apply(anna, release, b.id, 5, 15)  # overlaps the first
    far = len(release.text) - 4
    workspace.apply(ben, release, a.id, far, far + 3, memo='=HYPERLINK("x")')
    db.session.commit()
    everything = retrieval.passages(anna, retrieval.Query(code_id=a.id))
    assert len(everything) == 2 and everything[0].text == release.text[0:10]
    both = retrieval.passages(anna, retrieval.Query(code_id=a.id, combine="and", other_id=b.id))
    assert [p.coding.start_offset for p in both] == [0]
    only = retrieval.passages(anna, retrieval.Query(code_id=a.id, combine="not", other_id=b.id))
    assert [p.coding.start_offset for p in only] == [far]
    near = retrieval.passages(anna, retrieval.Query(code_id=a.id, combine="near", other_id=b.id))
    assert len(near) == 2  # a short text: everything is near
    by_ben = retrieval.passages(anna, retrieval.Query(code_id=a.id, coder_id=ben.id))
    assert [p.coding.coder_id for p in by_ben] == [ben.id]
    # a category retrieves its codes' passages
    assert len(retrieval.passages(anna, retrieval.Query(code_id=a.parent_id))) == 3
    year, age_band, _ = retrieval.attributes(release)
    assert year == 2026 and age_band == "25+"
    assert retrieval.passages(anna, retrieval.Query(code_id=a.id, year=2025)) == []
    csv = retrieval.export_csv(everything).decode("utf-8")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ";=HYPERLINK" not in csv
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action ==
                                                       "coding.retrieve")).first()  # fmt: skip


def test_suggestions_come_from_keywords_and_are_never_applied(coded):
    anna, boss, release = coded["anna"], coded["boss"], coded["release"]
    code = codebook_services.save_code(boss, None, name="Skolan", keywords="gymnasium, skola, kör*",
                              definition="Skola och utbildning.")  # fmt: skip
    start, end = span_of(release, "Hon körde mig till")
    found = workspace.suggestions(anna, release, start, end)
    mine = next(s for s in found if s["code"] == code.id)
    assert mine["triggers"] == ["körde"] and 0 < mine["score"] <= 1
    assert not db.session.scalars(select(Coding).where(Coding.code_id == code.id)).all()
    with pytest.raises(CodingError, match="outside"):
        workspace.suggestions(anna, release, 0, 10**6)


def test_workspace_and_json_endpoints(coded, client, auth):
    anna, release = coded["anna"], coded["release"]
    auth.login(user=anna)
    page = client.get(f"/coding/releases/{release.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="coding-data"' in html and "Birgitta" not in html
    # each code says which language its name is shown in, for the page's lang= (WCAG 3.1.2)
    data = json.loads(html.split('id="coding-data">', 1)[1].split("</script>", 1)[0])
    assert data["codes"] and all(c["lang"] in ("sv", "da", "en") for c in data["codes"])
    code = a_code()
    made = client.post(f"/coding/releases/{release.id}/codings",
                       json={"code": code.id, "start": 0, "end": 4})  # fmt: skip
    assert made.status_code == 201
    coding_id = made.get_json()["id"]
    assert made.get_json()["status"] == "Saved: 1 code on 1 passage."
    bad = client.post(f"/coding/releases/{release.id}/codings",
                      json={"code": code.id, "start": 0, "end": 10**6})  # fmt: skip
    assert bad.status_code == 400 and "outside" in bad.get_json()["error"]
    missing = client.post(f"/coding/releases/{release.id}/codings",
                          json={"code": 424242, "start": 0, "end": 4})  # fmt: skip
    assert missing.status_code == 400
    memo = client.post(f"/coding/codings/{coding_id}", json={"memo": "Viktigt\x01"})
    assert memo.get_json()["memo"] == "Viktigt"
    assert client.post(f"/coding/releases/{release.id}/suggest", json=[1]).status_code == 400
    assert client.get(f"/coding/releases/{release.id}?round={2**70}").status_code == 404
    assert client.get("/coding/retrieve", query_string={"code": 2**70}).status_code == 200
    gone = client.post(f"/coding/codings/{coding_id}", json={"delete": True})
    assert gone.get_json() == {"deleted": coding_id,
                               "status": "Saved: you have no codings in this text."}  # fmt: skip
    suggested = client.post(f"/coding/releases/{release.id}/suggest", json={"start": 0, "end": 20})
    assert suggested.status_code == 200 and "suggestions" in suggested.get_json()
    listing = client.get("/coding/retrieve", query_string={"code": code.id})
    assert listing.status_code == 200
    # "also coded with" and no second code: the form says so beside the second code's field
    lacking = client.get("/coding/retrieve", query_string={"code": code.id, "combine": "and"})
    assert lacking.status_code == 200 and "Choose the second code." in lacking.get_data(
        as_text=True
    )
    download = client.get("/coding/retrieve", query_string={"code": code.id, "format": "docx"})
    assert download.status_code == 200 and download.data[:2] == b"PK"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Saved: 3 codes on 2 passages."),
        ("sv", "Sparat: 3 koder på 2 passager."),
        ("da", "Gemt: 3 koder på 2 passager."),
    ],
)
def test_the_status_after_coding_says_what_is_saved(coded, client, auth, language, expected):
    anna, release = coded["anna"], coded["release"]
    anna.language = language
    db.session.commit()
    auth.login(user=anna)
    url = f"/coding/releases/{release.id}/codings"
    for n, (start, end) in enumerate([(0, 4), (0, 4), (5, 9)]):
        made = client.post(url, json={"code": a_code(n).id, "start": start, "end": end})
    assert made.get_json()["status"] == expected
    workspace.apply(coded["ben"], release, a_code().id, 10, 14)  # another coder's count apart
    db.session.commit()
    assert saved_summary(anna, release) == "Saved: 3 codes on 2 passages."


def test_the_workspace_shows_who_speaks_before_each_segment(coded, client, auth):

    anna, release = coded["anna"], coded["release"]
    marks = workspace.speaker_marks(release)
    segments = release.segments
    spoken = [s for s in segments if s.get("speaker")]
    assert spoken and len(marks) == len(spoken)
    for mark, segment in zip(marks, spoken, strict=True):
        # the mark is where the segment starts in the text the offsets count in
        assert release.text[mark["start"] :].startswith(segment["text"])
        assert mark["speaker"] in {"Interviewer", "Young person", "Other"}
    auth.login(user=anna)
    html = client.get(f"/coding/releases/{release.id}").get_data(as_text=True)
    start = html.index('id="coding-data">') + len('id="coding-data">')
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["speakers"] == marks


@pytest.mark.parametrize(
    ("language", "gone", "not_saved", "outside"),
    [("en", "That code does not exist or has been retired.", "The coding could not be saved.",
      "The selection is outside the text"),
     ("sv", "Den koden finns inte eller har tagits ur bruk.", "Kodningen kunde inte sparas.",
      "Markeringen ligger utanför texten")],
)  # fmt: skip
def test_a_refused_json_body_reads_as_the_service_refusal(coded, client, auth, language, gone,
                                                          not_saved, outside):  # fmt: skip
    """The JSON bodies go through pydantic models, strictly: a value of the wrong JSON type
    is refused with the message the service gives for a value it refuses, translated, and
    nothing is saved."""
    anna, release = coded["anna"], coded["release"]
    anna.language = language
    db.session.commit()
    auth.login(user=anna)
    code, url = a_code(), f"/coding/releases/{release.id}/codings"
    for body, message in [({"code": str(code.id), "start": 0, "end": 4}, gone),
                          ({"code": True, "start": 0, "end": 4}, gone),
                          ({"code": code.id, "start": True, "end": 4}, outside),
                          ({"code": code.id, "start": 0, "end": 4.0}, outside),
                          ({"code": code.id, "start": 0, "end": 4, "memo": 5}, not_saved),
                          (["not", "an", "object"], not_saved)]:  # fmt: skip
        answer = client.post(url, json=body)
        assert answer.status_code == 400 and answer.get_json()["error"].startswith(message)
    assert db.session.scalars(select(Coding)).all() == []
    made = client.post(url, json={"code": code.id, "start": 0, "end": 4}).get_json()
    kept = client.post(f"/coding/codings/{made['id']}", json={"delete": "yes"})
    assert kept.status_code == 400 and kept.get_json()["error"] == not_saved
    assert db.session.get(Coding, made["id"]) is not None
    suggest = client.post(f"/coding/releases/{release.id}/suggest",
                          json={"start": "0", "end": 20})  # fmt: skip
    assert suggest.status_code == 400 and suggest.get_json()["error"].startswith(outside)


def test_the_start_page_lists_the_transcripts_a_page_at_a_time(coded, client, auth,
                                                               monkeypatch):  # fmt: skip
    """Ten thousand transcripts are not one table: a page at a time, of one year if asked,
    each coder's own (the consent gate asked by the database)."""
    from app.workspace import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    first, second = coded["release"], coded["release2"]
    _, transcript = coded["interview_with"](scopes=(Scope.PARTICIPATION,))
    _, team_only = release_all(coded["interviewer"], transcript)
    db.session.commit()
    link = "/coding/releases/{}".format
    auth.login(user=coded["anna"])
    page = client.get("/coding/").get_data(as_text=True)
    assert link(first.id) in page and link(second.id) not in page
    assert "Page 1 of 2" in page and "/coding/?page=2" in page
    page = client.get("/coding/?page=2").get_data(as_text=True)
    assert link(second.id) in page and link(first.id) not in page
    assert link(team_only.id) not in client.get("/coding/?page=3", follow_redirects=True).text
    assert client.get("/coding/?page=9").headers["Location"].endswith("/coding/?page=2")
    assert "Page 1 of 2" in client.get("/coding/?page=x").text  # not a number: left out
    assert link(first.id) in client.get(f"/coding/?year={first.year}").text
    assert "No transcripts open to you are from 1999" in client.get("/coding/?year=1999").text
    auth.logout()
    auth.login(user=coded["boss"])  # the coordinator codes what the team took part in
    assert "Page 1 of 3" in client.get("/coding/").text
    assert link(team_only.id) in client.get("/coding/?page=3").text
