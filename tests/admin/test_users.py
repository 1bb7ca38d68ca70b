from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.jobs import Job
from app.core.users import Role, User


def last_action():
    return db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first().action


def new_user_form(**overrides):
    data = {
        "username": "Lotta.N",
        "display_name": "Lotta Nilsson",
        "email": "lotta@example.org",
        "roles": ["interviewer", "review_member"],
        "language": "da",
        "password": "saffron-kayak-window-88",
        "confirm": "saffron-kayak-window-88",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_log_in(client, auth, app):
    auth.login(Role.ADMIN)
    response = client.post("/admin/users/new", data=new_user_form())
    assert response.status_code == 302
    user = User.by_username("lotta.n")
    assert user.roles == {Role.INTERVIEWER, Role.REVIEW_MEMBER}
    assert user.language == "da"
    assert last_action() == "user.create"
    fresh = app.test_client()
    login = fresh.post(
        "/login", data={"username": "lotta.n", "password": "saffron-kayak-window-88"}
    )
    assert login.status_code == 302


def test_bad_new_user_input_is_explained_and_saves_nothing(client, auth, make_user):
    auth.login(Role.ADMIN)
    make_user(username="taken")
    cases = [
        (new_user_form(username="taken"), "already taken"),
        (new_user_form(roles=[]), "Choose at least one role"),
        (new_user_form(password="short", confirm="short"), "at least 12 characters"),
        (new_user_form(confirm="something-else-entirely"), "passwords differ"),
        (new_user_form(username="bad name!"), "Use letters a-z"),
        (new_user_form(email="not-an-email"), "Invalid email"),
        (new_user_form(roles=["superuser"]), "not a valid choice"),
    ]
    before = db.session.scalar(db.select(db.func.count(User.id)))
    for data, message in cases:
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), message
    assert db.session.scalar(db.select(db.func.count(User.id))) == before


def test_edit_roles_and_deactivate(client, auth, make_user):
    auth.login(Role.ADMIN)
    other = make_user(roles=[Role.INTERVIEWER])
    response = client.post(
        f"/admin/users/{other.id}",
        data={"display_name": "Renamed", "email": "", "roles": ["researcher"], "language": ""},
    )
    assert response.status_code == 302
    db.session.refresh(other)
    assert (other.display_name, other.roles) == ("Renamed", {Role.RESEARCHER})
    for _ in range(2):  # a second submit of the same form changes nothing
        client.post(f"/admin/users/{other.id}/active", data={"active": "0"})
    db.session.refresh(other)
    assert not other.active
    assert last_action() == "user.deactivate"
    client.post(f"/admin/users/{other.id}/active", data={"active": "1"})
    db.session.refresh(other)
    assert other.active


def test_the_last_admin_cannot_be_removed(client, auth):
    admin = auth.login(Role.ADMIN)
    page = client.post(
        f"/admin/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "at least one active administrator" in page.get_data(as_text=True)
    page = client.post(
        f"/admin/users/{admin.id}",
        data={"display_name": "A", "roles": ["coordinator"], "language": ""},
    )
    assert "at least one active administrator" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and Role.ADMIN in admin.roles


def test_admin_sets_a_new_password_and_old_sessions_end(app, client, auth, make_user):
    auth.login(Role.ADMIN)
    other = make_user()
    other_client = app.test_client()
    other_client.post(
        "/login", data={"username": other.username, "password": "amber-falcon-thimble-73"}
    )
    assert other_client.get("/home").status_code == 200
    client.post(
        f"/admin/users/{other.id}/password",
        data={"password": "meadow-tinsel-orbit-19", "confirm": "meadow-tinsel-orbit-19"},
    )
    assert other_client.get("/home").status_code == 302
    assert last_action() == "user.password_set"


def test_unknown_user_is_404(client, auth):
    auth.login(Role.ADMIN)
    assert client.get("/admin/users/9999").status_code == 404
    assert client.get("/admin/jobs/9999").status_code == 404


def test_audit_log_page_filters(app, client, auth):
    app.test_client().post("/login", data={"username": "ghost", "password": "whatever-at-all"})
    auth.login(Role.ADMIN)
    page = client.get("/admin/audit?action=auth.login_failed").get_data(as_text=True)
    assert "auth.login_failed" in page
    assert "1 entry" in page
    empty = client.get("/admin/audit?actor=nobody-here").get_data(as_text=True)
    assert "0 entries" in empty
    bad_date = client.get("/admin/audit?date_from=31-31-2026")
    assert bad_date.status_code == 200
    assert "Not a valid date" in bad_date.get_data(as_text=True)


def test_verifying_the_audit_log_runs_as_a_job(client, auth):
    auth.login(Role.ADMIN)
    response = client.post("/admin/audit/verify")
    assert response.status_code == 302
    job = db.session.scalars(db.select(Job)).one()
    assert job.state == "succeeded"
    assert job.result_dict["broken_at"] is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "entries are intact" in page
    status = client.get(f"/admin/jobs/{job.id}", headers={"Accept": "application/json"})
    assert status.json["state"] == "succeeded"
    assert "found all" in client.get("/admin/audit").get_data(as_text=True)
