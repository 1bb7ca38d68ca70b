"""REFI-QDA exchange: exports that round-trip, NVivo's counting, and imports that say what
they left out."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core.db import db
from app.exchange import export, imports
from app.workspace import services as workspace
from app.workspace.models import Coding
from tests.codebook.sample import a_code, code_named, span_of
from tests.exchange.flow import import_through_pages


def test_a_qdpx_export_round_trips_its_codings(coded):
    anna, release = coded["anna"], coded["release"]
    code = a_code()
    workspace.apply(anna, release, code.id, 0, 5, memo="En anteckning")
    db.session.commit()
    data, exported = export.export_project(anna)
    again, _ = export.export_project(anna)
    assert len(exported) == 2
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "project.qde" in names
    first = zipfile.ZipFile(io.BytesIO(data)).read("project.qde")
    second = zipfile.ZipFile(io.BytesIO(again)).read("project.qde")
    assert first == second  # GUIDs are kept between exports
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    result = imports.import_project(coded["boss"], data)
    db.session.commit()
    assert result["codings"] == 1 and result["sources"] == 2
    back = db.session.scalars(select(Coding)).one()
    # recorded as the importer's: a file's user names prove nobody's identity
    boss_id = coded["boss"].id
    assert (back.start_offset, back.end_offset, back.coder_id) == (0, 5, boss_id)
    assert back.memo == "En anteckning"
    assert any("recorded as yours" in note for note in result["dropped"])
    # importing the same file again adds nothing
    assert imports.import_project(coded["boss"], data)["codings"] == 0


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
    workspace.apply(anna, release, a_code().id, start, end)
    db.session.commit()
    auth.login(user=anna)
    page = client.get("/coding/project.qdpx", query_string={"tool": "nvivo"})
    qde = zipfile.ZipFile(io.BytesIO(page.data)).read("project.qde").decode()
    assert f'startPosition="{start + 1}"' in qde and 'origin="Red Thread, for NVivo"' in qde
    standard, _ = export.export_project(anna)
    assert (
        f'startPosition="{start}"'
        in zipfile.ZipFile(io.BytesIO(standard)).read("project.qde").decode()
    )
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    assert imports.import_project(coded["boss"], page.data)["codings"] == 1
    back = db.session.scalars(select(Coding)).one()
    assert (back.start_offset, back.end_offset) == (start, end)


def test_a_text_saved_with_other_line_ends_and_a_trailing_newline_still_matches(coded):
    anna, release = coded["anna"], coded["release"]
    start, end = span_of(release, release.text.split()[-1])  # the last word, up to the end
    workspace.apply(anna, release, a_code().id, start, end)
    db.session.commit()
    data, _ = export.export_project(anna)
    # as NVivo for Windows saves the same project as NVivo for Mac: a newline more at the end
    windows = rewritten(data, lambda name, content: content + b"\r\n"
                        if name.endswith(".txt") else content)  # fmt: skip
    db.session.execute(Coding.__table__.delete())
    db.session.commit()
    result = imports.import_project(coded["boss"], windows)
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
    result = imports.import_project(coded["boss"], data)
    # no name: named by its text's file in the project (Red Thread's writer names it by GUID)
    label = f"{guid}.txt"
    assert result["left_out"] == [(label, "not a released transcript here", 3)]
    assert result["codings_dropped"] == 3 and result["codings"] == 0
    # said once, in the table of sources left out, not again among the notes
    assert not any(label in note for note in result["dropped"])


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
    _, preview, page = import_through_pages(client, data, "annan.qdpx")
    assert "1 coding will be left out with the sources not matched" in preview
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
    result = imports.import_project(coded["boss"], (VENDORS / name).read_bytes())
    # none of their texts is released here, so every coding stays out, and says so
    assert result["codings"] == 0 and result["codings_dropped"] == codings_left_out
    assert len(result["left_out"]) == 2
    assert all(label.strip() and not label.startswith(":") for label, _, _ in result["left_out"])
    assert sum(carried for _, _, carried in result["left_out"]) == codings_left_out


def test_a_taguette_codebook_comes_in_as_a_hierarchy(coded):
    if not VENDORS.is_dir():
        pytest.skip("the vendor samples are not next to the checkout")
    imports.import_codebook(coded["boss"], (VENDORS / "taguette-1.5.2_codebook.qdc").read_bytes())
    places = code_named("places")
    assert places.parent is not None and places.parent.name == "interesting"


def test_a_broken_import_changes_nothing(coded):
    before = db.session.scalar(select(db.func.count()).select_from(Code))
    with pytest.raises(CodingError, match="zip"):
        imports.import_project(coded["boss"], b"not a zip at all")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.txt", "x")
        archive.writestr("project.qde", "<Project/>")
    with pytest.raises(CodingError, match="paths outside"):
        imports.import_project(coded["boss"], evil.getvalue())
    entity = (b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x "boom">]>'
              b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&x;" '
              b'isCodable="true"/></Codes></CodeBook>')  # fmt: skip
    with pytest.raises(CodingError, match="entities"):
        imports.import_codebook(coded["boss"], entity)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Code)) == before
