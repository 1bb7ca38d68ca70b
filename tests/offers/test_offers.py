"""Offers, answers, reminders, assignment and closing, as services and through the page."""

import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.offers import services
from app.offers.models import Answer, Attrition, Channel, Offer
from app.offers.services import OfferError
from app.participants.models import PlacementWorker

# make_participant's default placement ended 2024-06-30: the window is 2026-06-30 to 2027-06-30


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=[Role.COORDINATOR])


@pytest.fixture
def placement(make_participant):
    return make_participant().placements[0]


def offer_for(coordinator, placement, on=date(2026, 7, 1)):
    return services.record_offer(coordinator, placement, offered_on=on, channel=Channel.LETTER)


def test_an_offer_must_fall_inside_the_window(app, coordinator, placement):
    with pytest.raises(OfferError, match="must be made between"):
        offer_for(coordinator, placement, date(2026, 6, 29))
    with pytest.raises(OfferError, match="cannot be in the future"):
        offer_for(coordinator, placement, date(2026, 11, 24))
    offer = offer_for(coordinator, placement, date(2026, 6, 30))
    assert offer.outcome == "open" and offer.answer is None
    with pytest.raises(OfferError, match="already been offered"):
        offer_for(coordinator, placement)


def test_an_ineligible_placement_is_not_offered(app, coordinator, make_participant):
    placement = make_participant(placement={"setting_at_end": "institution"}).placements[0]
    with pytest.raises(OfferError, match="not eligible"):
        offer_for(coordinator, placement)


def test_answers_close_or_keep_the_follow_up_open(app, coordinator, placement):
    offer = offer_for(coordinator, placement)
    services.add_reminder(coordinator, offer, sent_on=date(2026, 8, 1), channel=Channel.PHONE)
    with pytest.raises(OfferError, match="before the offer"):
        services.record_answer(
            coordinator, offer, answer=Answer.ACCEPTED, answered_on=date(2026, 6, 1)
        )
    services.record_answer(coordinator, offer, answer=Answer.DECLINED, answered_on=date(2026, 8, 9))
    assert (offer.outcome, offer.attrition_reason) == ("not_interviewed", "declined")
    with pytest.raises(OfferError, match="not been answered"):
        services.add_reminder(coordinator, offer, sent_on=date(2026, 8, 20), channel=Channel.PHONE)
    services.reopen(coordinator, offer)
    assert (offer.outcome, offer.answer) == ("open", None)
    services.record_answer(
        coordinator, offer, answer=Answer.NO_ANSWER, answered_on=date(2026, 9, 1)
    )
    assert offer.attrition_reason == "unreachable"
    services.reopen(coordinator, offer)
    services.record_answer(coordinator, offer, answer=Answer.ACCEPTED, answered_on=date(2026, 9, 2))
    assert (offer.outcome, offer.attrition_reason) == ("open", None)
    services.record_interviewed(coordinator, offer, on=date(2026, 10, 1))
    assert offer.outcome == "interviewed"
    with pytest.raises(OfferError, match="already been interviewed"):
        services.close_without_interview(coordinator, offer, reason=Attrition.PRACTICAL, note=None)
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions.count("offer.answer") == 3 and "offer.interviewed" in actions


def test_only_accepted_offers_are_interviewed(app, coordinator, placement):
    offer = offer_for(coordinator, placement)
    with pytest.raises(OfferError, match="Only someone who accepted"):
        services.record_interviewed(coordinator, offer, on=date(2026, 10, 1))


def test_other_reason_needs_words(app, coordinator, placement):
    offer = offer_for(coordinator, placement)
    with pytest.raises(OfferError, match="Describe the other reason"):
        services.close_without_interview(coordinator, offer, reason=Attrition.OTHER, note="  ")
    services.close_without_interview(
        coordinator, offer, reason=Attrition.OTHER, note="Moved to Norway"
    )
    assert offer.attrition_note == "Moved to Norway"


def test_the_database_refuses_an_inconsistent_offer(app, placement):
    db.session.add(
        Offer(placement=placement, offered_on=date(2026, 7, 1), channel="letter",
              outcome="not_interviewed")
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_former_social_worker_is_suggested_first(
    app, coordinator, make_user, make_participant, make_offer
):
    busy = make_user(roles=[Role.INTERVIEWER], display_name="Busy Worker")
    idle = make_user(roles=[Role.INTERVIEWER], display_name="Idle Worker")
    make_user(roles=[Role.INTERVIEWER], display_name="Zed Gone", active=False)
    participant = make_participant()
    placement = participant.placements[0]
    for _ in range(2):
        other = make_participant().placements[0]
        make_offer(other, answer="accepted", interviewer_id=busy.id, assigned_on=date(2026, 3, 1))
    suggestion = services.suggest_interviewer(placement, 2026)
    assert (suggestion.interviewer, suggestion.reason) == (idle, "fewest")
    placement.workers.append(PlacementWorker(user_id=busy.id))
    db.session.commit()
    suggestion = services.suggest_interviewer(placement, 2026)
    assert (suggestion.interviewer, suggestion.reason, suggestion.assigned_this_year) == (
        busy,
        "former_worker",
        2,
    )
    assert services.suggest_interviewer(placement, 2025).assigned_this_year == 0


def test_assignment_needs_an_active_interviewer(app, coordinator, make_user, placement):
    offer = offer_for(coordinator, placement)
    researcher = make_user(roles=[Role.RESEARCHER])
    with pytest.raises(OfferError, match="active interviewer"):
        services.assign(coordinator, offer, researcher, on=date(2026, 8, 1))


def test_the_follow_up_page_walks_through_an_offer(client, auth, make_user, placement):
    auth.login(Role.COORDINATOR)
    interviewer = make_user(roles=[Role.INTERVIEWER], display_name="Jonas Ek")
    url = f"/follow-up/placements/{placement.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Record the offer" in page
    response = client.post(url, data={"offer-offered_on": "2026-05-01", "offer-channel": "letter"})
    assert "The offer must be made between" in response.get_data(as_text=True)
    client.post(url, data={"offer-offered_on": "2026-07-02", "offer-channel": "text_message"})
    offer = db.session.scalar(select(Offer))
    assert offer.channel == "text_message"
    response = client.post(
        f"/follow-up/{offer.id}/answer",
        data={"answer-answer": "accepted", "answer-answered_on": "2026-07-10"},
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Suggested: Jonas Ek, who has the fewest interviews this year (0)." in page
    client.post(f"/follow-up/{offer.id}/assign", data={"assign-interviewer_id": interviewer.id})
    db.session.refresh(offer)
    assert offer.interviewer_id == interviewer.id
    response = client.post(
        f"/follow-up/{offer.id}/close", data={"close-reason": "other", "close-note": ""}
    )
    assert response.status_code == 400
    assert "Describe the other reason." in response.get_data(as_text=True)
    client.post(f"/follow-up/{offer.id}/close", data={"close-reason": "too_far", "close-note": ""})
    db.session.refresh(offer)
    assert (offer.outcome, offer.attrition_reason) == ("not_interviewed", "too_far")
    assert "Reopen follow-up" in client.get(url).get_data(as_text=True)


def test_a_closed_follow_up_cannot_be_recorded_as_held(app, coordinator, placement):
    offer = offer_for(coordinator, placement)
    services.record_answer(coordinator, offer, answer=Answer.ACCEPTED, answered_on=date(2026, 8, 1))
    with pytest.raises(OfferError, match="before the answer"):
        services.record_interviewed(coordinator, offer, on=date(2026, 7, 15))
    services.close_without_interview(coordinator, offer, reason=Attrition.TOO_FAR, note=None)
    with pytest.raises(OfferError, match="reopen it first"):
        services.record_interviewed(coordinator, offer, on=date(2026, 9, 1))
    with pytest.raises(OfferError, match="future"):
        services.record_answer(
            coordinator, offer, answer=Answer.ACCEPTED, answered_on=date(2027, 1, 1)
        )


def test_every_day_on_the_follow_up_page_defaults_to_today(client, auth, placement):
    coordinator = auth.login(Role.COORDINATOR)
    url = f"/follow-up/placements/{placement.id}"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'name="offer-offered_on"[^>]*value="2026-11-23"', page)
    offer_for(coordinator, placement)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    for name in ("answer-answered_on", "reminder-sent_on"):
        assert re.search(rf'name="{name}"[^>]*value="2026-11-23"', page), name
