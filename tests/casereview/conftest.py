"""A team for the case reviews: a coordinator, two interviewers with cases, one without."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.db import db
from app.core.users import Role, User
from app.guides.models import GuideVersion
from app.guides.services import sync_guides
from app.interviews.models import EthicsFlag, Interview
from app.participants.models import PlacementWorker
from tests.conftest import TODAY


@dataclass
class Team:
    coordinator: User
    anna: User
    bo: User
    idle: User
    leader: User
    #: participant codes of Anna's cases, by what they are waiting for
    codes: dict


def _interview(offer, interviewer, status, conducted_on=None, at=None):
    guide = db.session.scalars(db.select(GuideVersion).limit(1)).first()
    interview = Interview(
        offer=offer,
        scheduled_at=at or datetime(2026, 10, 1, 9, tzinfo=UTC),
        mode="in_person",
        interviewer_id=interviewer.id,
        guide_version_id=guide.id,
        language=guide.language,
        status=status,
        conducted_on=conducted_on,
    )
    db.session.add(interview)
    return interview


@pytest.fixture
def team(app, make_user, make_participant, make_offer):
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR], display_name="Cecilia Coordinator")
    anna = make_user(roles=[Role.INTERVIEWER], display_name="Anna Interviewer")
    bo = make_user(roles=[Role.INTERVIEWER], display_name="Bo Interviewer")
    idle = make_user(roles=[Role.INTERVIEWER], display_name="Ida Idle")
    leader = make_user(roles=[Role.LEADER], display_name="Lena Leader")
    codes = {}

    def case(code, **offer):
        participant = make_participant(code=code, name=f"Secret Name {code}")
        placement = participant.placements[0]
        return make_offer(placement, **offer) if offer else placement

    case("P-2024-001", interviewer_id=anna.id)
    codes["unanswered"] = "P-2024-001"
    case("P-2024-002", interviewer_id=anna.id, answer="accepted")
    codes["unbooked"] = "P-2024-002"
    booked = case("P-2024-003", interviewer_id=anna.id, answer="accepted")
    _interview(booked, anna, "booked", at=datetime(2026, 11, 26, 9, tzinfo=UTC))
    codes["booked"] = "P-2024-003"
    late = case("P-2024-004", interviewer_id=anna.id, answer="accepted")
    _interview(late, anna, "conducted", conducted_on=TODAY - timedelta(days=20))
    codes["undocumented"] = "P-2024-004"
    fresh = case("P-2024-005", interviewer_id=anna.id, answer="accepted")
    _interview(fresh, anna, "conducted", conducted_on=TODAY - timedelta(days=3))
    codes["fresh"] = "P-2024-005"
    waiting = case("P-2024-006", interviewer_id=anna.id, answer="accepted")
    transcribed = _interview(waiting, anna, "transcribed", conducted_on=date(2026, 9, 1))
    codes["unverified"] = "P-2024-006"
    verified = case("P-2024-007", interviewer_id=anna.id, answer="accepted")
    _interview(verified, anna, "verified", conducted_on=date(2026, 8, 1))
    codes["unreleased"] = "P-2024-007"
    db.session.add(
        EthicsFlag(interview=transcribed, category="other", disclosure="x", follow_up="y",
                   responsible_id=anna.id, due_on=TODAY + timedelta(days=5))
    )  # fmt: skip
    # Anna was the social worker of a placement whose window opens in two weeks
    opening = case("P-2024-008")
    opening.ended_on = TODAY + timedelta(days=14) - timedelta(days=730)
    opening.workers.append(PlacementWorker(user_id=anna.id))
    codes["opening"] = "P-2024-008"
    case("P-2024-009", interviewer_id=bo.id)
    db.session.commit()
    return Team(coordinator, anna, bo, idle, leader, codes)
