"""Every upload route counts toward one per-user limit (UPLOAD_RATE_LIMIT), with a clear 429."""

import inspect
import io
import re
import sys

import pytest
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import FileField

from app.core.db import db
from app.core.users import Role
from app.participants.models import RegisterImport
from tests.conftest import PASSWORD
from tests.test_routes_roles import sample_values

#: endpoint -> a role that may use it (the interviewer holds the sample interview)
UPLOADS = {
    "transcripts.upload": Role.INTERVIEWER,
    "transcripts.import_file": Role.INTERVIEWER,
    "participants.import_upload": Role.COORDINATOR,
    "consent.record": Role.COORDINATOR,
    "exchange.import_codebook": Role.RESEARCHER,
    "exchange.import_project": Role.RESEARCHER,
}


def _file_fields() -> set[str]:
    """Names of the FileFields of every form in the application."""
    names = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for name, value in vars(form).items():
            if inspect.isclass(getattr(value, "field_class", None)) and issubclass(
                value.field_class, FileField
            ):
                names.add(name)
    return names


def _reads_a_file(source: str, names: set[str], helpers: set[str]) -> bool:
    if "request.files" in source or any(f"{n}.data" in source for n in names):
        return True
    return any(re.search(rf"\b{h}\(", source) for h in helpers)


def upload_views(app) -> set[str]:
    """Endpoints whose view reads an uploaded file, directly or through a helper of its module."""
    names = _file_fields()
    found = set()
    for endpoint, view in app.view_functions.items():
        function = inspect.unwrap(view)
        module = sys.modules[function.__module__]
        helpers = {
            name
            for name, other in vars(module).items()
            if inspect.isfunction(other)
            and other.__module__ == module.__name__
            and not hasattr(other, "permission")
            and _reads_a_file(inspect.getsource(other), names, set())
        }
        if _reads_a_file(inspect.getsource(function), names, helpers):
            found.add(endpoint)
    return found


def test_every_upload_route_is_limited(app):
    found = upload_views(app)
    assert found == set(UPLOADS), "an upload route was added or lost: update UPLOADS"
    for endpoint in found:
        assert getattr(app.view_functions[endpoint], "upload_limited", False), endpoint


@pytest.mark.parametrize("endpoint", sorted(UPLOADS))
def test_each_upload_route_refuses_past_the_limit(app_factory, make_user, endpoint):
    app = app_factory(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="2 per hour")
    with app.app_context():
        user = make_user(roles=[UPLOADS[endpoint]])
        values = sample_values(user)
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        with app.test_request_context():
            url = url_for(endpoint, **{k: values[k] for k in rule.arguments})
        username = user.username
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    codes = [
        client.post(url, data={"x": (io.BytesIO(b"x"), "x.txt")}).status_code for _ in range(3)
    ]
    assert codes[:2] != [429, 429] and codes[2] == 429, codes
    refused = client.post(url, data={})
    page = refused.get_data(as_text=True)
    assert "too many files in a short time: at most 2 in 60 minutes" in page
    assert "Nothing was saved" in page
    assert client.get("/home").status_code == 200  # only uploads are limited


def test_the_limit_is_per_user_and_refusal_saves_nothing(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="1 per hour")
    with app.app_context():
        names = [make_user(roles=[Role.COORDINATOR]).username for _ in range(2)]
    csv = "Name;Birth date;Placement start;Placement end\nA B;2005-01-01;2015-01-01;2024-06-30\n"

    def upload(client):
        data = {"file": (io.BytesIO(csv.encode()), "register.csv")}
        return client.post("/participants/import", data=data, content_type="multipart/form-data")

    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"username": names[0], "password": PASSWORD})
    second.post("/login", data={"username": names[1], "password": PASSWORD})
    assert upload(first).status_code == 302
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(RegisterImport.id)))
    assert upload(first).status_code == 429
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RegisterImport.id))) == before
    assert upload(second).status_code == 302  # a colleague at the same address is not blocked


def test_the_refusal_is_translated(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="1 per hour")
    with app.app_context():
        username = make_user(roles=[Role.COORDINATOR]).username
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    client.post("/language", data={"language": "sv", "next": "/"})
    for _ in range(2):
        response = client.post("/participants/import", data={})
    assert response.status_code == 429
    assert '<html lang="sv">' in response.get_data(as_text=True)
