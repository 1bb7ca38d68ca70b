"""Importing a register in the browser's steps: upload, mapping, preview, all or nothing."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.db import db
from app.core.users import Role
from app.participants.models import Participant, RegisterImport

HEADER = (
    "Namn;Födelsedatum;Personnummer;Placering start;Placering slut;Boende vid avslut;"
    "Socialsekreterare;Familjehemsföräldrar"
)
ROWS = [
    "Åsa Öberg;2006-02-11;20060211-0017;2012-03-01;2023-08-31;Familjehem;{worker};Eva Ek, Bo Ek",
    "Elias Nyström;11.07.2007;;1/3 2014;31.10.2023;HVB;Gunilla Ohlsson;",
]


def upload(client, content: bytes, name="register.csv"):
    return client.post(
        "/participants/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def count() -> int:
    return db.session.scalar(select(func.count(Participant.id)))


@pytest.fixture
def coordinator(auth, make_user):
    return auth.login(Role.COORDINATOR)


def test_a_clean_file_is_imported_whole(client, coordinator, make_user, tmp_path):
    anna = make_user(roles=[Role.INTERVIEWER], display_name="Anna Berglund")
    data = "\r\n".join([HEADER, ROWS[0].format(worker="anna berglund"), ROWS[1]]).encode("cp1252")
    response = upload(client, data)
    record = db.session.scalar(select(RegisterImport))
    assert response.headers["Location"].endswith(f"/participants/import/{record.id}")
    stored = Path(client.application.config["MEDIA_ROOT"]) / record.stored_name
    assert stored.exists() and b"Nystr" not in stored.read_bytes()  # encrypted at rest

    page = client.get(f"/participants/import/{record.id}").get_data(as_text=True)
    assert "Windows-1252" in page
    assert "All 2 rows are ready to import." in page
    assert "Elias Nyström" in page

    response = client.post(
        f"/participants/import/{record.id}/run",
        data={"name": "0", "birth_date": "1", "id_number": "2", "started_on": "3",
              "ended_on": "4", "setting_at_end": "5", "social_workers": "6",
              "foster_parents": "7"},
    )  # fmt: skip
    assert response.status_code == 302
    assert count() == 2
    record = db.session.get(RegisterImport, record.id)
    assert (record.state, record.imported_count, record.stored_name) == ("imported", 2, None)
    assert not stored.exists()
    asa = next(p for p in db.session.scalars(select(Participant)) if p.name == "Åsa Öberg")
    assert asa.placements[0].workers[0].user_id == anna.id
    assert [p.name for p in asa.people] == ["Eva Ek", "Bo Ek"]
    elias = next(p for p in db.session.scalars(select(Participant)) if p.name != "Åsa Öberg")
    assert elias.birth_date == date(2007, 7, 11)
    assert elias.placements[0].setting_at_end == "institution"
    assert elias.placements[0].workers[0].name == "Gunilla Ohlsson"
    status = client.get(f"/participants/import/{record.id}/status").get_data(as_text=True)
    assert "2 rows were imported." in status


def test_one_bad_row_imports_nothing(client, coordinator):
    bad = "Cia;2013-02-11;;2012-03-01;2023-08-31;Familjehem;;"
    data = "\r\n".join([HEADER, ROWS[1], bad]).encode()
    upload(client, data)
    record = db.session.scalar(select(RegisterImport))
    page = client.get(f"/participants/import/{record.id}").get_data(as_text=True)
    assert "1 row of 2 has errors" in page
    assert "born after the placement starts" in page
    assert "Import all" not in page
    mapping = {"name": "0", "birth_date": "1", "started_on": "3", "setting_at_end": "5"}
    response = client.post(f"/participants/import/{record.id}/run", data=mapping)
    assert response.status_code == 302
    assert count() == 0
    assert db.session.get(RegisterImport, record.id).state == "uploaded"


def test_the_mapping_can_be_corrected(client, coordinator):
    data = b"Child;Born;From;Until;Where\r\nAlva;2006-01-02;2010-01-01;2023-01-01;HVB\r\n"
    upload(client, data)
    record = db.session.scalar(select(RegisterImport))
    page = client.get(f"/participants/import/{record.id}").get_data(as_text=True)
    assert "Choose a column for: Name, Birth date, Placement start, Setting at the end" in page
    page = client.get(
        f"/participants/import/{record.id}",
        query_string={"name": "0", "birth_date": "1", "started_on": "2", "ended_on": "3",
                      "setting_at_end": "4"},
    ).get_data(as_text=True)  # fmt: skip
    assert "The row is ready to import." in page and "Import the row" in page


def test_already_registered_id_numbers_are_row_errors(client, coordinator, make_participant):
    from app.participants.identity import id_number_digest

    make_participant(
        code="P-2019-004",
        birth_date=date(2006, 2, 11),
        id_number="20060211-0017",
        id_number_digest=id_number_digest("20060211-0017"),
    )
    upload(client, "\r\n".join([HEADER, ROWS[0].format(worker="")]).encode())
    record = db.session.scalar(select(RegisterImport))
    page = client.get(f"/participants/import/{record.id}").get_data(as_text=True)
    assert "already registered as P-2019-004" in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a register", "register.pdf", "Upload a CSV or XLSX file."),
        ("Namn;Född\r\nÅsa;2001-01-01\r\n".encode("utf-16"), "r.csv", "not UTF-8 or Windows-1252"),
        (b"PK\x03\x04 broken", "r.xlsx", "not a valid XLSX"),
        (b"", "r.csv", "The file is empty"),
    ],
)
def test_hostile_or_broken_files_get_a_clear_error(client, coordinator, content, name, message):
    response = upload(client, content, name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(RegisterImport)) is None


def test_a_discarded_upload_leaves_no_file(client, coordinator):
    upload(client, "\r\n".join([HEADER, ROWS[1]]).encode())
    record = db.session.scalar(select(RegisterImport))
    stored = Path(client.application.config["MEDIA_ROOT"]) / record.stored_name
    client.post(f"/participants/import/{record.id}/discard")
    assert not stored.exists()
    assert db.session.get(RegisterImport, record.id).state == "discarded"
    response = client.get(f"/participants/import/{record.id}")
    assert response.status_code == 302


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_an_export_imports_again_in_every_language(
    app_factory, make_user, make_participant, language
):
    """Round trip: what one installation exports, another reads back to the same register."""
    make_participant(
        name="Tuva Sandberg",
        birth_date=date(2007, 5, 31),
        phone="+46 70 174 06 40",
        placement={"setting_at_end": "other", "custody_transferred": False},
    )
    application = app_factory(BABEL_DEFAULT_LOCALE=language)
    client = application.test_client()
    user = make_user(roles=[Role.COORDINATOR], language=language)
    client.post("/login", data={"username": user.username, "password": "amber-falcon-thimble-73"})
    exported = client.get("/participants/export.csv").get_data()
    db.session.execute(db.delete(Participant))
    db.session.commit()
    response = client.post(
        "/participants/import",
        data={"file": (io.BytesIO(exported), "export.csv")},
        content_type="multipart/form-data",
    )
    record = db.session.scalar(select(RegisterImport))
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping = json.loads(record.mapping)
    client.post(f"/participants/import/{record.id}/run", data=mapping)
    again = db.session.scalar(select(Participant))
    assert again is not None, "nothing was imported"
    assert again.code == "P-2020-001"
    assert (again.name, again.birth_date) == ("Tuva Sandberg", date(2007, 5, 31))
    assert again.phone == "+46 70 174 06 40"
    assert again.placements[0].setting_at_end == "other"


def test_a_failure_while_writing_leaves_nothing_imported(app, make_user, monkeypatch):
    """The job writes every row in one transaction: a failure on the last row undoes all."""
    from app.core import job_queue, jobs
    from app.participants import imports, services

    actor = make_user(roles=[Role.COORDINATOR])
    data = "\r\n".join([HEADER, ROWS[0].format(worker=""), ROWS[1]]).encode()
    record = imports.start(actor, "register.csv", io.BytesIO(data))
    mapping = {"name": 0, "birth_date": 1, "id_number": 2, "started_on": 3, "ended_on": 4,
               "setting_at_end": 5}  # fmt: skip
    app.config["HUEY_IMMEDIATE"] = False
    monkeypatch.setattr(job_queue, "run_job", lambda job_id: None)  # queued, not yet run
    job = imports.submit(actor, record, mapping)
    db.session.commit()
    real = services.add_placement
    calls = {"n": 0}

    def fail_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise services.RegisterError("disk full (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "add_placement", fail_on_second)
    job_queue.execute(job.id)
    db.session.expire_all()
    assert db.session.get(jobs.Job, job.id).state == "failed"
    assert "Line 3" in db.session.get(jobs.Job, job.id).error
    assert count() == 0
    assert db.session.get(RegisterImport, record.id).state == "uploaded"


def test_a_lost_upload_file_gets_a_clear_message(client, coordinator):
    upload(client, "\r\n".join([HEADER, ROWS[1]]).encode())
    record = db.session.scalar(select(RegisterImport))
    (Path(client.application.config["MEDIA_ROOT"]) / record.stored_name).unlink()
    response = client.get(f"/participants/import/{record.id}", follow_redirects=True)
    assert response.status_code == 200
    assert "The uploaded file is gone; upload it again." in response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_the_template_lists_the_columns_and_imports_as_it_is(client, coordinator, language):
    from app.participants.import_columns import COLUMNS

    coordinator.language = language
    db.session.commit()
    page = client.get("/participants/import").get_data(as_text=True)
    assert page.count('<th scope="row">') == len(COLUMNS)  # every column, from its definition
    assert "2008-04-02" in page and "/participants/import/template.csv" in page
    template = client.get("/participants/import/template.csv")
    assert template.mimetype == "text/csv"
    data = template.data
    assert data.startswith(b"\xef\xbb\xbf")  # a byte order mark: Excel reads it as UTF-8
    header = data[3:].decode().split("\r\n", 1)[0]
    assert header.count(";") == len(COLUMNS) - 1

    upload(client, data, name=f"mall-{language}.csv")
    record = db.session.scalar(select(RegisterImport))
    mapping = json.loads(record.mapping)
    assert set(mapping) == {c.key for c in COLUMNS}  # every column recognised by its name
    page = client.get(f"/participants/import/{record.id}").get_data(as_text=True)
    assert "UTF-8 (BOM)" in page and "errors" not in page
    response = client.post(f"/participants/import/{record.id}/run",
                           data={k: str(v) for k, v in mapping.items()})  # fmt: skip
    assert response.status_code == 302
    (alva,) = db.session.scalars(select(Participant)).all()
    assert (alva.code, alva.name, alva.birth_date) == ("P-2024-017", "Alva Lindberg",
                                                      date(2008, 4, 2))  # fmt: skip
    assert alva.address == "Storgatan 1\n652 24 Karlstad"
    placement = alva.placements[0]
    assert (placement.setting_at_end, placement.custody_transferred) == ("family_home", False)
    assert sorted(p.name for p in alva.people) == [
        "Eva Holm", "Farmor Ingrid", "Leo Lindberg", "Per Holm", "Sara Lindberg"]  # fmt: skip


def test_the_examples_of_each_country_are_read_back():
    from app.participants import import_columns, import_table, importer

    for region in ("SE", "DK"):
        table = import_table.read_table(import_columns.template_csv(region), "template.csv")
        mapping = import_columns.guess_mapping(table.headers)
        (row,) = importer.parse_rows(table, mapping, region=region, today=date(2026, 1, 1))
        assert row.errors == [] or row.errors == {}, (region, row.errors)
        assert row.values["phone"].startswith("+46" if region == "SE" else "+45")
