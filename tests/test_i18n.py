import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.core.users import Role

TRANSLATIONS = Path(__file__).parent.parent / "app" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_every_catalog_reads_without_a_problem(language):
    # pybabel compile only warns on a malformed entry (a msgid without msgstr, a comment run
    # into the entry before it) and drops it, so that string would show in English.
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        read_po(handle, abort_invalid=True)


@pytest.mark.parametrize("language", ["sv", "da"])
def test_every_string_is_translated(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = read_po(handle)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}, "run make catalogs"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {ids[0]!r}"
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= expected, (language, ids[0], text)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("da-DK,da;q=0.9", "Log ind"), ("sv-SE", "Logga in"), ("en-GB", "Log in"), ("de", "Log in")],
)
def test_browser_language_is_followed(client, accept, expected):
    page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<h1 id="login-title">{expected}</h1>' in page


def test_language_switch_is_remembered_for_the_user(app, client, auth):
    user = auth.login(Role.INTERVIEWER)
    response = client.post("/language", data={"language": "da", "next": "/home"})
    assert response.headers["Location"] == "/home"
    assert 'lang="da"' in client.get("/home").get_data(as_text=True)
    assert user.language == "da"
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": "amber-falcon-thimble-73"})
    assert 'lang="da"' in other.get("/home", headers={"Accept-Language": "sv"}).get_data(
        as_text=True
    )


def test_language_switch_before_login(client):
    client.post("/language", data={"language": "sv", "next": "https://evil.example/"})
    page = client.get("/login").get_data(as_text=True)
    assert "Användarnamn" in page


@pytest.mark.parametrize(
    ("language", "text"),
    [("sv", "Sidan finns inte"), ("da", "Siden findes ikke"), ("en", "Page not found")],
)
def test_error_pages_are_translated(client, language, text):
    client.post("/language", data={"language": language})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_audit_actions_are_shown_in_the_users_language(app, client, auth):
    app.test_client().post("/login", data={"username": "ghost", "password": "nope-nope-nope"})
    auth.login(Role.ADMIN)
    client.post("/language", data={"language": "sv"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Misslyckad inloggning" in page
    assert "Inloggad" in page
