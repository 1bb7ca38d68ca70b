import pytest

from app.core.users import Role


@pytest.mark.parametrize("role", [None, Role.ADMIN, Role.INTERVIEWER])
def test_every_page_sends_the_security_headers(app, client, auth, role):
    if role:
        auth.login(role)
    paths = ["/login", "/home", "/account", "/admin/users", "/admin/audit", "/no-such-page"]
    for path in paths:
        response = client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        if role:
            assert headers["Cache-Control"] == "no-store"


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
