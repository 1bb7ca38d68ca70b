import pytest
from flask import url_for

from app.core.users import Role
from tests.conftest import PASSWORD
from tests.test_routes_roles import cases, sample_values


def assert_security_headers(response, where, signed_in):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    if response.mimetype == "image/svg+xml":  # a chart: its own styles, nothing else
        directives = [d.strip() for d in csp.split(";")]
        assert "default-src 'none'" in directives and "sandbox" in directives, where
        assert "script" not in csp and "unsafe-eval" not in csp, where
        assert headers["X-Content-Type-Options"] == "nosniff", where
        return
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, where
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert headers["X-Frame-Options"] == "DENY", where
    if signed_in:
        assert headers["Cache-Control"] == "no-store", where


@pytest.mark.parametrize("role", [None, Role.ADMIN, Role.INTERVIEWER])
def test_every_page_sends_the_security_headers(app, client, auth, role):
    if role:
        auth.login(role)
    paths = ["/login", "/home", "/account", "/admin/users", "/admin/audit", "/no-such-page"]
    for path in paths:
        assert_security_headers(client.get(path), path, bool(role))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.INTERVIEWER])
def test_every_get_route_sends_the_security_headers(app, make_user, role):
    """Walks the URL map with the sample values of the route × role test."""
    user = make_user(roles=[role])
    values = sample_values(user)
    client = app.test_client()
    login = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert login.status_code == 302
    checked = 0
    for rule, method in cases(app):
        if method != "GET":
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        response = client.get(url)
        assert response.status_code < 500, url
        assert_security_headers(response, f"GET {url} as {role.value}", signed_in=True)
        checked += 1
    assert checked >= 40


def test_pages_load_nothing_from_elsewhere(client):
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page
    assert "<script>" not in page and "style=" not in page  # nothing inline for the CSP to block


def test_server_errors_leak_nothing(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: /srv/redthread password=hunter2")

    boom.permission = "public"
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "nothing was saved" in body
