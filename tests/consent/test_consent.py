"""Consent records, scans, receipts, withdrawal and its effects, form versions; bad input."""

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.consent import gate, services
from app.consent.gate import ConsentMissing
from app.consent.models import ConsentForm, ConsentRecord, Withdrawal
from app.consent.scopes import Scope
from app.consent.services import ConsentError
from app.consent.texts import FORM_KEY, seed_forms
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services as interviews
from app.interviews.models import Interview, Mode
from tests.consent.pdfs import MINIMAL

DAY = date(2026, 11, 10)
PDF = MINIMAL


def png(width=40, height=20) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def setup(app, make_user, make_participant, make_offer):
    sync_guides()
    seed_forms()
    coordinator = make_user(roles=[Role.COORDINATOR], display_name="Kerstin")
    interviewer = make_user(roles=[Role.INTERVIEWER], display_name="Anna")
    db.session.commit()

    def interview_for(birth_date=date(2005, 3, 14), language="sv"):
        participant = make_participant(birth_date=birth_date, guardian="Maria Lind")
        offer = make_offer(participant.placements[0], answer="accepted",
                           interviewer_id=interviewer.id)  # fmt: skip
        interview = interviews.book(
            coordinator, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
            place="Office", mode=Mode.IN_PERSON, interviewer=interviewer, language=language,
        )  # fmt: skip
        db.session.commit()
        return interview

    return coordinator, interviewer, interview_for


def form_sv():
    return ConsentForm.latest(FORM_KEY, "sv")


def record(actor, interview, **overrides):
    values = {
        "giver": "young_person",
        "scopes": list(Scope),
        "form": form_sv(),
        "method": "signed_paper",
        "given_on": DAY,
        "scan": ("consent.pdf", PDF),
    }
    values.update(overrides)
    entry = services.record(actor, interview, **values)
    db.session.commit()
    return entry


def media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"]) / "consent_scans"
    return sorted(root.glob("*")) if root.exists() else []


def test_the_shipped_forms_are_version_one_in_three_languages(setup):
    forms = db.session.scalars(select(ConsentForm).order_by(ConsentForm.language)).all()
    assert [(f.language, f.version) for f in forms] == [("da", 1), ("en", 1), ("sv", 1)]
    assert seed_forms() == 0  # only once
    english = ConsentForm.latest(FORM_KEY, "en").text
    assert "voluntary" in english.introduction and "at risk" in english.introduction
    for scope in Scope:
        assert english.scope(scope.value).statement


def test_consent_with_a_scan_is_stored_encrypted_and_read_with_an_audit(setup, app, client,
                                                                        auth):  # fmt: skip
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    entry = record(interviewer, interview)
    assert entry.scan_type == "application/pdf" and entry.scan_size == len(PDF)
    (stored,) = media_files(app)
    assert b"%PDF" not in stored.read_bytes()
    assert gate.scopes_in_force(interview) == frozenset(Scope)
    auth.login(user=interviewer)
    scan = client.get(f"/consent/record/{entry.id}/scan")
    assert scan.status_code == 200 and scan.data == PDF
    assert scan.headers["Content-Type"] == "application/pdf"
    receipt = client.get(f"/consent/record/{entry.id}/receipt").get_data(as_text=True)
    assert interview.participant.name in receipt
    assert form_sv().text.scope("research_use").statement in receipt
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert {"consent.record", "consent.scan_read", "consent.receipt"} <= set(actions)


def test_no_memo_and_no_conduct_without_consent(setup, client, auth):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    with pytest.raises(ConsentMissing):
        interviews.conduct(interviewer, interview, DAY)
    with pytest.raises(ConsentMissing):
        interviews.save_memo(interviewer, interview, "life_now", "x", 0)
    db.session.rollback()
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{interview.id}/memos")
    assert page.status_code == 403
    assert "does not cover Taking part" in page.get_data(as_text=True)
    denied = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "consent.denied")
    ).all()
    assert denied and denied[-1].detail_dict["path"] == "memos.read"


def test_a_minor_needs_a_guardian_for_the_same_scopes(setup):
    _coordinator, interviewer, interview_for = setup
    minor = interview_for(birth_date=date(2009, 6, 1))  # 17 on the interview day
    adult = interview_for(birth_date=date(2008, 11, 10))  # 18 that very day
    assert gate.guardian_required(minor) and not gate.guardian_required(adult)
    record(interviewer, minor)
    assert gate.scopes_in_force(minor) == frozenset()
    with pytest.raises(ConsentMissing) as refused:
        interviews.conduct(interviewer, minor, DAY)
    assert "guardian" in str(refused.value.message)
    record(interviewer, minor, giver="guardian", guardian_name="Maria Lind",
           scopes=[Scope.PARTICIPATION, Scope.AUDIO_RECORDING])  # fmt: skip
    assert gate.scopes_in_force(minor) == {Scope.PARTICIPATION, Scope.AUDIO_RECORDING}
    interviews.conduct(interviewer, minor, DAY)
    with pytest.raises(ConsentError, match="No guardian's consent is needed"):
        record(interviewer, adult, giver="guardian", guardian_name="Someone")
    with pytest.raises(ConsentError, match="guardian's name"):
        record(interviewer, minor, giver="guardian")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scopes": ["participation", "telepathy"]}, "no such consent scope"),
        ({"scopes": []}, "at least one scope"),
        ({"scopes": ["research_use"]}, "Taking part must be among"),
        ({"scan": ("notes.txt", b"just text")}, "must be a PDF, JPEG or PNG"),
        ({"scan": ("cut.pdf", PDF[:-7] + b"\n" * 3000)}, "damaged or cut short"),
        ({"scan": ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)}, "damaged"),
        ({"scan": ("bomb.png", png(10_000, 10_000))}, "too large"),
        ({"scan": None}, "Attach the scan"),
        ({"method": "verbal", "scan": None}, "who witnessed"),
        ({"given_on": date(2026, 11, 24)}, "in the future"),
        ({"form": None}, "consent form version"),
    ],
)
def test_bad_consent_is_refused_and_saves_nothing(setup, app, overrides, message):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    with pytest.raises(ConsentError, match=message):
        record(interviewer, interview, **overrides)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ConsentRecord.id))) == 0
    assert media_files(app) == []


def test_a_scan_stored_before_a_failure_is_removed_with_the_rollback(setup, app):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    services.record(interviewer, interview, giver="young_person", scopes=list(Scope),
                    form=form_sv(), method="signed_paper", given_on=DAY,
                    scan=("page.png", png()))  # fmt: skip
    assert len(media_files(app)) == 1
    db.session.rollback()
    assert media_files(app) == []
    assert db.session.scalar(select(func.count(ConsentRecord.id))) == 0


def test_withdrawing_research_use_then_participation(setup, client, auth):
    coordinator, interviewer, interview_for = setup
    interview = interview_for()
    record(interviewer, interview, method="verbal", scan=None, witness="Kim, colleague")
    interviews.conduct(interviewer, interview, DAY)
    interviews.save_memo(interviewer, interview, "life_now", "Studies to be a nurse.", 0)
    interviews.save_memo(interviewer, interview, "network", "Her aunt, every week.", 0)
    db.session.commit()

    with pytest.raises(ConsentError, match="before the consent"):
        services.withdraw(coordinator, interview, scopes=["research_use"], giver="young_person",
                          withdrawn_on=date(2026, 11, 9), channel="phone")  # fmt: skip
    first = services.withdraw(
        coordinator, interview, scopes=["research_use"], giver="young_person",
        withdrawn_on=date(2026, 11, 20), channel="email",
        note="Wrote that she has changed her mind.",
    )  # fmt: skip
    db.session.commit()
    assert Scope.RESEARCH_USE not in gate.scopes_in_force(interview)
    assert Scope.QUOTATION in gate.scopes_in_force(interview)
    assert first.effect_list == [{"effect": "stopped", "scope": "research_use"}]
    with pytest.raises(ConsentError, match="not in force"):
        services.withdraw(
            coordinator, interview, scopes=["research_use"], giver="young_person",
            withdrawn_on=date(2026, 11, 21), channel="phone",
        )  # fmt: skip
    assert len(interviews.read_memos(interviewer, interview)) == 2  # memos need participation

    second = services.withdraw(coordinator, interview, scopes=["participation"],
                               giver="young_person", withdrawn_on=date(2026, 11, 23),
                               channel="phone")  # fmt: skip
    db.session.commit()
    assert interview.status == "withdrawn" and interview.memos == [] and interview.place is None
    assert {"effect": "memos_erased", "count": 2} in second.effect_list
    assert set(second.scope_list) == set(Scope)
    assert gate.scopes_in_force(interview) == frozenset()
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 1  # minimal record
    with pytest.raises(ConsentError, match="withdrawn or cancelled"):
        record(interviewer, interview)

    auth.login(user=interviewer)
    refused = client.get(f"/interviews/{interview.id}/memos")
    assert refused.status_code == 403 and "Nothing was shown" in refused.get_data(as_text=True)
    auth.logout()
    auth.login(user=coordinator)
    page = client.get(f"/consent/interview/{interview.id}").get_data(as_text=True)
    assert "2 memos erased." in page and "Wrote that she has changed her mind." in page
    overview = client.get("/consent").get_data(as_text=True)
    assert "2 memos erased." in overview
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions.count("consent.withdraw") == 2 and "interview.withdraw" in actions


def test_withdrawal_through_the_page_reports_errors_in_the_language(setup, client, auth):
    coordinator, interviewer, interview_for = setup
    interview = interview_for()
    record(interviewer, interview, method="verbal", scan=None, witness="Kim")
    coordinator.language = "da"
    db.session.commit()
    auth.login(user=coordinator)
    response = client.post(f"/consent/interview/{interview.id}/withdraw", data={
        "withdraw-scopes": ["quotation"], "withdraw-giver": "young_person",
        "withdraw-withdrawn_on": "2026-11-01", "withdraw-channel": "phone"})  # fmt: skip
    assert response.status_code == 200
    assert "Tilbagetrækningen kan ikke dateres før det samtykke" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Withdrawal.id))) == 0
    response = client.post(f"/consent/interview/{interview.id}/withdraw", data={
        "withdraw-scopes": ["quotation"], "withdraw-giver": "young_person",
        "withdraw-withdrawn_on": "2026-11-22", "withdraw-channel": "phone"})  # fmt: skip
    assert response.status_code == 302
    assert Scope.QUOTATION not in gate.scopes_in_force(db.session.get(Interview, interview.id))


def test_consent_for_an_interview_that_does_not_exist(setup, client, auth):
    _coordinator, interviewer, _interview_for = setup
    auth.login(user=interviewer)
    response = client.post("/consent/interview/9999/record", data={
        "record-giver": "young_person", "record-scopes": ["participation"],
        "record-method": "verbal", "record-witness": "Kim",
        "record-given_on": "2026-11-10"})  # fmt: skip
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(ConsentRecord.id))) == 0


def test_recording_through_the_page_with_an_upload(setup, app, client, auth):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    auth.login(user=interviewer)
    data = {"record-giver": "young_person", "record-scopes": ["participation", "quotation"],
            "record-form_id": str(form_sv().id), "record-method": "signed_paper",
            "record-given_on": "2026-11-10"}  # fmt: skip
    bad = client.post(f"/consent/interview/{interview.id}/record",
                      data={**data, "record-scan": (io.BytesIO(b"MZ\x90\x00"), "scan.pdf")},
                      content_type="multipart/form-data")  # fmt: skip
    assert bad.status_code == 200 and "must be a PDF, JPEG or PNG" in bad.get_data(as_text=True)
    assert media_files(app) == []
    good = client.post(f"/consent/interview/{interview.id}/record",
                       data={**data, "record-scan": (io.BytesIO(png()), "scan.png")},
                       content_type="multipart/form-data")  # fmt: skip
    assert good.status_code == 302
    (entry,) = db.session.scalars(select(ConsentRecord)).all()
    assert entry.scan_type == "image/png"
    assert {g.scope for g in entry.grants} == {"participation", "quotation"}


def test_only_the_own_interviewer_and_the_coordinator_see_consent(setup, client, auth):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    entry = record(interviewer, interview)
    for role in (Role.INTERVIEWER, Role.RESEARCHER, Role.REVIEW_MEMBER, Role.ADMIN):
        auth.login(role)
        assert client.get(f"/consent/interview/{interview.id}").status_code == 403
        assert client.get(f"/consent/record/{entry.id}/scan").status_code == 403
        assert client.get(f"/consent/record/{entry.id}/receipt").status_code == 403
        auth.logout()


def test_a_new_form_version_never_changes_an_old_consent(setup, client, auth):
    coordinator, interviewer, interview_for = setup
    interview = interview_for()
    old = record(interviewer, interview)
    v1 = form_sv()
    auth.login(user=coordinator)
    page = client.get("/consent/forms/new/sv").get_data(as_text=True)
    assert v1.text.retention in page
    data = {name: value for name, value in _publish_data(v1).items()}
    data["retention"] = "Allt raderas fem år efter intervjun."
    assert client.post("/consent/forms/new/sv", data=data).status_code == 302
    again = client.post("/consent/forms/new/sv", data=data).get_data(as_text=True)
    assert "Nothing was changed" in again
    v2 = form_sv()
    assert v2.version == 2 and v2.text.retention.startswith("Allt raderas")
    db.session.refresh(old)
    assert old.form_id == v1.id and old.form.text.retention == v1.text.retention
    listing = client.get("/consent/forms").get_data(as_text=True)
    assert listing.count(v1.title) == 2
    shown = client.get(f"/consent/forms/{v1.id}").get_data(as_text=True)
    assert v1.text.scope("audio_recording").statement in shown
    auth.logout()
    auth.login(user=interviewer)
    assert client.post("/consent/forms/new/sv", data=data).status_code == 403
    assert client.get(f"/consent/forms/{v2.id}").status_code == 200


def _publish_data(form: ConsentForm) -> dict:
    text = form.text
    data = {"title": text.title, "introduction": text.introduction,
            "retention": text.retention, "withdrawal": text.withdrawal,
            "guardian": text.guardian}  # fmt: skip
    for scope in Scope:
        part = text.scope(scope.value)
        for key in ("title", "explanation", "statement"):
            data[f"{scope.value}_{key}"] = getattr(part, key)
    return data


def test_a_guardians_withdrawal_ends_only_the_guardians_consent(setup):
    coordinator, interviewer, interview_for = setup
    minor = interview_for(birth_date=date(2009, 6, 1))
    young = record(interviewer, minor)
    guardian = record(interviewer, minor, giver="guardian", guardian_name="Maria Lind")
    services.withdraw(coordinator, minor, scopes=["quotation"], giver="guardian",
                      withdrawn_on=date(2026, 11, 20), channel="letter")  # fmt: skip
    assert Scope.QUOTATION not in gate.scopes_in_force(minor)
    assert all(g.active for g in young.grants)  # the young person's receipt stays true
    assert not next(g for g in guardian.grants if g.scope == "quotation").active
    adult = interview_for()
    record(interviewer, adult)
    with pytest.raises(ConsentError, match="No guardian's consent is needed"):
        services.withdraw(coordinator, adult, scopes=["quotation"], giver="guardian",
                          withdrawn_on=date(2026, 11, 20), channel="letter")  # fmt: skip


def test_age_is_taken_on_the_day_the_interview_took_place(setup):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for(birth_date=date(2008, 11, 12))  # 17 when booked, 18 two days on
    record(interviewer, interview)
    assert gate.guardian_required(interview)
    interviews.conduct(interviewer, interview, date(2026, 11, 12))
    assert not gate.guardian_required(interview)
    assert Scope.PARTICIPATION in gate.scopes_in_force(interview)


def test_cancelling_erases_early_memos_and_flags_stop_on_an_ended_interview(setup):
    from app.interviews.models import FlagCategory
    from app.interviews.services import InterviewError

    coordinator, interviewer, interview_for = setup
    interview = interview_for()
    record(interviewer, interview)
    interviews.save_memo(interviewer, interview, "life_now", "Prepared note", 0)
    interviews.cancel(coordinator, interview, "Ill")
    db.session.commit()
    assert interview.memos == []
    with pytest.raises(InterviewError, match="withdrawn or cancelled"):
        interviews.raise_flag(interviewer, interview, category=FlagCategory.OTHER,
                              disclosure="x", follow_up="y", responsible=coordinator,
                              due_on=date(2026, 11, 30))  # fmt: skip


def test_the_record_form_opts_into_taking_part_only(setup, client, auth):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for()
    auth.login(user=interviewer)
    page = client.get(f"/consent/interview/{interview.id}").get_data(as_text=True)
    ticked = re.findall(r'<input[^>]*name="record-scopes"[^>]*>', page)
    assert len(ticked) == len(Scope)
    assert [t for t in ticked if "checked" in t] == [t for t in ticked if "participation" in t]


def test_line_breaks_from_the_browser_do_not_make_a_new_version(setup, client, auth):
    coordinator, _interviewer, _interview_for = setup
    v1 = form_sv()
    auth.login(user=coordinator)
    data = {k: v.replace("\n", "\r\n") for k, v in _publish_data(v1).items()}
    again = client.post("/consent/forms/new/sv", data=data).get_data(as_text=True)
    assert "Nothing was changed" in again and form_sv().version == 1


def test_print_a_consent_form_opens_the_form_in_the_interviews_language(setup, client, auth):
    _coordinator, interviewer, interview_for = setup
    interview = interview_for(language="da")
    auth.login(user=interviewer)
    page = client.get(f"/consent/interview/{interview.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Print a consent form</a>', page).group(1)
    assert link == f"/consent/forms/{ConsentForm.latest(FORM_KEY, 'da').id}"
    printable = client.get(link)
    assert printable.status_code == 200 and 'lang="da"' in printable.get_data(as_text=True)
