"""Stages, the coordinator's dashboard, workload, and the attrition report with its chart."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import event, select

from app.core.db import db
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


def test_the_figures_read_each_placement_as_the_dashboard_does(
    app, make_user, make_participant, make_offer
):
    """The figures read the register as columns, not as objects: each placement's
    eligibility, offer and stage are the ones ``follow_up`` gives it."""
    from app.participants.models import Placement

    make_register(make_user, make_participant, make_offer)
    make_participant(placement={"setting_at_end": "institution"})
    rules, today = app.config["ELIGIBILITY_RULES"], date(2026, 11, 23)

    def facts(eligibility, offer, stage):
        held = offer and (offer.offered_on, offer.answer, offer.outcome, offer.attrition_reason)
        return (eligibility, held, stage)

    expected = sorted(
        (facts(f.eligibility, f.offer, f.stage) for f in
         (reports.follow_up(p, today, rules) for p in db.session.scalars(select(Placement)))),
        key=repr,
    )  # fmt: skip
    counted = sorted((facts(c.eligibility, c.offer, c.stage) for c in
                      reports._counted(today, rules)), key=repr)  # fmt: skip
    assert counted == expected
    assert len(counted) == 11


def _register_reads(statement: str) -> bool:
    return "FROM placement" in statement


def test_the_figures_are_kept_until_the_register_changes(
    app, make_user, make_participant, make_offer
):
    from app.offers.models import Offer
    from app.participants.models import Participant

    made = make_register(make_user, make_participant, make_offer)
    db.session.commit()
    rules, today = app.config["ELIGIBILITY_RULES"], date(2026, 11, 23)
    reads = []

    def seen(conn, cursor, statement, *args):
        reads.append(_register_reads(statement))

    event.listen(db.engine, "before_cursor_execute", seen)

    def figures():
        db.session.rollback()  # a fresh read-only transaction, as a page's
        reads.clear()
        found = (reports.offers_made(today, rules), reports.attrition(today, rules))
        return found, any(reads)

    first, counted = figures()
    assert counted
    again, counted = figures()
    assert again == first and not counted  # kept: the register was not read again

    # each kind of change gives new figures at once
    waiting = db.session.get(Offer, made["waiting"].offer.id)
    waiting.answer, waiting.answered_on = "declined", date(2026, 5, 9)
    db.session.commit()
    after, counted = figures()
    assert counted and after[0] != first[0]
    assert after[0][(2026, "within", "declined")] == 1

    person = db.session.get(Participant, made["soon"].participant_id)
    person.birth_date = date(2015, 1, 1)  # too young within the window now
    db.session.commit()
    younger, counted = figures()
    assert counted
    assert sum(y.eligible for y in younger[1]) == sum(y.eligible for y in after[1]) - 1

    db.session.delete(db.session.get(Offer, made["refused"].offer.id))
    db.session.commit()
    fewer, counted = figures()
    assert counted and sum(fewer[0].values()) == sum(younger[0].values()) - 1

    make_participant(placement={"ended_on": date(2024, 7, 1)})
    more, counted = figures()
    assert counted and sum(y.eligible for y in more[1]) == sum(y.eligible for y in fewer[1]) + 1
    event.remove(db.engine, "before_cursor_execute", seen)


def test_the_open_follow_ups_are_those_of_the_whole_register(
    app, make_user, make_participant, make_offer
):
    """The dashboard loads only the placements the kept figures say are open: the same
    follow-ups, in every open stage, as reading the whole register gives."""
    make_register(make_user, make_participant, make_offer)
    rules, today = app.config["ELIGIBILITY_RULES"], date(2026, 11, 23)
    whole = {f.placement.id: f.stage for f in reports.all_follow_ups(today, rules)}
    opened = reports.all_follow_ups(today, rules, stages=reports.OPEN)
    assert {f.placement.id: f.stage for f in opened} == {
        pid: stage for pid, stage in whole.items() if stage in reports.OPEN
    }
    assert {Stage.INTERVIEWED, Stage.NOT_INTERVIEWED, Stage.MISSED} & set(whole.values())
    due = reports.all_follow_ups(today, rules, stages=frozenset({Stage.DUE}))
    assert [f.stage for f in due] == [Stage.DUE]
    with pytest.raises(ValueError, match="stages"):
        reports.all_follow_ups(today, rules, stages=frozenset({Stage.INTERVIEWED}))


def test_a_change_not_yet_flushed_is_counted(app, make_user, make_participant, make_offer):
    """A transaction that has changed an offer, not yet flushed, counts its own change: no
    kept figure is read for it (found by review: the token was remembered for the
    transaction and the unflushed change missed)."""
    from app.offers.models import Offer

    made = make_register(make_user, make_participant, make_offer)
    db.session.commit()
    rules, today = app.config["ELIGIBILITY_RULES"], date(2026, 11, 23)
    db.session.rollback()
    assert (2026, "within", None) in reports.offers_made(today, rules)  # and kept
    waiting = db.session.get(Offer, made["waiting"].offer.id)
    waiting.answer, waiting.answered_on = "declined", date(2026, 5, 9)
    assert db.session.dirty
    pending = reports.offers_made(today, rules)
    assert pending[(2026, "within", "declined")] == 1
    assert (2026, "within", None) not in pending
    db.session.rollback()


def test_the_open_follow_ups_are_read_in_chunks(app, make_user, make_participant, make_offer,
                                                monkeypatch):  # fmt: skip
    """However many placements are open, each query binds a bounded number of ids."""
    make_register(make_user, make_participant, make_offer)
    rules, today = app.config["ELIGIBILITY_RULES"], date(2026, 11, 23)
    whole = reports.all_follow_ups(today, rules, stages=reports.OPEN)
    db.session.rollback()
    monkeypatch.setattr(reports, "_IDS_PER_QUERY", 2)
    chunked = reports.all_follow_ups(today, rules, stages=reports.OPEN)
    assert len(whole) > 2
    assert sorted(f.placement.id for f in chunked) == sorted(f.placement.id for f in whole)
