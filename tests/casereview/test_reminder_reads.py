"""The dated items of an interviewer (home page reminders, calendar feed) read only the
placements whose offer is theirs, not the whole register with its decrypted birth dates:
at 15,000 placements the home page would otherwise read them all at every view."""

from app.casereview import queries
from app.offers import reports
from app.participants.services import rules
from tests.conftest import TODAY


def test_an_interviewers_window_deadlines_read_only_their_own_placements(team, monkeypatch):
    read = []
    follow_up = reports.follow_up
    monkeypatch.setattr(reports, "follow_up", lambda p, *a: read.append(p.id) or follow_up(p, *a))
    items = queries.dated_items(team.anna, TODAY)
    assert len(read) == 7  # Anna's seven offers, not Bo's or the one nobody is offered yet
    windows = [d.code for d in items if d.kind == "window"]
    assert windows == [team.codes["unanswered"], team.codes["unbooked"]]
    read.clear()
    # a coordinator's reminders still hold every window of the register, from the placements
    # where someone still has to act: those are found in the kept figures, and only they are
    # loaded (not the one whose interview is done)
    items = queries.dated_items(team.coordinator, TODAY)
    waiting = reports.open_placements(TODAY, rules())
    assert sorted(read) == sorted(
        i for stage in ("due", "overdue", "awaiting_answer", "accepted") for i in waiting[stage]
    )
    assert len(read) == 8
    windows = {d.code for d in items if d.kind == "window"}
    assert {team.codes["unanswered"], team.codes["unbooked"], "P-2024-009"} <= windows
