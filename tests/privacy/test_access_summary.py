"""The subject access summary is written for the young person: in their language, in the
order of the interview, with what GDPR art. 15 asks to be told, and without the names of
others that it says it left out."""

import io
import json
import re
import zipfile

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from app.core import jobs
from app.core.db import db
from app.core.users import Role
from app.interviews.models import Memo
from app.participants.models import RelatedPerson
from app.privacy import access
from app.privacy.other_names import NameRedactor, name_parts
from app.privacy.report import collect
from tests.conftest import PASSWORD
from tests.privacy.conftest import CONTROLLER

RIGHTS = [
    "You may ask us to correct anything that is wrong.",
    "You may ask us to erase what we have about you.",
    "You may ask us to stop using it for a while, for example while we check something you "
    "say is wrong.",
    "Why we have it",
    "What we have about you",
    "Where it comes from",
    "Who sees it",
    "How long we keep it",
]


def _summary(client, participant, **form) -> tuple[str, dict]:
    form = {"reviewed": "1", "withhold_flags": "y", "withhold_others": "y",
            "controller": CONTROLLER, **form}  # fmt: skip
    client.post(f"/privacy/participants/{participant.id}/export", data=form)
    job = db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == access.EXPORT).order_by(jobs.Job.id.desc())
    ).first()
    assert job.state == "succeeded", job.error
    download = client.get(f"/privacy/exports/{job.id}/download")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        return archive.read("summary.html").decode(), json.loads(archive.read("data.json"))


def _in(language: str, message: str, **values) -> str:
    with force_locale(language):
        return gettext(message, **values)


@pytest.mark.parametrize("language", ["da", "sv", "en"])
def test_the_summary_is_in_the_young_persons_language(client, auth, make_user, populate,
                                                      language):  # fmt: skip
    # The coordinator reads Swedish (or English); the young person prefers another language.
    ui = "en" if language == "sv" else "sv"
    coordinator = make_user(roles=[Role.COORDINATOR], language=ui)
    subject = populate(coordinator)
    subject.participant.language = language
    db.session.commit()
    auth.login(user=coordinator)
    summary, _data = _summary(client, subject.participant)
    assert f'<html lang="{language}">' in summary
    for message in RIGHTS:
        assert _in(language, message) in summary, (language, message)
    if language != "en":
        assert _in(ui, "Why we have it") not in summary


def test_without_a_preferred_language_the_interviews_language_is_used(app, make_user, populate):
    from app.privacy.report import young_persons_language

    subject = populate()
    assert subject.participant.language is None
    assert young_persons_language(subject.participant) == subject.interview.language == "sv"


def test_memos_come_in_the_order_of_the_interview_guide(app, make_user, populate):
    subject = populate()
    for key in ("closing", "birth_family", "placement"):
        subject.interview.memos.append(Memo(section_key=key, text=f"About {key}"))
    db.session.commit()
    data, _files = collect(subject.participant)
    memos = data["placements"][0]["interviews"][0]["memos"]
    assert [m["section"] for m in memos] == ["life_now", "placement", "birth_family", "closing"]


def test_the_summary_says_what_article_15_asks(app_factory, make_user, populate):
    app = app_factory(COUNTRY="DK")
    with app.app_context():
        coordinator = make_user(roles=[Role.COORDINATOR], language="da")
        subject = populate(coordinator)
        subject.participant.language = "da"
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": coordinator.username,
                                    "password": PASSWORD})  # fmt: skip
        summary, data = _summary(client, subject.participant)
        assert data["about"]["controller"] == CONTROLLER and CONTROLLER in summary
        assert data["about"]["supervisory_authority"] == "Datatilsynet"
        assert "www.datatilsynet.dk" in summary and "imy.se" not in summary
        days = app.config["AUDIO_RETENTION_DAYS"]
        with force_locale("da"):
            kept = ngettext("The recording is destroyed %(num)d day after the written version "
                            "of the talk has been checked.", "The recording is destroyed "
                            "%(num)d days after the written version of the talk has been "
                            "checked.", days)  # fmt: skip
        assert kept in summary and "Optagelsen slettes" in kept
        # Research use and quotation: the populated consent holds research use, not quotes.
        assert data["about"]["research_use"] and not data["about"]["quotation"]
        assert _in("da", "The university research partner: the version without names, "
                   "because you said yes to that.") in summary  # fmt: skip
        assert _in("da", "The team at its yearly review: short quotes without names, because "
                   "you said yes to that.") not in summary  # fmt: skip


def test_the_imy_for_a_swedish_installation(app, client, auth, make_user, populate):
    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    auth.login(user=coordinator)
    summary, data = _summary(client, subject.participant)
    assert data["about"]["supervisory_authority"] == "IMY" and "www.imy.se" in summary


def test_the_export_form_asks_whom_to_contact(app, client, auth, make_user, populate):
    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    auth.login(user=coordinator)
    refused = client.post(
        f"/privacy/participants/{subject.participant.id}/export",
        data={"reviewed": "1", "controller": "  "},
        follow_redirects=True,
    )
    assert "Write who is responsible for the data." in refused.get_data(as_text=True)
    assert db.session.scalars(select(jobs.Job).where(jobs.Job.kind == access.EXPORT)).all() == []


def test_the_form_starts_with_the_configured_contact(app_factory, make_user, populate):
    app = app_factory(CONSENT_CONTACT="Familjehemsteamet, 054-540 00 00")
    with app.app_context():
        coordinator = make_user(roles=[Role.COORDINATOR])
        subject = populate(coordinator)
        client = app.test_client()
        client.post("/login", data={"username": coordinator.username,
                                    "password": PASSWORD})  # fmt: skip
        page = client.get(f"/privacy/participants/{subject.participant.id}")
        assert "Familjehemsteamet, 054-540 00 00</textarea>" in page.get_data(as_text=True)


def test_other_peoples_names_leave_every_text_they_were_withheld_from(
    app, client, auth, make_user, populate
):
    coordinator = make_user(roles=[Role.COORDINATOR])
    subject = populate(coordinator)
    participant = subject.participant
    participant.people.append(RelatedPerson(relation="sibling", name="Ebba Lindqvist"))
    participant.people.append(RelatedPerson(relation="other", name="Bo Ek"))
    subject.interview.memos[0].text = (
        "Saga Lindberg 1 talks about Lars and Ebbas dog; Ebba Lindqvist visits. "
        "Bo called. They bo in Kil."
    )
    db.session.commit()
    auth.login(user=coordinator)
    summary, data = _summary(client, participant, withhold_flags="")
    marker = _in("sv", "[name left out]")
    memo = data["placements"][0]["interviews"][0]["memos"][0]["text"]
    assert memo == (f"Saga Lindberg 1 talks about {marker} and {marker} dog; {marker} visits. "
                    f"{marker} called. They bo in Kil.")  # fmt: skip
    for name in ("Lars", "Ebba", "Lindqvist", "Björk", "Bo called"):
        assert name not in summary and name not in json.dumps(data, ensure_ascii=False), name
    names = [item for item in data["withheld"] if item["what"] == "names_of_other_people"]
    assert names[0]["passages"] == 5 and names[0]["people"] == 3
    # Included flags are read through the same filter.
    flag = data["placements"][0]["interviews"][0]["ethics_flags"][0]
    assert flag["disclosure"] == "Secret 1"


def test_nothing_is_replaced_when_the_names_are_included(app, make_user, populate):
    subject = populate()
    data, _ = collect(subject.participant, withhold_others=False)
    memo = data["placements"][0]["interviews"][0]["memos"][0]["text"]
    assert memo == "Saga 1 talks about Lars"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna-Karin Lind came", "[x] came"),
        ("anna-karin lind came", "[x] came"),
        ("Annas hund", "[x] hund"),
        ("Karin's dog", "[x] dog"),
        ("Lind", "[x]"),
        ("Berg stays", "Berg stays"),  # the participant's own surname
        ("Lindqvist is another", "Lindqvist is another"),
        ("annika", "annika"),
        ("Bo and bo", "[x] and bo"),
    ],
)
def test_name_redactor(text, expected):
    redact = NameRedactor(["Anna-Karin Lind", "Bo", "Karin Berg"], name_parts("Alva Berg"), "[x]")
    assert redact(text) == expected
    assert redact.count == (0 if text == expected else len(re.findall(r"\[x\]", expected)))
