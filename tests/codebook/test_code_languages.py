"""One code in every language: the starting codebook in sv, da and en at once, each reader
sees a code in their language (or, marked with lang=, in one that has it), codings by coders
of every language count for the one code, editing per language, and REFI-QDA in a chosen
language."""

import io
import re
import uuid
import zipfile

from sqlalchemy import select

from analysis.codebook import starting_codebook
from analysis.refiqda.read import read_qdc
from app.codebook import services as codebook_services
from app.codebook.models import Code
from app.codebook.queries import codebook
from app.core.db import db
from app.exchange import export, imports
from app.themes import services as themes
from app.themes.models import CodedRelease
from app.workspace import services as workspace
from tests.codebook.sample import code_named

FIRST = starting_codebook()["codes"][0]["children"][0]


def test_a_danish_team_gets_one_codebook_with_every_language(coded):
    codes = codebook()
    assert len(codes) == 36
    assert all(set(c.texts) == {"sv", "da", "en"} for c in codes)
    # adding it again, as a Danish team would have, adds nothing and doubles nothing
    assert codebook_services.seed_codebook(coded["boss"]) == 0
    assert len(db.session.scalars(select(Code)).all()) == 36
    code = code_named(FIRST["name"]["da"])
    assert code is code_named(FIRST["name"]["sv"])
    assert code.shown("name", "da") == (FIRST["name"]["da"], "da")
    # each coder's words count: the suggestions know every language's keywords
    assert set(FIRST["keywords"]["da"]) <= set(code.keyword_list)


def test_a_code_missing_in_one_language_gets_it_from_the_starting_codebook(coded):
    code = code_named(FIRST["name"]["sv"])
    code.set_texts("da", name="")  # as a code added in Swedish alone would be
    db.session.commit()
    assert "da" not in code.texts
    assert code.shown("name", "da") == (FIRST["name"]["sv"], "sv")
    assert codebook_services.seed_codebook(coded["boss"]) == 0
    assert code.texts["da"].name == FIRST["name"]["da"]


def test_codings_by_swedish_and_danish_coders_count_once_for_the_code(coded):
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    anna.language, ben.language = "sv", "da"
    code = next(c for c in codebook() if c.codable)
    theme = themes.save_theme(boss, None, name="Tema", description="", formed_year=2025,
                              revised_year=None, code_ids=[code.id])  # fmt: skip
    workspace.apply(anna, release, code.id, 0, 10)
    workspace.apply(ben, release, code.id, 20, 30)
    db.session.commit()
    assert [c.id for c in theme.codes] == [code.id]
    tally = db.session.get(CodedRelease, (code.id, release.id))
    assert tally.passages == 2


def _lang_of(page: str, name: str) -> str:
    match = re.search(r'<strong lang="(\w\w)">' + re.escape(name) + "</strong>", page)
    assert match, name
    return match.group(1)


def test_each_reader_sees_the_code_in_their_language_and_a_stand_in_is_marked(coded, client, auth):
    anna = coded["anna"]
    anna.language = "da"
    code = code_named(FIRST["name"]["sv"])
    own = codebook_services.save_code(coded["boss"], None, language="sv", name="Bara svenska")
    db.session.commit()
    auth.login(user=anna)
    page = client.get("/coding/codebook").get_data(as_text=True)
    assert _lang_of(page, FIRST["name"]["da"]) == "da"
    assert FIRST["name"]["sv"] not in page
    assert _lang_of(page, "Bara svenska") == "sv"  # no Danish: Swedish, marked as such
    assert code.id and own.id


def test_a_coordinator_edits_each_language_and_an_emptied_one_goes(coded, client, auth):
    boss = coded["boss"]
    code = code_named(FIRST["name"]["sv"])
    auth.login(user=boss)
    page = client.get(f"/coding/codebook/{code.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*lang="da"[^>]*name="da-name"', page)
    assert FIRST["name"]["da"] in page and FIRST["name"]["en"] in page
    form = {
        "sv-name": "Vuxna som stannar", "sv-definition": "Ny definition",
        "da-name": "Voksne der bliver", "da-definition": "",
        "en-name": "", "parent_id": code.parent_id, "codable": "y", "colour": code.colour,
        "keywords": "kvar",
    }  # fmt: skip
    response = client.post(f"/coding/codebook/{code.id}", data=form)
    assert response.status_code == 302
    code = db.session.get(Code, code.id)
    assert {k: t.name for k, t in code.texts.items()} == {
        "sv": "Vuxna som stannar", "da": "Voksne der bliver"}  # fmt: skip
    assert code.texts["sv"].definition == "Ny definition"
    # a name another code has in that language, among its siblings, is refused
    sibling = next(c for c in code.parent.children if c is not code)
    form["da-name"] = sibling.texts["da"].name
    page = client.post(f"/coding/codebook/{code.id}", data=form).get_data(as_text=True)
    assert "already a code" in page
    assert db.session.get(Code, code.id).texts["da"].name == "Voksne der bliver"
    # every name emptied: refused, nothing changes
    empty = {**form, "sv-name": "", "da-name": "", "en-name": ""}
    page = client.post(f"/coding/codebook/{code.id}", data=empty).get_data(as_text=True)
    assert "Give the code a name." in page


def test_the_export_writes_the_codebook_in_the_chosen_language(coded, client, auth):
    anna = coded["anna"]
    anna.language = "sv"
    db.session.commit()
    auth.login(user=anna)
    for language in ("da", "en", "sv"):
        data = client.get("/coding/codebook.qdc", query_string={"language": language}).data
        codes, _ = read_qdc(data)
        assert codes[0].name == starting_codebook()["codes"][0]["name"][language]
        assert codes[0].children[0].name == FIRST["name"][language]
        assert FIRST["definition"][language] in codes[0].children[0].description
    # by default the reader's language
    codes, _ = read_qdc(client.get("/coding/codebook.qdc").data)
    assert codes[0].children[0].name == FIRST["name"]["sv"]
    # the project carries the same choice
    content, _ = export.export_project(anna, language="da")
    qde = zipfile.ZipFile(io.BytesIO(content)).read("project.qde").decode()
    assert f'name="{FIRST["name"]["da"]}"' in qde and f'name="{FIRST["name"]["sv"]}"' not in qde


def test_an_imported_codebook_in_another_language_doubles_nothing(coded):
    data = export.export_codebook(coded["boss"], language="da")

    # new GUIDs, as another program's file would have: the codes are found by their
    # Danish names at the same place
    data = re.sub(rb'guid="[^"]+"', lambda _: f'guid="{uuid.uuid4()}"'.encode(), data)
    added, _ = imports.import_codebook(coded["boss"], data)
    assert added == 0
    assert len(db.session.scalars(select(Code)).all()) == 36


def test_a_new_code_may_have_a_name_in_one_language_only(coded, client, auth):
    auth.login(user=coded["boss"])
    form = {"sv-name": "", "da-name": "Egen dansk kode", "da-definition": "Om skolen",
            "en-name": "",
            "parent_id": 0, "codable": "y", "colour": "#123456", "keywords": ""}  # fmt: skip
    assert client.post("/coding/codebook", data=form).status_code == 302
    made = code_named("Egen dansk kode")
    assert set(made.texts) == {"da"} and made.texts["da"].definition == "Om skolen"
    page = client.post("/coding/codebook", data={**form, "da-name": ""}).get_data(as_text=True)
    assert "Give the code a name." in page
