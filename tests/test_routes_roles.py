"""Every route × every role (and anonymous), built from the URL map.

A new route fails here until its view declares a permission, and a parameter this test does
not know how to fill must be added to SAMPLE_VALUES.
"""

import io
import json
from datetime import UTC, date, datetime

import pytest
from flask import url_for

from app.coding.models import Code, Coding, CodingRound
from app.consent.models import ConsentForm, ConsentGrant, ConsentRecord
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY, seed_forms
from app.core import jobs, storage
from app.core.db import db
from app.core.permissions import PUBLIC, can, required_permission
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews.models import EthicsFlag, Interview
from app.letters.models import LetterDraft
from app.participants.models import RegisterImport, RelatedPerson
from app.releases.models import Release
from app.reviews.models import ReviewAction, ReviewNote, ReviewPack, ReviewSession
from app.themes.models import Theme
from app.transcripts.models import Recording, Transcript, TranscriptSegment

ROLES = [None, *Role]


SAMPLE_PACK = {
    "title": "Sample review", "held_on": "2026-11-20", "scope": "All years",
    "built_on": "2026-11-20", "released": 1, "years": [], "coded": [], "themes": [],
    "empty": [], "agenda": [{"kind": "impressions", "title": "Impressions", "guidance": ""}],
    "matrix": {"labels": [], "rows": []}, "attrition": {"reasons": [], "rows": []},
    "actions": [], "charts": {"years": {"title": "Years", "alt": "Bars",
                                        "svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'}},
}  # fmt: skip


def sample_values(make_user, make_participant, make_offer, user=None):
    """One of each object a URL can name; an interviewer logged in is assigned the offer."""
    creator = user.id if user is not None else None
    other = make_user(roles=[Role.RESEARCHER], username="sample-user")
    job = jobs.Job(kind="audit.verify", state="succeeded", result='{"checked": 0}')
    db.session.add(job)
    participant = make_participant()
    interviewer = user if user is not None and user.has_role(Role.INTERVIEWER) else None
    offer = make_offer(
        participant.placements[0],
        answer="accepted",
        interviewer_id=interviewer.id if interviewer else None,
    )
    person = RelatedPerson(relation="sibling", name="Sample Sibling")
    participant.people.append(person)
    stored = storage.save(io.BytesIO(b"Name;Birth date\nA;2001-01-01\n"), "imports")
    upload = RegisterImport(filename="sample.csv", stored_name=stored.name)
    db.session.add(upload)
    guide = sync_guides().added[0]
    holder = interviewer or make_user(roles=[Role.INTERVIEWER], username="sample-interviewer")
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
    db.session.flush()
    draft = LetterDraft(session_id=review.id, language="sv", body="Hej!", revision=1)
    db.session.add(draft)
    db.session.commit()
    return {
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
    }


def cases(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_for_every_role(app, make_user, make_participant, make_offer, role):
    user = make_user(roles=[role]) if role is not None else None
    values = sample_values(make_user, make_participant, make_offer, user)
    checked = 0
    for rule, method in cases(app):
        action = required_permission(rule.endpoint)
        assert action is not None, f"{rule.endpoint} declares no permission"
        missing = set(rule.arguments) - set(values)
        assert not missing, f"add sample values for {missing} ({rule.rule})"
        client = app.test_client()
        if user is not None:
            assert (
                client.post(
                    "/login",
                    data={"username": user.username, "password": "amber-falcon-thimble-73"},
                ).status_code
                == 302
            )
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        response = client.open(url, method=method)
        where = f"{method} {url} as {role or 'anonymous'} (needs {action})"
        assert response.status_code < 500, where
        if action == PUBLIC:
            assert response.status_code != 403, where
        elif role is None:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login"), where
        elif can(user, action):
            # Earlier POSTs may have cancelled the sample interview: then the consent gate,
            # not the role, refuses, and says so.
            refused_by_consent = "does not cover" in response.get_data().decode("utf-8", "replace")
            assert response.status_code != 403 or refused_by_consent, where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked >= 10


def test_a_view_without_a_declared_permission_is_refused(app_factory, make_user):
    application = app_factory()

    @application.get("/undeclared")
    def undeclared():
        return "should never be served"

    client = application.test_client()
    assert client.get("/undeclared").status_code == 403


def test_denied_access_is_audited(app, client, auth):
    from app.core.audit import AuditEntry

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
