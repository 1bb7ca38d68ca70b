"""Every route × every role (and anonymous), one case each, built from the URL map.

Each case is (method, route, role) with the outcome the permission rules promise, and runs
on fresh sample data: the data is built once per role, and each case starts from a copy of
it (SQLite: the database file; PostgreSQL: a savepoint rolled back after the case). A new
route fails here (for every role) until its view declares a permission, and a parameter
this test does not know how to fill must be added to ``sample_values``.
"""

import io
import json
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import url_for
from flask.globals import app_ctx
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from analysis.refiqda import model as qda
from analysis.refiqda.write import write_qdpx
from app import create_app
from app.casereview.models import CaseNote, CaseReview, ReviewRound
from app.codebook.models import Code
from app.consent.models import ConsentForm, ConsentGrant, ConsentRecord
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY, seed_forms
from app.core import jobs, passwords, storage
from app.core.db import db
from app.core.permissions import PUBLIC, RULES, can, required_permission
from app.core.users import Role, User
from app.exchange.models import ProjectImport
from app.goals.models import Goal, GoalLink, GoalVersion, Guideline
from app.guides.services import sync_guides
from app.interviews.models import EthicsFlag, Interview
from app.letters.models import LetterDraft
from app.offers.models import Offer
from app.participants.models import Participant, Placement, RegisterImport, RelatedPerson
from app.releases.models import Release
from app.reviews.models import ReviewAction, ReviewNote, ReviewPack, ReviewSession
from app.themes.models import Theme
from app.transcripts.models import Recording, Transcript, TranscriptSegment
from app.workspace.models import Coding, CodingRound
from tests.conftest import PASSWORD, PG_URL, IsolatedClient, base_config

ROLES = [None, *Role]

SAMPLE_PACK = {
    "title": "Sample review", "held_on": "2026-11-20", "scope": "All years",
    "built_on": "2026-11-20", "released": 1, "years": [], "coded": [], "themes": [],
    "empty": [], "agenda": [{"kind": "impressions", "title": "Impressions", "guidance": ""}],
    "matrix": {"labels": [], "rows": []}, "attrition": {"reasons": [], "rows": []},
    "actions": [], "charts": {"years": {"title": "Years", "alt": "Bars",
                                        "svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'}},
}  # fmt: skip


def cases(app):
    """(rule, method) for every route of the URL map but static files."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def routes_of(app) -> list[tuple[str, str, str, str | None]]:
    """(method, path, endpoint, declared action) for every route; in an app context."""
    return [
        (method, rule.rule, rule.endpoint, required_permission(rule.endpoint))
        for rule, method in cases(app)
    ]


def expected_outcome(action: str | None, role: Role | None) -> str:
    """What the permission rules promise ``role`` at a route that declares ``action``."""
    if action is None:
        return "undeclared"
    if action == PUBLIC:
        return "served"
    if role is None:
        return "login"
    allowed = getattr(RULES.get(action), "roles", None)
    if allowed is None:  # a rule must say which roles it can let in
        return "unknown"
    return "allowed" if role in allowed else "refused"


def _collect_routes():
    # Read from an application built only for this; test_the_cases_are_the_url_map checks
    # that the application the cases run against has the same routes.
    with tempfile.TemporaryDirectory() as folder:
        application = create_app(base_config("sqlite://"), instance_path=folder)
        with application.app_context():
            return routes_of(application)


ROUTES = _collect_routes()


def _case(method, path, endpoint, action, role):
    expected = expected_outcome(action, role)
    name = role.value if role else "anonymous"
    return pytest.param(method, path, endpoint, role, expected,
                        id=f"{method} {path} {name} {expected}")  # fmt: skip


# Role by role: on PostgreSQL one role's sample data is live at a time.
CASES = [_case(*route, role) for role in ROLES for route in ROUTES]


class Sample:
    """The sample data of one role: the values for URL parameters, the role's user."""

    def __init__(self, values: dict, username: str | None):
        self.values = values
        self.username = username
        self.database: Path | None = None  # SQLite: the file a case starts from
        self.media: Path | None = None


def _make_user(roles, username: str) -> User:
    user = User(username=username, display_name=f"Test {username}", email=None,
                password_hash=passwords.hash_password(PASSWORD))  # fmt: skip
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    return user


def _make_offer(interviewer: User | None) -> Offer:
    participant = Participant(code="P-2020-001", name="Test Child 1", birth_date=date(2005, 3, 14))
    placement = Placement(started_on=date(2015, 1, 1), ended_on=date(2024, 6, 30),
                          setting_at_end="family_home", custody_transferred=False)  # fmt: skip
    participant.placements.append(placement)
    db.session.add(participant)
    db.session.commit()
    offered_on = date(2026, 6, 30)
    offer = Offer(placement=placement, offered_on=offered_on, channel="letter",
                  answer="accepted", answered_on=offered_on,
                  interviewer_id=interviewer.id if interviewer else None,
                  assigned_on=offered_on if interviewer else None)  # fmt: skip
    db.session.add(offer)
    db.session.commit()
    return offer


def sample_values(user: User | None = None) -> dict:
    """One of each object a URL can name, committed; the values for the URL's parameters.

    ``user`` (the one logged in) is assigned the offer if an interviewer, codes in the round,
    and is a member of the review session if a review member."""
    creator = user.id if user is not None else None
    other = _make_user([Role.RESEARCHER], "sample-user")
    job = jobs.Job(kind="audit.verify", state="succeeded", result='{"checked": 0}')
    db.session.add(job)
    interviewer = user if user is not None and user.has_role(Role.INTERVIEWER) else None
    offer = _make_offer(interviewer)
    participant = offer.placement.participant
    person = RelatedPerson(relation="sibling", name="Sample Sibling")
    participant.people.append(person)
    stored = storage.save(io.BytesIO(b"Name;Birth date\nA;2001-01-01\n"), "imports")
    upload = RegisterImport(filename="sample.csv", stored_name=stored.name)
    db.session.add(upload)
    project = storage.save(io.BytesIO(write_qdpx(qda.Project("Sample", [], [], [], []))),
                           "project_imports")  # fmt: skip
    # the logged-in user's own, so that the roles allowed reach its preview
    project_import = ProjectImport(imported_by_id=creator or other.id, filename="sample.qdpx",
                                   stored_name=project.name, sha256=project.sha256)  # fmt: skip
    db.session.add(project_import)
    guide = sync_guides().added[0]
    holder = interviewer or _make_user([Role.INTERVIEWER], "sample-interviewer")
    interview = Interview(
        offer=offer,
        scheduled_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
        mode="in_person",
        interviewer_id=holder.id,
        guide_version_id=guide.id,
        language=guide.language,
    )
    flag = EthicsFlag(
        interview=interview,
        category="other",
        disclosure="Sample disclosure",
        follow_up="Sample follow-up",
        responsible_id=holder.id,
        due_on=date(2026, 12, 1),
    )
    db.session.add_all([interview, flag])
    seed_forms()
    form = ConsentForm.latest(FORM_KEY, guide.language)
    record = ConsentRecord(
        interview=interview, giver="young_person", form_id=form.id, method="verbal",
        witness="Sample witness", given_on=date(2026, 11, 1), recorded_by_id=holder.id,
        grants=[ConsentGrant(scope=scope.value) for scope in Scope],
    )  # fmt: skip
    db.session.add(record)
    audio = storage.save(io.BytesIO(b"not really audio"), "audio")
    recording = Recording(interview=interview, stored_name=audio.name, size=audio.size,
                          sha256=audio.sha256, file_type="wav", duration=1.0)  # fmt: skip
    segment = TranscriptSegment(position=0, text="Sample text")
    transcript = Transcript(interview=interview, version=1, source="import", made_by=".txt",
                            segments=[segment])  # fmt: skip
    release = Release(interview=interview, transcript=transcript, version=1,
                      content='[{"text": "Sample [Person 1]", "speaker": null}]')  # fmt: skip
    code = Code(name="Sample code", colour="#9ecae1")
    coding = Coding(release=release, code=code, coder_id=holder.id, start_offset=0,
                    end_offset=6)  # fmt: skip
    coding_round = CodingRound(name="Sample round", releases=[release],
                               coders=[user] if user is not None else [],
                               created_by_id=creator)  # fmt: skip
    db.session.add_all([recording, transcript, release, code, coding, coding_round])
    theme = Theme(name="Sample theme", formed_year=2025)
    db.session.add(theme)
    theme.codes.append(code)
    members = [user] if user is not None and user.has_role(Role.REVIEW_MEMBER) else []
    review = ReviewSession(title="Sample review", year=2026, held_on=date(2026, 11, 20),
                           members=members)  # fmt: skip
    docx = storage.save(io.BytesIO(b"not really a document"), "review_packs")
    pack = ReviewPack(session=review, version=1, built_at=datetime(2026, 11, 20, tzinfo=UTC),
                      docx_name=docx.name, content=json.dumps(SAMPLE_PACK))  # fmt: skip
    note = ReviewNote(session=review, item=0, body="Sample note")
    action = ReviewAction(session=review, what="Sample action", owner_id=holder.id,
                          due_on=date(2027, 1, 1))  # fmt: skip
    db.session.add_all([theme, review, pack, note, action])
    goal = Goal(kind="team", versions=[GoalVersion(number=1, title="Sample goal", result="A",
                                                   term="long", language="en",
                                                   adopted_on=date(2026, 1, 1))])  # fmt: skip
    guideline = Guideline(goal=goal, title="Sample guideline", owner="The team", language="en",
                          adopted_on=date(2026, 1, 1))  # fmt: skip
    goal_link = GoalLink(goal=goal, code=code, direction="for")
    db.session.add_all([goal, guideline, goal_link])
    db.session.flush()
    draft = LetterDraft(session_id=review.id, language="sv", body="Hej!", revision=1)
    db.session.add(draft)
    case_round = ReviewRound(starts_on=date(2026, 11, 16), ends_on=date(2026, 12, 28))
    case_review = CaseReview(round=case_round, interviewer_id=holder.id,
                             scheduled_on=date(2026, 11, 23))  # fmt: skip
    case_note = CaseNote(review=case_review, section="until", text="Sample item",
                         due_on=date(2026, 11, 30))  # fmt: skip
    db.session.add_all([case_round, case_review, case_note])
    db.session.commit()
    return {
        "case_round_id": case_round.id,
        "case_review_id": case_review.id,
        "case_note_id": case_note.id,
        # an unknown calendar secret: the feed answers 404, never 403
        "token": "sample-calendar-secret",
        "goal_id": goal.id,
        "guideline_id": guideline.id,
        "link_id": goal_link.id,
        "theme_id": theme.id,
        "name": "years",
        "session_id": review.id,
        "draft_id": draft.id,
        "pack_id": pack.id,
        "note_id": note.id,
        "action_id": action.id,
        "release_id": release.id,
        "code_id": code.id,
        "coding_id": coding.id,
        "round_id": coding_round.id,
        "recording_id": recording.id,
        "transcript_id": transcript.id,
        "position": 0,
        "file_type": "txt",
        "record_id": record.id,
        "form_id": form.id,
        "language": "da",
        "interview_id": interview.id,
        "flag_id": flag.id,
        "section_key": "life_now",
        "version_id": guide.id,
        "user_id": other.id,
        "job_id": job.id,
        "participant_id": participant.id,
        "placement_id": offer.placement_id,
        "offer_id": offer.id,
        "person_id": person.id,
        "import_id": upload.id,
        "project_import_id": project_import.id,
    }


def _copy_database(source: Path, target: Path) -> None:
    # With every connection closed SQLite has folded its write-ahead log into the file;
    # the log is copied as well in case it has not.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _copy_media(source: Path, target: Path) -> None:
    # Stored files are never changed in place (a new one gets a new name): removing the
    # files a case added and copying back those it removed restores the folder, without
    # removing and making folders, which is slow on some file systems.
    def files(root: Path) -> dict[Path, tuple[int, int]]:
        found = {}
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file():
                stat = path.stat()
                found[path.relative_to(root)] = (stat.st_size, stat.st_mtime_ns)
        return found

    wanted, present = files(source), files(target)
    for name, stamp in present.items():
        if wanted.get(name) != stamp:
            (target / name).unlink()
    for name, stamp in wanted.items():
        if present.get(name) != stamp:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def _app_context_id() -> int:
    return id(app_ctx._get_current_object())


class Bench:
    """One application for every case, and each role's sample data to start a case from.

    SQLite: a role's data is built once into a file, which is copied over the database
    before each case. PostgreSQL: a role's data is built inside a transaction on one
    connection that every session of the application uses; each case runs in a savepoint
    that is rolled back after it (a session's commit only releases a savepoint of its own),
    and the transaction is rolled back before the next role's data is built. The stored
    files are copied back before each case on both.
    """

    def __init__(self, database_template, folder: Path):
        self.folder = folder
        self.template = database_template
        self.media = folder / "media"
        self.database = folder / "case.db"
        uri = database_template if PG_URL else f"sqlite:///{self.database}"
        config = base_config(uri)
        config["MEDIA_ROOT"] = str(self.media)
        self.app = create_app(config, instance_path=str(folder / "instance"))
        self.app.test_client_class = IsolatedClient
        with self.app.app_context():
            self.engine = db.engine
        self.rules = {(rule.rule, rule.endpoint): rule for rule in self.app.url_map.iter_rules()}
        self.samples: dict[Role | None, Sample] = {}
        self.connection = self.transaction = None
        self.original_session = db.session

    def _build(self, role: Role | None) -> Sample:
        _copy_media(self.folder / "no-media", self.media)
        with self.app.app_context():
            user = _make_user([role], "user1") if role is not None else None
            sample = Sample(sample_values(user), user.username if user is not None else None)
        sample.media = self.folder / f"media-{role or 'anonymous'}"
        _copy_media(self.media, sample.media)
        return sample

    @contextmanager
    def case(self, role: Role | None):
        """The role's sample data, fresh, for one case."""
        if PG_URL:
            with self._pg_case(role) as sample:
                yield sample
            return
        if role not in self.samples:
            self.engine.dispose()
            _copy_database(self.template, self.database)
            sample = self._build(role)
            self.engine.dispose()
            sample.database = self.folder / f"{role or 'anonymous'}.db"
            _copy_database(self.database, sample.database)
            self.samples[role] = sample
        sample = self.samples[role]
        self.engine.dispose()
        _copy_database(sample.database, self.database)
        _copy_media(sample.media, self.media)
        yield sample

    @contextmanager
    def _pg_case(self, role: Role | None):
        if role not in self.samples:
            self._end_transaction()
            self.connection = self.engine.connect()
            self.transaction = self.connection.begin()
            db.session = scoped_session(
                sessionmaker(bind=self.connection, join_transaction_mode="create_savepoint"),
                scopefunc=_app_context_id,
            )
            self.samples = {role: self._build(role)}
        sample = self.samples[role]
        _copy_media(sample.media, self.media)
        savepoint = self.connection.begin_nested()
        try:
            yield sample
        finally:
            savepoint.rollback()

    def _end_transaction(self) -> None:
        if self.connection is None:
            return
        db.session = self.original_session
        self.transaction.rollback()
        self.connection.close()
        self.connection = self.transaction = None

    def close(self) -> None:
        if PG_URL:
            self._end_transaction()
            # Rolled back rows leave their sequences moved on; later tests count from 1.
            with self.engine.begin() as connection:
                for (name,) in connection.execute(
                    text("SELECT sequence_name FROM information_schema.sequences "
                         "WHERE sequence_schema = current_schema()")
                ):  # fmt: skip
                    connection.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
        self.engine.dispose()


def check_case(app, rule, method: str, role: Role | None, expected: str, sample) -> None:
    """Request ``rule`` with ``method`` as ``role``; assert what the permission rules promise."""
    assert expected != "undeclared", f"{rule.endpoint} declares no permission"
    with app.app_context():
        action = required_permission(rule.endpoint)
    assert expected != "unknown", f"the rule of {action} says nothing of the roles it lets in"
    missing = set(rule.arguments) - set(sample.values)
    assert not missing, f"add sample values for {missing} ({rule.rule})"
    with app.test_request_context():
        url = url_for(rule.endpoint, **{k: sample.values[k] for k in rule.arguments})
    where = f"{method} {url} as {role or 'anonymous'} (needs {action})"
    if expected in ("allowed", "refused"):
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(username=sample.username))
            # The roles the rule names, which decided the outcome, agree with the rule itself.
            assert can(user, action) == (expected == "allowed"), where
    client = app.test_client()
    if role is not None:
        login = client.post("/login", data={"username": sample.username, "password": PASSWORD})
        assert login.status_code == 302, where
    response = client.open(url, method=method)
    assert response.status_code < 500, where
    if expected == "served":
        assert response.status_code != 403, where
    elif expected == "login":
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/login"), where
    elif expected == "allowed":
        assert response.status_code != 403, where
    else:
        assert response.status_code == 403, where


@pytest.fixture(scope="class")
def bench(database_template, tmp_path_factory):
    made = Bench(database_template, tmp_path_factory.mktemp("routes-roles"))
    yield made
    made.close()


class TestEveryRouteForEveryRole:
    # A class, so that the bench (on PostgreSQL an open transaction) is gone before the
    # other tests of this module use the database.
    def test_each_case_starts_from_the_sample_data(self, bench):
        def stored():
            return sorted(p.relative_to(bench.media) for p in bench.media.rglob("*.rte"))

        with bench.case(Role.COORDINATOR) as sample:
            files = stored()
            with bench.app.app_context():
                interview = db.session.get(Interview, sample.values["interview_id"])
                interview.status = "cancelled"
                storage.delete(interview.recordings[0].stored_name)
                storage.save(io.BytesIO(b"a file of this case"), "audio")
                db.session.commit()
            assert stored() != files
        with bench.case(Role.COORDINATOR) as sample:
            assert stored() == files
            with bench.app.app_context():
                assert db.session.get(Interview, sample.values["interview_id"]).status == "booked"

    @pytest.mark.parametrize(("method", "path", "endpoint", "role", "expected"), CASES)
    def test_route_as_role(self, bench, method, path, endpoint, role, expected):
        rule = bench.rules.get((path, endpoint))
        assert rule is not None, f"{endpoint} ({path}) is not in the application's URL map"
        with bench.case(role) as sample:
            check_case(bench.app, rule, method, role, expected, sample)


def test_the_cases_are_the_url_map(app):
    # The cases are read from an application built at collection; the one the tests use
    # (and production) must have the same routes, so that none goes unchecked.
    assert routes_of(app) == ROUTES
    assert len(ROUTES) >= 10
    assert len(CASES) == len(ROUTES) * len(ROLES)


def test_a_new_route_without_a_permission_fails_its_cases(app_factory):
    application = app_factory()

    @application.get("/undeclared")
    def undeclared():
        return "should never be served"

    with application.app_context():
        found = [route for route in routes_of(application) if route[1] == "/undeclared"]
    assert found == [("GET", "/undeclared", "undeclared", None)]
    assert {expected_outcome(None, role) for role in ROLES} == {"undeclared"}
    rule = next(r for r in application.url_map.iter_rules() if r.rule == "/undeclared")
    for role in ROLES:
        with pytest.raises(AssertionError, match="undeclared declares no permission"):
            check_case(application, rule, "GET", role, "undeclared", Sample({}, None))


def test_a_view_without_a_declared_permission_is_refused(app_factory, make_user):
    application = app_factory()

    @application.get("/undeclared")
    def undeclared():
        return "should never be served"

    client = application.test_client()
    assert client.get("/undeclared").status_code == 403


def test_denied_access_is_audited(app, client, auth):
    from app.core.audit_entry import AuditEntry

    auth.login(Role.INTERVIEWER)
    assert client.get("/admin/users").status_code == 403
    entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "access.denied"
    assert entry.detail_dict == {"path": "/admin/users", "permission": "admin.users"}


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.ADMIN, ["Users", "Audit log", "Background jobs"], []),
        (Role.INTERVIEWER, ["Overview"], ["Users", "Audit log"]),
        (Role.RESEARCHER, ["Overview"], ["Users", "Audit log"]),
        (Role.COORDINATOR, ["Follow-up", "Deadlines and offers", "Analysis"], ["Users"]),
    ],
)
def test_navigation_fits_the_role(client, auth, role, visible, hidden):
    auth.login(role)
    page = client.get("/home").get_data(as_text=True)
    nav = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    for label in visible:
        assert label in nav
    for label in hidden:
        assert label not in nav
