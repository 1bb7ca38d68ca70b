"""Fixtures: app, an isolated database per test, client, a login helper per role, factories.

The schema comes from the migrations (built once per session), so every test also runs on
what `flask db upgrade` produces. SQLite: each test gets a copy of a migrated template file.
PostgreSQL (REDTHREAD_TEST_DATABASE_URL): migrated once, every table truncated after a test.
"""

import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.core import passwords
from app.core.db import db
from app.core.users import Role, User
from tests.redis_server import redis_server, redis_url  # noqa: F401 (fixtures)

PG_URL = os.environ.get("REDTHREAD_TEST_DATABASE_URL", "").strip()
PASSWORD = "amber-falcon-thimble-73"
TODAY = date(2026, 11, 23)
MIGRATIONS = str(Path(__file__).parent.parent / "migrations")


def base_config(database_uri: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "HUEY_IMMEDIATE": True,
        "RATELIMIT_ENABLED": False,
        # Speaker labelling loads torch models; the tests that need it turn it on.
        "DIARIZATION": "off",
        # Production requires two-factor login for identity roles; tests turn it on themselves.
        "REQUIRE_2FA_ROLES": frozenset(),
        "BABEL_DEFAULT_LOCALE": "en",
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        # Deadlines are relative to today: the tests live on one fixed day.
        "TODAY": TODAY,
    }


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own (fresh g and session), as in production.

    Without this a request would reuse the test's app context, and with it the test's
    database session and Flask-Login's cached user.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test sees what the request committed
        return response


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    # Argon2id at its production cost makes a suite of logins slow; the algorithm is the same.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database: a SQLite file to copy, or the PostgreSQL URL, migrated once."""
    if PG_URL:
        from app.config import database_url

        os.environ["DATABASE_URL"] = PG_URL
        url = database_url(Path("/nonexistent"))
        del os.environ["DATABASE_URL"]
        # The schema is dropped and rebuilt: refuse anything that is not a test database.
        assert "test" in url.rsplit("/", 1)[-1], "REDTHREAD_TEST_DATABASE_URL must name a *test* db"
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(url, tmp_path_factory.mktemp("pg-instance"))
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}", tmp_path_factory.mktemp("template-instance"))
    return path


def _migrate(url: str, instance: Path) -> None:
    app = create_app(base_config(url), instance_path=str(instance))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@pytest.fixture
def database_uri(database_template, tmp_path):
    if PG_URL:
        yield database_template
        engine = create_engine(database_template)
        with engine.begin() as connection:
            tables = [t.name for t in db.metadata.sorted_tables]
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.db"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app_factory(database_uri, tmp_path):
    """Build an app on this test's database, with overrides."""
    made = []

    def make(**overrides):
        config = base_config(database_uri)
        config["MEDIA_ROOT"] = str(tmp_path / "media")
        config.update(overrides)
        application = create_app(config, instance_path=str(tmp_path / "instance"))
        application.test_client_class = IsolatedClient
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    application = app_factory()
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: a committed user with overrides; the password is PASSWORD unless given."""
    hashes = {}
    counter = {"n": 0}

    def make(roles=(Role.INTERVIEWER,), password=PASSWORD, **overrides) -> User:
        counter["n"] += 1
        if password not in hashes:
            hashes[password] = passwords.hash_password(password)
        fields = {
            "username": f"user{counter['n']}",
            "display_name": f"Test User {counter['n']}",
            "email": None,
            "password_hash": hashes[password],
        }
        fields.update(overrides)
        user = User(**fields)
        user.set_roles(roles)
        db.session.add(user)
        db.session.commit()
        return user

    return make


class Auth:
    def __init__(self, client, make_user):
        self.client = client
        self.make_user = make_user

    def login(self, role: Role | None = None, user: User | None = None, password=PASSWORD):
        """Log in through the real form; returns the user."""
        if user is None:
            user = self.make_user(roles=[role] if role else [Role.INTERVIEWER])
        response = self.client.post(
            "/login", data={"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, make_user):
    return Auth(client, make_user)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def make_participant(app):
    """Factory: a committed participant with one placement, eligible by default.

    Overrides: participant fields, and ``placement`` (a dict of placement fields, or None for
    no placement). Dates default to a placement that ended two years before ``today``.
    """
    from app.participants.models import Participant, Placement

    counter = {"n": 0}

    def make(placement=(), **overrides):
        counter["n"] += 1
        fields = {
            "code": f"P-2020-{counter['n']:03d}",
            "name": f"Test Child {counter['n']}",
            "birth_date": date(2005, 3, 14),
        }
        fields.update(overrides)
        participant = Participant(**fields)
        if placement is not None:
            values = {
                "started_on": date(2015, 1, 1),
                "ended_on": date(2024, 6, 30),
                "setting_at_end": "family_home",
                "custody_transferred": False,
            }
            values.update(dict(placement))
            participant.placements.append(Placement(**values))
        db.session.add(participant)
        db.session.commit()
        return participant

    return make


@pytest.fixture
def make_offer(app):
    """Factory: a committed offer for a placement, with overrides (answer, interviewer...)."""
    from app.offers.models import Offer

    def make(placement, **overrides):
        fields = {"offered_on": placement.ended_on.replace(year=placement.ended_on.year + 2)}
        fields.update({"channel": "letter"}, **overrides)
        if fields.get("answer") and "answered_on" not in fields:
            fields["answered_on"] = fields["offered_on"]
        if fields.get("interviewer_id") and "assigned_on" not in fields:
            fields["assigned_on"] = fields["offered_on"]
        offer = Offer(placement=placement, **fields)
        db.session.add(offer)
        db.session.commit()
        return offer

    return make


@pytest.fixture
def give_consent(app):
    """Factory: record a verbal consent (to every scope unless told) and commit it."""
    from app.consent import gate
    from app.consent import services as consent
    from app.consent.models import ConsentForm
    from app.consent.scopes import Scope
    from app.consent.texts import FORM_KEY, seed_forms

    def give(interview, actor, scopes=tuple(Scope), giver="young_person", given_on=None,
             guardian_name=None):  # fmt: skip
        seed_forms()
        record = consent.record(
            actor,
            interview,
            giver=giver,
            scopes=scopes,
            form=ConsentForm.latest(FORM_KEY, interview.language),
            method="verbal",
            witness="A colleague",
            given_on=given_on or min(gate.interview_day(interview), TODAY),
            guardian_name=guardian_name,
        )
        db.session.commit()
        return record

    return give
