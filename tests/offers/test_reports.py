"""Stages, the coordinator's dashboard, workload, and the attrition report with its chart."""

import csv
import io
from datetime import date

import pytest

from app.core.users import Role
from app.offers import reports
from app.offers.reports import Stage, stage_of
from app.participants.eligibility import Eligibility, Ineligible

WINDOW = Eligibility(True, None, date(2026, 6, 30), date(2027, 6, 30))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 6, 29), Stage.UPCOMING),
        (date(2026, 6, 30), Stage.DUE),
        (date(2027, 5, 30), Stage.DUE),
        (date(2027, 5, 31), Stage.OVERDUE),
        (date(2027, 6, 1), Stage.OVERDUE),
        (date(2027, 6, 30), Stage.OVERDUE),
        (date(2027, 7, 1), Stage.MISSED),
    ],
)
def test_stage_without_an_offer_follows_the_window(today, expected):
    assert stage_of(WINDOW, None, today) is expected


def test_an_ineligible_placement_has_no_stage_beyond_that():
    assert stage_of(Eligibility(False, Ineligible.ONGOING), None, date(2026, 1, 1)) is (
        Stage.NOT_ELIGIBLE
    )


def make_register(make_user, make_participant, make_offer):
    """Placements in every state; today is 2026-11-23 in these tests."""
    anna = make_user(roles=[Role.INTERVIEWER], display_name="Anna")
    make_user(roles=[Role.INTERVIEWER], display_name="Bo")

    def ended(day):
        return make_participant(placement={"ended_on": day}).placements[0]

    due = ended(date(2024, 6, 30))  # window 2026-06-30 .. 2027-06-30
    overdue = ended(date(2023, 12, 10))  # closes 2026-12-10
    ended(date(2023, 1, 1))  # closed 2026-01-01, never offered: missed
    soon = ended(date(2024, 12, 24))  # opens 2026-12-24
    ended(date(2025, 6, 1))  # opens 2027: not soon
    make_participant(placement={"ended_on": None})  # ongoing
    waiting = ended(date(2024, 5, 1))
    make_offer(waiting, offered_on=date(2026, 5, 2))
    accepted = ended(date(2024, 4, 1))
    make_offer(accepted, offered_on=date(2026, 4, 2), answer="accepted", interviewer_id=anna.id)
    held = ended(date(2023, 3, 1))
    make_offer(held, offered_on=date(2025, 3, 2), answer="accepted", interviewer_id=anna.id,
               assigned_on=date(2026, 1, 5), outcome="interviewed",
               interviewed_on=date(2026, 2, 1))  # fmt: skip
    refused = ended(date(2023, 2, 1))
    make_offer(refused, offered_on=date(2025, 2, 2), answer="declined", outcome="not_interviewed",
               attrition_reason="declined")  # fmt: skip
    return locals()


def test_dashboard_lists_what_needs_doing(app, make_user, make_participant, make_offer):
    made = make_register(make_user, make_participant, make_offer)
    board = reports.dashboard(date(2026, 11, 23), app.config["ELIGIBILITY_RULES"])
    assert [i.placement for i in board.due] == [made["due"]]
    assert [i.placement for i in board.overdue] == [made["overdue"]]
    assert [i.placement for i in board.opening_soon] == [made["soon"]]
    assert [i.placement for i in board.awaiting_answer] == [made["waiting"]]
    assert [i.placement for i in board.accepted_unheld] == [made["accepted"]]


def test_workload_against_the_target(app, make_user, make_participant, make_offer):
    make_register(make_user, make_participant, make_offer)
    rows = {w.interviewer.display_name: w for w in reports.workload(2026, (1, 2))}
    assert (rows["Anna"].assigned, rows["Anna"].interviewed, rows["Anna"].balance) == (
        2,
        1,
        "within",
    )
    assert (rows["Bo"].assigned, rows["Bo"].balance) == (0, "below")


def test_attrition_accounts_for_everyone(app, make_user, make_participant, make_offer):
    make_register(make_user, make_participant, make_offer)
    years = reports.attrition(date(2026, 11, 23), app.config["ELIGIBILITY_RULES"])
    for year in years:
        assert year.eligible == year.interviewed + year.not_interviewed + year.in_progress
    by_year = {y.year: y for y in years}
    assert by_year[2025].interviewed == 1
    assert by_year[2025].reasons["declined"] == 1
    assert by_year[2025].not_offered == 1
    assert sum(y.eligible for y in years) == 9


def test_attrition_page_chart_and_csv(client, auth, make_user, make_participant, make_offer):
    make_register(make_user, make_participant, make_offer)
    auth.login(Role.COORDINATOR)
    page = client.get("/follow-up/attrition").get_data(as_text=True)
    assert '<img src="/follow-up/attrition.svg" alt="' in page
    assert "<caption>Attrition by year</caption>" in page
    chart = client.get("/follow-up/attrition.svg")
    assert chart.mimetype == "image/svg+xml"
    svg = chart.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "Interviewed" in svg and "2025" in svg
    assert client.get("/follow-up/attrition.svg").get_data(as_text=True) == svg  # stable
    body = client.get("/follow-up/attrition.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:4] == ["Year", "Eligible", "Offered", "Interviewed"]
    row_2025 = next(r for r in rows if r[0] == "2025")
    assert row_2025[1:4] == ["4", "2", "1"]


def test_dashboard_page_links_each_row(client, auth, make_user, make_participant, make_offer):
    made = make_register(make_user, make_participant, make_offer)
    auth.login(Role.COORDINATOR)
    page = client.get("/follow-up/").get_data(as_text=True)
    for key in ("due", "overdue", "soon", "waiting", "accepted"):
        assert f'/follow-up/placements/{made[key].id}"' in page
    assert "Interviews per interviewer in" in page
