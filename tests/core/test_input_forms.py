"""Input that does not fit its form: the query strings and buttons that views read through
``app.core.forms`` answer a mangled value with a message in the reader's language, never a
500 and never by acting on it."""

from datetime import date

import pytest

from app.core.db import db
from app.core.users import Role
from app.guides.models import GuideVersion
from app.guides.services import sync_guides
from app.reviews import sessions
from app.reviews.models import SessionStatus

LEFT_OUT = "Part of the address could not be read and was left out."


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.COORDINATOR, "/participants?page=two"),
        (Role.COORDINATOR, "/participants?q=" + "x" * 300),
        (Role.COORDINATOR, "/reviews/actions?year=last"),
        (Role.COORDINATOR, "/reviews/agenda?language=" + "s" * 40),
        (None, "/login?next=" + "/home" * 500),
    ],
)
def test_a_query_string_that_does_not_fit_is_left_out_and_said(client, auth, role, url):
    if role is not None:
        auth.login(role)
    page = client.get(url)
    assert page.status_code == 200
    assert LEFT_OUT in page.get_data(as_text=True)


def test_the_register_keeps_its_filters_and_pages_as_before(client, auth, make_participant):
    auth.login(Role.COORDINATOR)
    make_participant(name="Saga Lind")
    page = client.get("/participants?q=saga&page=1").get_data(as_text=True)
    assert "Saga Lind" in page and LEFT_OUT not in page
    assert "Saga Lind" not in client.get("/participants?stage=nonsense").get_data(as_text=True)
    assert "Saga Lind" in client.get("/participants?page=-4").get_data(as_text=True)


def test_a_guide_compared_with_a_mangled_version_falls_back_to_the_one_before(client, auth):
    sync_guides()
    db.session.commit()
    auth.login(Role.INTERVIEWER)
    version = db.session.scalars(db.select(GuideVersion)).first()
    page = client.get(f"/guides/{version.id}/compare?against=latest")
    assert page.status_code == 200 and LEFT_OUT in page.get_data(as_text=True)


def test_an_unknown_session_status_is_refused_with_a_message(client, auth):
    boss = auth.login(Role.COORDINATOR)
    found = sessions.create_session(
        boss, title="Återblick", year=2026, held_on=date(2026, 11, 20), scope_from=None,
        scope_to=None, members=[boss],
    )  # fmt: skip
    db.session.commit()
    answer = client.post(f"/reviews/{found.id}/status", data={"status": "closed"},
                         follow_redirects=True)  # fmt: skip
    assert answer.status_code == 200
    assert "Not a valid choice" in answer.get_data(as_text=True)
    db.session.refresh(found)
    assert found.status_enum is SessionStatus.PLANNING


def test_the_audit_log_pages_and_filters_survive_mangled_numbers(client, auth):
    auth.login(Role.ADMIN)
    for url in ("/admin/audit?page=x", "/admin/audit?page=-2", "/admin/audit?date_from=31-31"):
        assert client.get(url).status_code == 200
