"""The codebook, coding released text, blind rounds with agreement, and retrieval."""

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.coding import exchange, retrieval, services
from app.coding.models import Code, Coding
from app.coding.services import CodingError
from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.scopes import Scope
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)


@pytest.fixture
def coded(world, make_user):  # noqa: F811
    """Two released interviews of one young person, two researchers and a coordinator."""
    interviewer, interview_with = world
    _, transcript = interview_with()
    _, release = release_all(interviewer, transcript)
    _, transcript2 = interview_with()
    _, release2 = release_all(interviewer, transcript2)
    anna = make_user(roles=[Role.RESEARCHER], display_name="Anna Forskare")
    ben = make_user(roles=[Role.RESEARCHER], display_name="Ben Forskare")
    boss = make_user(roles=[Role.COORDINATOR])
    services.seed_codebook(boss, "sv")
    db.session.commit()
    return {"interviewer": interviewer, "release": release, "release2": release2, "anna": anna,
            "ben": ben, "boss": boss, "interview_with": interview_with}  # fmt: skip


def code_named(name: str) -> Code:
    return db.session.scalars(select(Code).where(Code.name == name)).one()


def a_code(n=0) -> Code:
    return [c for c in services.codebook() if c.codable][n]


def span_of(release, words: str) -> tuple[int, int]:
    start = release.text.index(words)
    return start, start + len(words)


def test_the_starting_codebook_has_categories_and_codes(coded):
    codes = services.codebook()
    roots = [c for c in codes if c.parent_id is None]
    assert len(roots) == 7 and all(not c.codable for c in roots)
    assert all(c.children for c in roots)
    assert all(c.definition and c.keyword_list for c in codes if c.codable)
    # adding it again adds nothing
    assert services.seed_codebook(coded["boss"], "sv") == 0


def test_codes_are_applied_with_code_point_offsets(coded):
    anna, release = coded["anna"], coded["release"]
    start, end = span_of(release, "kök var varmt")
    coding = services.apply(anna, release, a_code().id, start, end, memo="Värme")
    db.session.commit()
    assert release.text[coding.start_offset : coding.end_offset] == "kök var varmt"
    with pytest.raises(CodingError, match="outside the text"):
        services.apply(anna, release, a_code().id, 0, len(release.text) + 1)
    with pytest.raises(CodingError, match="outside the text"):
        services.apply(anna, release, a_code().id, 5, 5)
    with pytest.raises(CodingError, match="outside the text"):
        services.apply(anna, release, a_code().id, False, True)
    with pytest.raises(CodingError, match="does not exist"):
        services.apply(anna, release, 2**70, start, end)
    with pytest.raises(CodingError, match="does not exist"):
        services.apply(anna, release, 99999, start, end)
    category = next(c for c in services.codebook() if not c.codable)
    with pytest.raises(CodingError, match="category"):
        services.apply(anna, release, category.id, start, end)
    with pytest.raises(CodingError, match="Only the coder"):
        services.remove(coded["ben"], coding)
    services.remove(anna, coding)


def test_researchers_code_only_with_research_use_consent(coded):
    interviewer, interview_with = coded["interviewer"], coded["interview_with"]
    _, transcript = interview_with(scopes=(Scope.PARTICIPATION,))
    _, team_only = release_all(interviewer, transcript)
    with pytest.raises(ConsentMissing):
        services.apply(coded["anna"], team_only, a_code().id, 0, 4)
    assert team_only not in services.codable_releases(coded["anna"])
    # the coordinator codes it for the team
    services.apply(coded["boss"], team_only, a_code().id, 0, 4)
    with pytest.raises(PermissionDenied):
        services.apply(interviewer, coded["release"], a_code().id, 0, 4)


def test_withdrawing_research_use_stops_coding_and_export(coded):
    anna, release = coded["anna"], coded["release"]
    services.apply(anna, release, a_code().id, 0, 5)
    db.session.commit()
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    db.session.commit()
    with pytest.raises(ConsentMissing):
        services.read_release(anna, release)
    _, exported = exchange.export_project(anna)
    assert exported == [coded["release2"]]  # only the other interview


def test_an_older_release_is_not_coded(coded):
    interviewer, release = coded["interviewer"], coded["release"]
    release_all(interviewer, release.transcript)
    with pytest.raises(PermissionDenied):
        services.apply(coded["anna"], release, a_code().id, 0, 4)


def test_merge_and_retire_keep_every_coding(coded):
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    one, two = a_code(0), a_code(1)
    services.apply(anna, release, one.id, 0, 10, memo="första")
    services.apply(anna, release, two.id, 0, 10)  # the same passage: not doubled by the merge
    services.apply(ben, release, one.id, 20, 30)
    moved = services.merge(boss, one, two)
    db.session.commit()
    assert one.merged_into is two and not one.active
    assert moved == 1  # Ben's; Anna's twin became one coding
    kept = db.session.scalars(select(Coding).where(Coding.code_id == two.id)).all()
    assert len(kept) == 2
    assert any(c.memo == "första" for c in kept)  # the memo survived
    with pytest.raises(CodingError, match="retired"):
        services.apply(anna, release, one.id, 0, 10)
    services.retire(boss, two)
    assert two.codings.count() == len(kept)  # retiring loses nothing
    with pytest.raises(CodingError):
        services.retire(boss, one, retired=False)


def test_the_codebook_refuses_loops_and_duplicate_names(coded):
    boss = coded["boss"]
    category = next(c for c in services.codebook() if not c.codable)
    child = category.children[0]
    with pytest.raises(CodingError, match="under itself"):
        services.move(boss, category, child)
    with pytest.raises(CodingError, match="already a code"):
        services.save_code(boss, None, parent_id=category.id, name=child.name.upper())
    made = services.save_code(boss, None, parent_id=category.id, name="Ny kod",
                              keywords="hem*, trygg", colour="#123456")  # fmt: skip
    assert made.keyword_list == ["hem*", "trygg"] and made.parent is category


def test_blind_round_agreement_and_consensus(coded):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release, release2 = coded["release"], coded["release2"]
    round_ = services.create_round(boss, name="Höst 2026", unit="segment", coders=[anna, ben],
                                   releases=[release, release2])  # fmt: skip
    code = a_code()
    lines = release.text.split("\n")
    second_line = len(lines[0]) + 1
    services.apply(anna, release, code.id, 0, 5, coding_round=round_)
    services.apply(ben, release, code.id, 2, 8, coding_round=round_)  # agrees: same segment
    services.apply(anna, release, code.id, second_line, second_line + 4, coding_round=round_)
    db.session.commit()
    # blind: each sees only their own
    assert len(services.visible_codings(anna, release, round_)) == 2
    assert len(services.visible_codings(ben, release, round_)) == 1
    assert services.visible_codings(anna, release) == []  # not among the shared codings
    with pytest.raises(CodingError, match="blind"):
        services.round_agreement(boss, round_)
    with pytest.raises(PermissionDenied):  # a coder cannot end the blind phase
        services.close_round(anna, round_)
    services.close_round(boss, round_)
    db.session.commit()
    with pytest.raises(CodingError, match="closed"):
        services.apply(anna, release, code.id, 0, 5, coding_round=round_)
    result = services.round_agreement(anna, round_)
    row = next(r for r in result.report.per_code if r.code_id == code.id)
    assert result.report.n_units == 6  # three lines in each of the two transcripts
    assert row.percent_agreement == pytest.approx(100 * 5 / 6)
    assert [(u, c) for u, c, _ in result.disagreements] == [(1, code.id)]
    assert row.kappa == pytest.approx(0.571, abs=0.01)
    assert row.alpha is not None
    with pytest.raises(CodingError, match="every disagreement"):
        services.settle(boss, round_, {})
    written = services.settle(boss, round_, {(1, code.id): False})
    db.session.commit()
    assert written == 1
    shared = services.visible_codings(anna, release)
    assert [(c.start_offset, c.end_offset, c.consensus) for c in shared] == [
        (0, len(lines[0]), True)
    ]
    # settling again replaces the consensus rather than adding to it
    assert services.settle(boss, round_, {(1, code.id): True}) == 2
    assert len(services.visible_codings(anna, release)) == 2


def test_a_round_needs_two_coders_who_may_code(coded):
    boss, anna = coded["boss"], coded["anna"]
    with pytest.raises(CodingError, match="two coders"):
        services.create_round(boss, name="x", unit="segment", coders=[anna],
                              releases=[coded["release"]])  # fmt: skip


def test_retrieval_combinations_filters_and_safe_csv(coded):
    anna, ben, release = coded["anna"], coded["ben"], coded["release"]
    a, b = a_code(0), a_code(1)
    services.apply(anna, release, a.id, 0, 10)
    services.apply(anna, release, b.id, 5, 15)  # overlaps the first
    far = len(release.text) - 4
    services.apply(ben, release, a.id, far, far + 3, memo='=HYPERLINK("x")')
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
    code = services.save_code(boss, None, name="Skolan", keywords="gymnasium, skola, kör*",
                              definition="Skola och utbildning.")  # fmt: skip
    start, end = span_of(release, "Hon körde mig till")
    found = services.suggestions(anna, release, start, end)
    mine = next(s for s in found if s["code"] == code.id)
    assert mine["triggers"] == ["körde"] and 0 < mine["score"] <= 1
    assert not db.session.scalars(select(Coding).where(Coding.code_id == code.id)).all()
    with pytest.raises(CodingError, match="outside"):
        services.suggestions(anna, release, 0, 10**6)


def test_workspace_and_json_endpoints(coded, client, auth):
    anna, release = coded["anna"], coded["release"]
    auth.login(user=anna)
    page = client.get(f"/coding/releases/{release.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="coding-data"' in html and "Birgitta" not in html
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
    download = client.get("/coding/retrieve", query_string={"code": code.id, "format": "docx"})
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_a_coder_reads_the_saved_consensus_on_the_round_page(coded, client, auth):
    """A coder who may not save the consensus still reads it once it is saved (the round
    is closed, so nothing blind is left to keep); before then the column is not shown."""
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = services.create_round(boss, name="Höst 2026", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    code = a_code()
    second_line = len(release.text.split("\n")[0]) + 1
    services.apply(anna, release, code.id, 0, 5, coding_round=round_)
    services.apply(ben, release, code.id, 2, 8, coding_round=round_)
    services.apply(anna, release, code.id, second_line, second_line + 4, coding_round=round_)
    services.close_round(boss, round_)
    db.session.commit()
    auth.login(user=anna)
    before = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "Consensus" not in before and "data-consensus" not in before
    services.settle(boss, round_, {(1, code.id): False})
    db.session.commit()
    after = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "<th>Consensus</th>" in after
    assert re.search(r"<td data-consensus>\s*does not apply\s*</td>", after)
    assert 'type="radio"' not in after  # reading it, not deciding it


def test_round_pages(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    auth.login(user=boss)
    page = client.get("/coding/rounds/new")
    assert "Ben Forskare" in page.get_data(as_text=True)
    made = client.post("/coding/rounds/new", data={
        "name": "Vår", "unit": "sentence", "coders": [anna.id, ben.id],
        "releases": [coded["release"].id]}, follow_redirects=True)  # fmt: skip
    assert "blind" in made.get_data(as_text=True)
    round_id = db.session.scalars(select(services.CodingRound)).one().id
    client.post(f"/coding/rounds/{round_id}/close", data={"confirm": "y"})
    closed = client.get(f"/coding/rounds/{round_id}").get_data(as_text=True)
    assert "Overall" in closed and "The coders agree everywhere." in closed


def test_a_qdpx_export_round_trips_its_codings(coded):
    anna, release = coded["anna"], coded["release"]
    code = a_code()
    services.apply(anna, release, code.id, 0, 5, memo="En anteckning")
    db.session.commit()
    data, exported = exchange.export_project(anna)
    again, _ = exchange.export_project(anna)
    assert len(exported) == 2
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "project.qde" in names
    first = zipfile.ZipFile(io.BytesIO(data)).read("project.qde")
    second = zipfile.ZipFile(io.BytesIO(again)).read("project.qde")
    assert first == second  # GUIDs are kept between exports
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    result = exchange.import_project(coded["boss"], data)
    db.session.commit()
    assert result["codings"] == 1 and result["sources"] == 2
    back = db.session.scalars(select(Coding)).one()
    # recorded as the importer's: a file's user names prove nobody's identity
    boss_id = coded["boss"].id
    assert (back.start_offset, back.end_offset, back.coder_id) == (0, 5, boss_id)
    assert back.memo == "En anteckning"
    assert any("recorded as yours" in note for note in result["dropped"])
    # importing the same file again adds nothing
    assert exchange.import_project(coded["boss"], data)["codings"] == 0


def rewritten(data: bytes, change) -> bytes:
    """A .qdpx with ``change(name, content)`` applied to each entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def test_an_export_for_nvivo_counts_utf16_units_and_comes_back(coded, client, auth):
    anna, release = coded["anna"], coded["release"]
    segments = release.segments
    segments[0]["text"] = "Glad 🙂 och trygg. " + segments[0]["text"]  # an emoji: 2 units
    release.content = json.dumps(segments)
    release.length = len(release.text)
    start, end = span_of(release, "trygg")
    services.apply(anna, release, a_code().id, start, end)
    db.session.commit()
    auth.login(user=anna)
    page = client.get("/coding/project.qdpx", query_string={"tool": "nvivo"})
    qde = zipfile.ZipFile(io.BytesIO(page.data)).read("project.qde").decode()
    assert f'startPosition="{start + 1}"' in qde and 'origin="Red Thread, for NVivo"' in qde
    standard, _ = exchange.export_project(anna)
    assert (
        f'startPosition="{start}"'
        in zipfile.ZipFile(io.BytesIO(standard)).read("project.qde").decode()
    )
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    assert exchange.import_project(coded["boss"], page.data)["codings"] == 1
    back = db.session.scalars(select(Coding)).one()
    assert (back.start_offset, back.end_offset) == (start, end)


def test_a_text_saved_with_other_line_ends_and_a_trailing_newline_still_matches(coded):
    anna, release = coded["anna"], coded["release"]
    start, end = span_of(release, release.text.split()[-1])  # the last word, up to the end
    services.apply(anna, release, a_code().id, start, end)
    db.session.commit()
    data, _ = exchange.export_project(anna)
    # as NVivo for Windows saves the same project as NVivo for Mac: a newline more at the end
    windows = rewritten(data, lambda name, content: content + b"\r\n"
                        if name.endswith(".txt") else content)  # fmt: skip
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    result = exchange.import_project(coded["boss"], windows)
    assert (result["sources"], result["codings"], result["codings_dropped"]) == (2, 1, 0)
    assert result["left_out"] == []
    back = db.session.scalars(select(Coding)).one()
    assert release.text[back.start_offset : back.end_offset] == release.text.split()[-1]


def test_sources_left_out_are_named_and_their_codings_counted(coded):
    from analysis.refiqda import model as qda
    from analysis.refiqda.write import write_qdpx

    code = qda.Code("0d62985d-b147-5d01-a9b5-cae5dcd98342", "Från en annan fil")
    guid = "55bb6892-6f30-5129-8cb8-557a1b12137b"
    selections = [
        qda.Selection(f"00000000-0000-4000-8000-00000000000{n}", n, n + 3, codings=[
            qda.Coding(f"00000000-0000-4000-8000-0000000001{n}{k}", code.guid) for k in range(n)
        ]) for n in (1, 2)
    ]  # fmt: skip
    unnamed = qda.Source(guid, "", "En text som inte finns här.", selections)
    data = write_qdpx(qda.Project("Annan", [], [code], [unnamed], []))
    result = exchange.import_project(coded["boss"], data)
    label = f"an unnamed source ({guid})"
    assert result["left_out"] == [(label, "not a released transcript here", 3)]
    assert result["codings_dropped"] == 3 and result["codings"] == 0
    assert f"{label}: not a released transcript here" in result["dropped"]


def test_the_import_ends_on_a_report_that_states_the_codings_left_out(coded, client, auth):
    from analysis.refiqda import model as qda
    from analysis.refiqda.write import write_qdpx

    code = qda.Code("0d62985d-b147-5d01-a9b5-cae5dcd98342", "Från en annan fil")
    selection = qda.Selection("00000000-0000-4000-8000-000000000001", 0, 3,
                              codings=[qda.Coding("00000000-0000-4000-8000-000000000002",
                                                  code.guid)])  # fmt: skip
    source = qda.Source("55bb6892-6f30-5129-8cb8-557a1b12137b", "Okänd", "Inte här.", [selection])
    data = write_qdpx(qda.Project("Annan", [], [code], [source], []))
    auth.login(user=coded["boss"])
    page = client.post("/coding/import", data={"file": (io.BytesIO(data), "annan.qdpx")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-codings-dropped="1"' in html
    assert "1 coding in the file was left out." in html and "Okänd" in html


VENDORS = Path(__file__).resolve().parents[3] / "shared" / "refi-qda" / "vendors"


@pytest.mark.parametrize(
    ("name", "codings_left_out"),
    [("qc-1.3.2_demo.qdpx", 205), ("nvivo-mac-12.7.0_oltas-17june.qdpx", 297),
     ("nvivo-win-12.6_oltas0517.qdpx", 303), ("nvivo-mac-15.0.0_qc-sample.qdpx", 0)],
)  # fmt: skip
def test_real_projects_import_and_every_coding_left_out_is_counted(coded, name, codings_left_out):
    if not VENDORS.is_dir():
        pytest.skip("the vendor samples are not next to the checkout")
    result = exchange.import_project(coded["boss"], (VENDORS / name).read_bytes())
    # none of their texts is released here, so every coding stays out, and says so
    assert result["codings"] == 0 and result["codings_dropped"] == codings_left_out
    assert len(result["left_out"]) == 2
    assert all(label.strip() and not label.startswith(":") for label, _, _ in result["left_out"])
    assert sum(carried for _, _, carried in result["left_out"]) == codings_left_out


def test_a_taguette_codebook_comes_in_as_a_hierarchy(coded):
    if not VENDORS.is_dir():
        pytest.skip("the vendor samples are not next to the checkout")
    exchange.import_codebook(coded["boss"], (VENDORS / "taguette-1.5.2_codebook.qdc").read_bytes())
    places = code_named("places")
    assert places.parent is not None and places.parent.name == "interesting"


def test_a_broken_import_changes_nothing(coded):
    before = db.session.scalar(select(db.func.count()).select_from(Code))
    with pytest.raises(CodingError, match="zip"):
        exchange.import_project(coded["boss"], b"not a zip at all")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.txt", "x")
        archive.writestr("project.qde", "<Project/>")
    with pytest.raises(CodingError, match="paths outside"):
        exchange.import_project(coded["boss"], evil.getvalue())
    entity = (b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x "boom">]>'
              b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&x;" '
              b'isCodable="true"/></Codes></CodeBook>')  # fmt: skip
    with pytest.raises(CodingError, match="entities"):
        exchange.import_codebook(coded["boss"], entity)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Code)) == before


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
    services.apply(coded["ben"], release, a_code().id, 10, 14)  # another coder's count apart
    db.session.commit()
    assert services.saved_summary(anna, release) == "Saved: 3 codes on 2 passages."


def test_closing_a_round_shows_what_becomes_final_and_asks_first(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = services.create_round(boss, name="Höst", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    code = a_code()
    services.apply(anna, release, code.id, 0, 5, coding_round=round_)
    services.apply(ben, release, code.id, 2, 8, coding_round=round_)
    db.session.commit()
    preview = services.close_preview(boss, round_)
    assert preview.n_units == 3 and preview.codings == {anna: 1, ben: 1}
    assert preview.uncoded == {anna: 2, ben: 2}  # each coded one of the three lines
    row = next(r for r in preview.report.per_code if r.code_id == code.id)
    assert row.percent_agreement == 100
    assert round_.is_open  # a look changes nothing
    with pytest.raises(PermissionDenied):
        services.close_preview(anna, round_)
    # Whoever runs the round and codes in it too sees no agreement while it is blind.
    both = services.create_round(boss, name="Egen", unit="segment", coders=[boss, anna],
                                 releases=[release])  # fmt: skip
    assert services.close_preview(boss, both).report is None
    db.session.commit()

    auth.login(user=boss)
    look = client.post(f"/coding/rounds/{round_.id}/close")
    page = look.get_data(as_text=True)
    assert look.status_code == 200 and "Units without a code from this coder" in page
    assert "2 of 3" in page and "Tick the box" not in page
    db.session.refresh(round_)
    assert round_.is_open  # the server does not close without the confirmation
    refused = client.post(f"/coding/rounds/{round_.id}/close", data={"asked": "1"})
    assert "Tick the box to confirm that the round is to be closed." in refused.get_data(
        as_text=True
    )
    db.session.refresh(round_)
    assert round_.is_open
    client.post(f"/coding/rounds/{round_.id}/close", data={"asked": "1", "confirm": "y"})
    db.session.refresh(round_)
    assert not round_.is_open


def test_a_round_emptied_by_a_withdrawal_says_so_and_claims_no_agreement(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = services.create_round(boss, name="Vinter", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    services.apply(anna, release, a_code().id, 0, 5, coding_round=round_)
    services.apply(ben, release, a_code().id, 0, 5, coding_round=round_)
    services.close_round(boss, round_)
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    db.session.commit()
    result = services.round_agreement(anna, round_)
    assert not result.comparable and result.report.n_units == 0
    assert [(d.release, d.scope, d.withdrawn_on) for d in result.dropped] == [
        (release, "research_use", date(2026, 11, 20))
    ]
    # the team's own use needs no research-use consent: the coordinator's figures stand
    assert services.round_agreement(boss, round_).comparable
    auth.login(user=anna)
    page = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "was withdrawn from research use on" in page
    assert "There is nothing left to compare in this round" in page
    assert "agree everywhere" not in page and "Overall" not in page
    # taking part withdrawn: the release and its codings go, for everyone
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.PARTICIPATION],
                     giver="young_person", withdrawn_on=date(2026, 11, 21),
                     channel="phone")  # fmt: skip
    db.session.commit()
    assert not services.round_agreement(boss, round_).comparable
    with pytest.raises(CodingError, match="nothing left to compare"):
        services.settle(boss, round_, {})


def test_the_workspace_shows_who_speaks_before_each_segment(coded, client, auth):
    import json

    anna, release = coded["anna"], coded["release"]
    marks = services.speaker_marks(release)
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
