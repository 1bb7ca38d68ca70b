"""Subject access leaves out what concerns other people unless the coordinator includes it
(GDPR art. 15(4)): the ethics flags, and the names of other people."""

import io
import json
import re
import zipfile

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.core import jobs
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.participants.models import Relation
from app.privacy import access
from app.privacy.other_names import is_own_name, name_parts
from app.privacy.report import OTHERS_REASON, collect
from app.releases.models import PseudonymMap
from tests.privacy.conftest import CONTROLLER

#: the participant's own name (legacy key, labelled key), another person, and a place
MAP = {
    "saga": {"label": "person", "placeholder": "[Person 1]"},
    "PERSON:saga lindberg": {"label": "PERSON", "placeholder": "[Person 1]"},
    "PERSON:lars björk": {"label": "PERSON", "placeholder": "[Person 2]"},
    "LOCATION:karlstad": {"label": "LOCATION", "placeholder": "[Place 1]"},
}


def _with_map(subject):
    found = db.session.scalar(
        select(PseudonymMap).where(PseudonymMap.participant_id == subject.participant.id)
    )
    found.entries = json.dumps(MAP, ensure_ascii=False)
    db.session.commit()
    return subject


def _export(client, subject, **form) -> tuple[jobs.Job, dict, str, str]:
    """Post the form; the job, data.json, summary.html and the export page."""
    if form.get("reviewed"):
        form.setdefault("controller", CONTROLLER)
    started = client.post(f"/privacy/participants/{subject.participant.id}/export", data=form)
    assert started.status_code == 302
    job = db.session.scalars(select(jobs.Job).where(jobs.Job.kind == access.EXPORT)).one()
    assert job.state == "succeeded", job.error
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    download = client.get(f"/privacy/exports/{job.id}/download")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        raw = archive.read("data.json").decode()
        summary = archive.read("summary.html").decode()
    return job, raw, summary, page


def _audited() -> dict:
    detail = db.session.scalar(
        select(AuditEntry.detail).where(AuditEntry.action == "participant.access_export")
    )
    return json.loads(detail)


def _sv(message: str) -> str:
    with force_locale("sv"):
        return gettext(message)


def test_both_boxes_are_ticked_on_the_overview(client, auth, make_user, populate):
    subject = populate()
    auth.login(user=make_user(roles=[Role.COORDINATOR]))
    page = client.get(f"/privacy/participants/{subject.participant.id}").get_data(as_text=True)
    for name in ("withhold_flags", "withhold_others"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert box and "checked" in box.group(0) and 'type="checkbox"' in box.group(0)
    assert 'name="reviewed"' in page


@pytest.mark.parametrize(
    "form",
    [{"reviewed": "1", "withhold_flags": "y", "withhold_others": "y"}, {}],
    ids=["ticked", "page-without-the-boxes"],
)
def test_by_default_the_export_leaves_out_flags_and_other_peoples_names(
    client, auth, make_user, populate, form
):
    coordinator = make_user(roles=[Role.COORDINATOR], language="sv")
    subject = _with_map(populate())
    auth.login(user=coordinator)
    job, raw, summary, page = _export(client, subject, **form)
    data = json.loads(raw)

    for text in (
        "Secret 1",
        "Lars",
        "Björk",
        "Lars Björk 1",
        "lars björk",
        "[Person 2]",
        "LOCATION:karlstad",
        "[Place 1]",
    ):
        assert text not in raw and text not in summary, text
    assert '"disclosure"' not in raw and '"follow_up"' not in raw
    interview = data["placements"][0]["interviews"][0]
    assert interview["ethics_flags"] == {"count": 1, "withheld": True}
    assert data["people"] == [{"relation": "foster_parent"}]
    assert data["pseudonym_map"] == {key: MAP[key] for key in ("saga", "PERSON:saga lindberg")}
    assert data["withheld"] == [
        {"what": "ethics_flags", "count": 1, "reason": OTHERS_REASON},
        {"what": "names_of_other_people", "people": 1, "pseudonym_map_entries": 2,
         "passages": 2, "reason": OTHERS_REASON},
    ]  # fmt: skip
    assert OTHERS_REASON == "rights of others, GDPR art. 15(4)"
    # The young person's own data and words are all there.
    assert data["participant"]["name"] == "Saga Lindberg 1" and "Saga Lindberg 1" in summary
    # ... less the names of others, in the young person's language, as the summary says.
    marker = _sv("[name left out]")
    assert interview["transcripts"][0]["segments"][0]["text"] == f"I am Saga 1, {marker} was kind"
    assert interview["memos"][0]["text"] == f"Saga 1 talks about {marker}"
    assert interview["withdrawals"][0]["note"] == "Saga 1 called"

    # The summary tells the young person, in their language, what was left out and why.
    for message in (
        "What we have left out",
        "The notes the interviewer made when you told them something that worried them, "
        "and what we did about it. They are also about other people.",
        "If you want to know more about what we left out, ask the research team. If you are "
        "not happy with our answer, you can complain to the data protection authority.",
    ):
        assert _sv(message) in summary, message
    with force_locale("sv"):
        names = gettext(
            "The names of other people in your story, and the made-up names we gave them in "
            "the research material. Where your notes and the written version of your "
            "interview named them, it now says “%(marker)s”. We have kept how they are "
            "related to you.", marker=marker)  # fmt: skip
    assert names in summary
    with force_locale("sv"):
        assert str(Relation.FOSTER_PARENT.label) in summary

    # The coordinator sees what was left out, and is reminded to read the summary.
    assert page.count(f"<td>{_sv('Left out')}</td>") == 2 and _sv("Included") not in page
    assert (
        _sv(
            "Read summary.html in the ZIP file before you hand it over, and check that "
            "nothing in it could harm someone else: the names of other people that the "
            "register and the pseudonym map know are replaced in the memos and in what the "
            "young person said, but a name they do not know is still there."
        )
        in page
    )
    assert (
        _sv(
            "People: %(people)s; pseudonym map entries: %(entries)s; replaced in the "
            "texts: %(passages)s"
        )
        % {"people": 1, "entries": 2, "passages": 2}
        in page
    )
    assert job.params_dict["withhold_flags"] is True
    assert job.params_dict["withhold_others"] is True
    assert _audited() == {"job": job.id, "withhold_flags": True, "withhold_others": True}


def test_unticking_both_includes_flags_and_names(client, auth, make_user, populate):
    subject = _with_map(populate())
    auth.login(user=make_user(roles=[Role.COORDINATOR], language="sv"))
    job, raw, summary, page = _export(client, subject, reviewed="1")
    data = json.loads(raw)

    assert data["withheld"] == []
    assert data["pseudonym_map"] == MAP
    assert data["people"] == [{"relation": "foster_parent", "name": "Lars Björk 1"}]
    flag = data["placements"][0]["interviews"][0]["ethics_flags"][0]
    assert (flag["disclosure"], flag["follow_up"]) == ("Secret 1", "Call")
    assert "Secret 1" in summary and "Lars Björk 1" in summary
    assert _sv("What we have left out") not in summary
    assert page.count(f"<td>{_sv('Included')}</td>") == 2
    assert _sv("Nothing was left out: the export holds the ethics flags and the names of "
               "other people.") in page  # fmt: skip
    assert _audited() == {"job": job.id, "withhold_flags": False, "withhold_others": False}


def test_one_box_at_a_time(client, auth, make_user, populate):
    subject = _with_map(populate())
    auth.login(user=make_user(roles=[Role.COORDINATOR]))
    job, raw, summary, _ = _export(client, subject, reviewed="1", withhold_others="y")
    data = json.loads(raw)
    assert "Secret 1" in raw and "Secret 1" in summary
    assert "Lars Björk 1" not in raw and "Lars Björk 1" not in summary
    assert [item["what"] for item in data["withheld"]] == ["names_of_other_people"]
    assert _audited() == {"job": job.id, "withhold_flags": False, "withhold_others": True}


def test_start_export_withholds_by_default(app, make_user, populate):
    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    job = access.start_export(coordinator, subject.participant)
    db.session.commit()
    job = db.session.get(jobs.Job, job.id)
    assert job.params_dict["withhold_flags"] and job.params_dict["withhold_others"]
    assert [item["what"] for item in job.result_dict["withheld"]] == [
        "ethics_flags", "names_of_other_people"]  # fmt: skip
    data, _ = collect(subject.participant)
    assert data["withheld"] == job.result_dict["withheld"]


def test_nothing_is_listed_as_withheld_when_there_was_nothing(app, make_user, populate):
    subject = populate()
    subject.interview.flags.clear()
    subject.participant.people.clear()
    db.session.commit()
    data, _ = collect(subject.participant)
    assert data["withheld"] == []
    assert data["placements"][0]["interviews"][0]["ethics_flags"] == {
        "count": 0, "withheld": True}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "entry", "own"),
    [
        ("PERSON:saga", {"label": "PERSON"}, True),
        ("PERSON:lindberg", {"label": "PERSON"}, True),
        ("PERSON:anna-karin lindberg", {"label": "PERSON"}, True),
        ("PERSON:SAGA  Lindberg", {"label": "PERSON"}, True),
        ("saga", {"label": "person"}, True),
        ("PERSON:lars", {"label": "PERSON"}, False),
        ("PERSON:saga björk", {"label": "PERSON"}, False),
        ("PERSON:annika", {"label": "PERSON"}, False),
        ("LOCATION:lindberg", {"label": "LOCATION"}, False),
        ("ORG:saga", {"label": "ORG"}, False),
        ("lars", {"label": "person"}, False),
        ("saga", {}, False),
        ("PERSON:", {"label": "PERSON"}, False),
    ],
)
def test_which_pseudonym_map_entries_are_the_participants_own(key, entry, own):
    assert is_own_name(key, entry, name_parts("Saga Anna-Karin Lindberg")) is own


def test_name_parts():
    assert name_parts("  Anna-Karin  LINDBERG ") == {"anna", "karin", "lindberg"}
    assert name_parts(None) == set()
