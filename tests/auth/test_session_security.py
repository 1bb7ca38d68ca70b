"""Security review: session fixation, and open redirects through every `next` parameter.

The places that take a redirect target from the request (found with grep for `next` and
`safe_next` in app/): the login form (its `next` comes from the query string), the second
login step (which carries the login's target), the language switch, and the idle-timeout and
"please log in" redirects, which put the requested path into the login URL.
"""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote, urlsplit

import pyotp
import pytest

from app.auth import two_factor
from app.core.db import db, utcnow
from app.core.users import Role
from tests.conftest import PASSWORD

#: targets a hostile link could carry, already decoded the way the server sees them
HOSTILE = [
    "//evil.example",
    "//evil.example/home",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/home",
    "HTTPS://evil.example",
    "https:/evil.example",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "%2F%2Fevil.example",  # arrived encoded twice: decoded once it is no path at all
    "/%09/evil.example",
    "\u3002evil.example",
    "//evil.example\u2044home",
]


def on_site(location: str) -> bool:
    """What a browser would treat as this site: a path, no scheme, no host, no backslash."""
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in location
        and not any(ord(ch) < 32 for ch in location)
    )


def hidden_next(page: str) -> str:
    """The login form's `next` (the page's language form carries one of its own)."""
    form = page.split('action="/login"', 1)[1]
    match = re.search(r'name="next" type="hidden" value="([^"]*)"', form)
    assert match, "no next field"
    return unescape(match.group(1))


@pytest.mark.parametrize("target", HOSTILE)
def test_login_next_from_a_link_never_leaves_the_site(app, client, make_user, target):
    user = make_user()
    # the link as an attacker would send it, percent-encoded in the query string
    page = client.get("/login?next=" + quote(target, safe="")).get_data(as_text=True)
    carried = hidden_next(page)
    assert carried == target  # escaped into the form, not interpreted
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "next": carried}
    )
    location = response.headers["Location"]
    assert on_site(location), (target, location)
    assert location == "/home" or target.startswith("/%"), (target, location)


def test_the_next_field_cannot_break_out_of_the_page(client):
    page = client.get('/login?next="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("target", HOSTILE)
def test_second_login_step_never_leaves_the_site(app, client, make_user, target):
    user = make_user()
    secret = two_factor.pending_secret(user)
    totp = pyotp.TOTP(secret)
    two_factor.confirm_enrolment(user, secret, totp.at(utcnow() - timedelta(seconds=30)), PASSWORD)
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": PASSWORD, "next": target})
    location = client.post("/login/code", data={"code": totp.at(utcnow())}).headers["Location"]
    assert on_site(location) and (location == "/home" or target.startswith("/%")), target


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_leaves_the_site(client, target):
    location = client.post("/language", data={"language": "sv", "next": target}).headers["Location"]
    assert on_site(location) and (location == "/" or target.startswith("/%")), target


def test_safe_targets_are_kept(client, auth):
    auth.login(Role.ADMIN)
    response = client.post("/language", data={"language": "da", "next": "/admin/users?page=2"})
    assert response.headers["Location"] == "/admin/users?page=2"


def test_login_redirects_put_only_this_sites_paths_into_next(app, client, auth):
    anonymous = app.test_client().get("/admin/users")
    assert anonymous.headers["Location"] == "/login?next=%2Fadmin%2Fusers"
    user = auth.login(Role.ADMIN)
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 5
    expired = client.get("/x", environ_overrides={"PATH_INFO": "//evil.example/x"})
    location = expired.headers["Location"]
    assert location.startswith("/login?next=")
    page = client.get(location).get_data(as_text=True)
    carried = hidden_next(page)
    relogin = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "next": carried}
    )
    assert on_site(relogin.headers["Location"]), relogin.headers["Location"]


# --- session fixation -----------------------------------------------------------------------


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("redthread_session")
    return cookie.value if cookie else None


def test_login_starts_a_new_session(app, client, make_user):
    user = make_user()
    # An attacker plants a session of their own (any value they know) in the victim's browser.
    with client.session_transaction() as session:
        session["planted"] = "attacker-knows-this"
    planted = session_cookie(client)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    after = session_cookie(client)
    assert after != planted
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")
    # The attacker's copy of the planted cookie does not carry the victim's login.
    attacker = app.test_client()
    attacker.set_cookie("redthread_session", planted)
    assert attacker.get("/home").status_code == 302


def test_the_half_way_session_of_two_factor_login_is_replaced_at_the_end(app, client, make_user):
    user = make_user()
    secret = two_factor.pending_secret(user)
    totp = pyotp.TOTP(secret)
    two_factor.confirm_enrolment(user, secret, totp.at(utcnow() - timedelta(seconds=30)), PASSWORD)
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    half_way = session_cookie(client)
    client.post("/login/code", data={"code": totp.at(utcnow())})
    full = session_cookie(client)
    assert full != half_way
    copy = app.test_client()
    copy.set_cookie("redthread_session", half_way)
    assert copy.get("/home").status_code == 302
    # and after logout the logged-in cookie is useless as well
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("redthread_session", full)
    assert thief.get("/home").status_code == 302


def test_a_session_moved_to_another_browser_is_refused(app, client, auth):
    auth.login(Role.INTERVIEWER)
    stolen = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("redthread_session", stolen)
    # "strong" session protection: another browser (user agent) does not get the login
    response = thief.get("/home", headers={"User-Agent": "Other Browser/1.0"})
    assert response.status_code == 302
