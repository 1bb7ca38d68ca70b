"""The register: encryption at rest, codes, checks, who sees identity, and the audit of reads."""

import csv
import io
import threading
from datetime import date

import pytest
from sqlalchemy import select, text

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.participants import services
from app.participants.eligibility import Setting
from app.participants.models import Participant
from app.participants.services import RegisterError


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=[Role.COORDINATOR])


def register(coordinator, **overrides):
    fields = {
        "name": "Alva Lindberg",
        "birth_date": date(2008, 4, 2),
        "id_number": "080402-2382",
        "phone": "070-174 06 55",
    }
    fields.update(overrides)
    return services.create_participant(coordinator, **fields)


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_identity_is_encrypted_at_rest(app, coordinator):
    participant = register(coordinator, address="Exempelgatan 3")
    db.session.commit()
    raw = db.session.execute(
        text("SELECT name, birth_date, id_number, phone, address FROM participant")
    ).one()
    for value in raw:
        assert value.startswith("gAAAA")  # a Fernet token
    assert "Alva" not in " ".join(raw) and "2008" not in " ".join(raw)
    fresh = db.session.get(Participant, participant.id)
    assert (fresh.name, fresh.birth_date) == ("Alva Lindberg", date(2008, 4, 2))
    assert fresh.id_number == "20080402-2382"
    assert fresh.phone == "+46 70 174 06 55"


def test_codes_count_up_within_the_year(app, coordinator):
    first = register(coordinator)
    second = register(coordinator, id_number=None, name="Elias Nyström")
    year = 2026  # the tests' fixed today
    assert first.code == f"P-{year}-001"
    assert second.code == f"P-{year}-002"
    assert services.next_code(1999) == "P-1999-001"


def test_code_numbers_past_999_keep_counting(app, make_participant):
    make_participant(code="P-2030-999", placement=None)
    make_participant(code="P-2030-1000", placement=None)
    assert services.next_code(2030) == "P-2030-1001"


def test_two_transactions_at_once_get_different_codes(app, coordinator):
    """Two imports on two machines: the second waits for the first's code, not the same one."""
    first = register(coordinator, id_number=None)  # holds the year's codes until its commit
    seen = {}

    def second_machine():
        with app.app_context():
            user = db.session.merge(coordinator, load=False)
            seen["code"] = register(user, id_number=None, name="Elias Nyström").code
            db.session.commit()
            db.session.remove()

    other = threading.Thread(target=second_machine)
    other.start()
    other.join(timeout=1)
    assert other.is_alive(), "the second transaction read the last code before the commit"
    db.session.commit()
    other.join(timeout=20)
    assert (first.code, seen["code"]) == ("P-2026-001", "P-2026-002")


def test_an_id_number_is_registered_once(app, coordinator):
    first = register(coordinator)
    with pytest.raises(RegisterError, match=first.code) as caught:
        register(coordinator, name="Someone Else")
    assert caught.value.field == "id_number"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "080402-2384"}, "id_number"),
        ({"id_number": "080403-2381"}, "id_number"),
        ({"phone": "12"}, "phone"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_identity_data_is_refused_with_the_field(app, coordinator, overrides, field):
    with pytest.raises(RegisterError) as caught:
        register(coordinator, **overrides)
    assert caught.value.field == field
    assert db.session.scalar(select(Participant)) is None


def test_placement_dates_are_checked(app, coordinator):
    participant = register(coordinator)
    args = {"setting_at_end": Setting.FAMILY_HOME, "custody_transferred": False}
    with pytest.raises(RegisterError, match="end before it starts"):
        services.add_placement(
            coordinator, participant, started_on=date(2020, 1, 1), ended_on=date(2019, 1, 1), **args
        )
    with pytest.raises(RegisterError, match="before the child was born"):
        services.add_placement(
            coordinator, participant, started_on=date(2008, 1, 1), ended_on=None, **args
        )


def test_only_a_coordinator_registers(app, make_user):
    interviewer = make_user(roles=[Role.INTERVIEWER])
    with pytest.raises(PermissionDenied):
        register(interviewer)


def test_interviewer_sees_only_assigned_participants(app, make_user, make_participant, make_offer):
    interviewer = make_user(roles=[Role.INTERVIEWER])
    mine = make_participant()
    other = make_participant()
    make_offer(mine.placements[0], answer="accepted", interviewer_id=interviewer.id)
    assert services.visible_participants(interviewer) == [mine]
    services.show_identity(interviewer, [mine], "detail")
    with pytest.raises(PermissionDenied):
        services.show_identity(interviewer, [mine, other], "detail")


def test_identity_pages_are_audited_and_refused_to_others(
    client, auth, make_user, make_participant, make_offer
):
    participant = make_participant()
    interviewer = auth.login(Role.INTERVIEWER)
    assert client.get(f"/participants/{participant.id}").status_code == 403
    denial = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "access.denied"))
    assert denial.detail_dict == {"path": f"/participants/{participant.id}",
                                  "permission": "participants.view"}  # fmt: skip
    make_offer(participant.placements[0], answer="accepted", interviewer_id=interviewer.id)
    page = client.get(f"/participants/{participant.id}")
    assert page.status_code == 200 and participant.name in page.get_data(as_text=True)
    mine = client.get("/participants/mine").get_data(as_text=True)
    assert participant.name in mine
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participant.identity_read")
    ).all()
    assert [e.detail_dict["purpose"] for e in entries] == ["detail", "assigned"]
    assert entries[0].object_id == str(participant.id)
    assert entries[1].detail_dict.get("ids") is None and entries[1].object_id == str(participant.id)


def test_register_pages_for_the_coordinator(client, auth, make_participant):
    auth.login(Role.COORDINATOR)
    someone = make_participant(name="Saga Holmgren")
    make_participant(name="Noah Dahl")
    page = client.get("/participants?q=saga").get_data(as_text=True)
    assert "Saga Holmgren" in page and "Noah Dahl" not in page
    page = client.get("/participants?stage=due").get_data(as_text=True)
    assert someone.code in page
    read = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participant.identity_read")
    ).all()
    assert read[0].object_id == str(someone.id)  # only the rows shown are read


def test_the_unfiltered_register_reads_one_page(client, auth, make_participant, monkeypatch):
    """With nothing to search or filter by, the page is read alone, by code: the people of
    the other pages are neither loaded nor decrypted."""
    from app.participants import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    auth.login(Role.COORDINATOR)
    people = sorted((make_participant(name=f"Person {n}") for n in range(5)),
                    key=lambda p: p.code)  # fmt: skip
    first = client.get("/participants").get_data(as_text=True)
    assert [p.code in first for p in people] == [True, True, False, False, False]
    assert "5 of 5 participants" in first
    last = client.get("/participants?page=9").get_data(as_text=True)  # the last page
    assert [p.code in last for p in people] == [False, False, False, False, True]
    assert "Person 4" in last and "Person 0" not in last
    read = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "participant.identity_read")
    ).all()
    shown = [e.detail_dict.get("ids") or [int(e.object_id)] for e in read]
    assert shown == [sorted([people[0].id, people[1].id]), [people[4].id]]


def test_create_and_edit_through_the_forms(client, auth):
    auth.login(Role.COORDINATOR)
    identity = {"name": "Maja Björk", "birth_date": "2007-09-30", "language": "sv"}
    response = client.post("/participants/new", data={**identity, "id_number": "0709302385"})
    assert "is not a valid personnummer" in response.get_data(as_text=True)
    response = client.post("/participants/new", data={**identity, "id_number": "0709302384"})
    participant = db.session.scalar(select(Participant))
    assert response.headers["Location"].endswith(f"/participants/{participant.id}/placements/new")
    response = client.post(
        f"/participants/{participant.id}/placements/new",
        data={
            "started_on": "2010-01-01",
            "ended_on": "2024-01-31",
            "setting_at_end": "family_home",
            "worker_names": "Gunilla Ohlsson\n\n",
        },
    )
    assert response.status_code == 302
    placement = participant.placements[0]
    assert [w.display_name for w in placement.workers] == ["Gunilla Ohlsson"]
    response = client.post(
        f"/participants/{participant.id}/people", data={"relation": "sibling", "name": "Liv Björk"}
    )
    assert response.status_code == 302
    page = client.get(f"/participants/{participant.id}").get_data(as_text=True)
    assert "Liv Björk" in page and "Gunilla Ohlsson" in page
    person = participant.people[0]
    client.post(f"/participants/people/{person.id}/delete")
    assert participant.people == []
    response = client.post(
        f"/participants/{participant.id}/edit",
        data={**identity, "phone": "not a phone"},
    )
    assert "is not a phone number" in response.get_data(as_text=True)


def test_export_neutralises_formulas_and_reads_back(client, auth, make_participant):
    auth.login(Role.COORDINATOR)
    make_participant(name='=HYPERLINK("http://evil.example","click")', phone="+46 70 174 06 06")
    response = client.get("/participants/export.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert body.startswith("\ufeffCode;Name;")
    cells = [cell for row in csv.reader(io.StringIO(body[1:]), delimiter=";") for cell in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'+46 70 174 06 06" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    actions = audit_actions()
    assert "participant.export" in actions and "participant.identity_read" in actions


def test_birth_dates_and_placement_dates_stay_possible(app, coordinator):
    participant = register(coordinator)
    services.add_placement(
        coordinator,
        participant,
        started_on=date(2012, 1, 1),
        ended_on=date(2020, 1, 1),
        setting_at_end=Setting.FAMILY_HOME,
        custody_transferred=False,
    )
    with pytest.raises(RegisterError, match="born after a placement started") as caught:
        services.update_participant(
            coordinator, participant, name="Alva Lindberg", birth_date=date(2016, 1, 1)
        )
    assert caught.value.field == "birth_date"
    with pytest.raises(RegisterError, match="between 1900-01-01 and today"):
        services.add_placement(
            coordinator, participant, started_on=date(2012, 1, 1), ended_on=date(9999, 1, 1),
            setting_at_end=Setting.FAMILY_HOME, custody_transferred=False,
        )  # fmt: skip
    with pytest.raises(RegisterError, match="between 1900-01-01 and today"):
        register(coordinator, birth_date=date(2030, 1, 1), id_number=None)


def test_pages_survive_impossible_dates_already_stored(client, auth, make_participant):
    """Rows written before the checks (or by hand) show as needing a look, not a 500."""
    participant = make_participant(birth_date=date(2016, 1, 1))  # after the placement start
    make_participant(placement={"ended_on": date(9999, 1, 1)})
    auth.login(Role.COORDINATOR)
    for url in ("/participants", f"/participants/{participant.id}", "/follow-up/",
                "/follow-up/attrition", "/participants/export.csv"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    assert "The dates need checking" in client.get(f"/participants/{participant.id}").get_data(
        as_text=True
    )


def test_my_participants_lists_only_open_or_held_assignments(
    client, auth, make_participant, make_offer
):
    user = auth.login(Role.COORDINATOR)
    user.set_roles([Role.COORDINATOR, Role.INTERVIEWER])
    db.session.commit()
    mine, closed, other = make_participant(), make_participant(), make_participant()
    make_offer(mine.placements[0], answer="accepted", interviewer_id=user.id)
    make_offer(closed.placements[0], answer="declined", interviewer_id=user.id,
               outcome="not_interviewed", attrition_reason="declined")  # fmt: skip
    page = client.get("/participants/mine")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert mine.code in text and closed.code not in text and other.code not in text


def test_the_address_keeps_its_lines_and_stays_escaped(client, auth, app):
    coordinator = auth.login(Role.COORDINATOR)
    participant = register(coordinator, address="Storgatan 1\nc/o Berg <b>\n652 24 Karlstad")
    db.session.commit()
    page = client.get(f"/participants/{participant.id}").get_data(as_text=True)
    assert '<dd class="lines">Storgatan 1\nc/o Berg &lt;b&gt;\n652 24 Karlstad</dd>' in page
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert ".lines { white-space: pre-line; }" in css


def test_a_child_too_young_for_the_window_is_shown_the_reason_not_a_window(
    client, auth, make_participant
):
    auth.login(Role.COORDINATOR)
    child = make_participant(code="P-2018-059", birth_date=date(2018, 8, 6),
                             placement={"started_on": date(2021, 1, 10),
                                        "ended_on": date(2024, 5, 29)})  # fmt: skip
    for url in (f"/participants/{child.id}", "/participants"):
        page = client.get(url).get_data(as_text=True)
        assert "Too young within the offer window" in page, url
        assert "2033" not in page and "2027" not in page, url
    exported = client.get("/participants/export.csv").get_data(as_text=True)
    assert "2033" not in exported and "Too young within the offer window" in exported
