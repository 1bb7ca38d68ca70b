"""One place ends a transaction: the request wrapper, for jobs and CLI commands one helper.

A refused change (any area's ``Refused``) leaves nothing behind, however far the view got.
"""

import re
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import select, text

from app.core import transaction
from app.core.db import db
from app.core.permissions import public
from app.core.refusal import Refused
from app.core.users import User

APP = Path(__file__).resolve().parents[2] / "app"
#: the one module that calls the session's commit or rollback
ENDS = APP / "core" / "transaction.py"


def test_nothing_but_the_transaction_module_commits_or_rolls_back():
    calls = re.compile(r"\.(commit|rollback)\(\)")
    found = [
        f"{path.relative_to(APP)}:{number}"
        for path in sorted(APP.rglob("*.py"))
        if path != ENDS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if calls.search(line) and not re.search(r"transaction\.(commit|rollback)\(\)", line)
    ]
    assert found == []


def test_views_and_services_leave_the_commit_to_the_wrapper():
    """transaction.commit and .rollback are for jobs and CLI commands only."""
    allowed = {"cli.py", "core/jobs.py", "core/job_queue.py", "core/restore.py",
               "core/backup_commands.py", "themes/tasks.py"}  # fmt: skip
    found = [
        str(path.relative_to(APP))
        for path in sorted(APP.rglob("*.py"))
        if str(path.relative_to(APP)) not in allowed
        and re.search(r"transaction\.(commit|rollback)\(\)", path.read_text())
    ]
    assert found == []


class Closed(Refused):
    """A refusal that shows an error page, as ConsentMissing does."""

    status, page = 403, True


def _add_user(name: str) -> None:
    db.session.add(User(username=name, display_name=name, password_hash="x"))
    db.session.flush()


@pytest.fixture
def views(app_factory):
    """An app with a few views that flush a user and then end in different ways."""
    application = app_factory()

    @public
    def saved():
        _add_user("kept")
        return "saved"

    @public
    def refused():
        _add_user("dropped")
        raise Refused("That cannot be done.")

    @public
    def caught():
        _add_user("dropped")
        try:
            raise Refused("Not like that.")
        except Refused as error:
            transaction.refuse(error)
        return "shown after the refusal", 200

    @public
    def closed():
        _add_user("dropped")
        raise Closed("Not for you.")

    @public
    def failed():
        _add_user("dropped")
        abort(400)

    for view in (saved, refused, caught, closed, failed):
        application.add_url_rule(f"/t/{view.__name__}", view.__name__, view,
                                 methods=["POST"])  # fmt: skip
    return application


def _users(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.username)))


def _flashes(client) -> list:
    with client.session_transaction() as session:
        return session.get("_flashes", [])


def test_a_view_that_returns_normally_is_committed(views):
    assert views.test_client().post("/t/saved").status_code == 200
    assert "kept" in _users(views)


def test_a_refusal_rolls_back_flashes_and_goes_back_to_the_page_it_came_from(views):
    client = views.test_client()
    response = client.post("/t/refused", headers={"Referer": "http://localhost/coding/?a=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/coding/?a=1"
    assert _flashes(client) == [("error", "That cannot be done.")]
    assert "dropped" not in _users(views)


@pytest.mark.parametrize("referrer", [None, "https://elsewhere.example/coding/"])
def test_a_refusal_never_sends_the_person_off_the_site(views, referrer):
    headers = {"Referer": referrer} if referrer else {}
    response = views.test_client().post("/t/refused", headers=headers)
    assert response.headers["Location"] == "/"


def test_a_json_caller_gets_the_refusal_as_json(views):
    response = views.test_client().post("/t/refused", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "That cannot be done."}
    assert "dropped" not in _users(views)


def test_a_refusal_the_view_catches_keeps_nothing_of_the_change(views):
    client = views.test_client()
    response = client.post("/t/caught")
    assert response.status_code == 200
    assert _flashes(client) == [("error", "Not like that.")]
    assert "dropped" not in _users(views)


def test_a_refusal_that_shows_a_page_says_why_with_its_status(views):
    response = views.test_client().post("/t/closed")
    assert response.status_code == 403
    assert "Not for you." in response.get_data(as_text=True)
    assert "dropped" not in _users(views)


def test_an_error_status_is_rolled_back(views):
    assert views.test_client().post("/t/failed").status_code == 400
    assert "dropped" not in _users(views)


def test_each_area_refusal_is_a_refused():
    from app.casereview.models import CaseReviewError
    from app.codebook.services import CodingError
    from app.consent.gate import ConsentMissing
    from app.consent.services import ConsentError
    from app.goals.models import GoalError
    from app.interviews.services import InterviewError
    from app.letters.services import LetterError
    from app.offers.services import OfferError
    from app.participants.services import RegisterError
    from app.releases.services import ReleaseError
    from app.reviews.refusals import ReviewError
    from app.themes.services import ThemeError
    from app.transcripts.refusals import TranscriptError

    areas = (CaseReviewError, CodingError, ConsentError, ConsentMissing, GoalError, InterviewError,
             LetterError, OfferError, RegisterError, ReleaseError, ReviewError, ThemeError,
             TranscriptError)  # fmt: skip
    assert all(issubclass(error, Refused) for error in areas)


def test_core_knows_no_area_to_handle_refusals():
    text = (APP / "core" / "errors.py").read_text() + ENDS.read_text()
    assert not re.search(r"from app\.(?!core)\w+", text)


def test_postgresql_plans_every_query_for_its_own_parameters(app):
    """No server-side prepared statements on PostgreSQL: a statement psycopg prepared after
    five runs would, five runs later, get a generic plan, and that of the consent gate's
    counts takes minutes at scale (``app.core.db``)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from app.consent import gate
    from app.interviews.models import Interview

    for _ in range(12):
        db.session.scalars(select(Interview.id).where(gate.sql_allows("review.quote"))).all()
    prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared == 0
