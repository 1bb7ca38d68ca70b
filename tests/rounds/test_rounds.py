"""Blind coding rounds: creating, closing with a look first, agreement and consensus."""

import re
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.codebook.services import CodingError
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.rounds import agreement
from app.rounds import services as rounds
from app.rounds.forms import SettleForm
from app.workspace import services as workspace
from app.workspace.models import CodingRound
from app.workspace.queries import visible_codings
from tests.codebook.sample import a_code


def test_blind_round_agreement_and_consensus(coded):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release, release2 = coded["release"], coded["release2"]
    round_ = rounds.create_round(boss, name="Höst 2026", unit="segment", coders=[anna, ben],
                                   releases=[release, release2])  # fmt: skip
    code = a_code()
    lines = release.text.split("\n")
    second_line = len(lines[0]) + 1
    workspace.apply(anna, release, code.id, 0, 5, coding_round=round_)
    workspace.apply(ben, release, code.id, 2, 8, coding_round=round_)  # agrees: same segment
    workspace.apply(anna, release, code.id, second_line, second_line + 4, coding_round=round_)
    db.session.commit()
    # blind: each sees only their own
    assert len(visible_codings(anna, release, round_)) == 2
    assert len(visible_codings(ben, release, round_)) == 1
    assert visible_codings(anna, release) == []  # not among the shared codings
    with pytest.raises(CodingError, match="blind"):
        agreement.round_agreement(boss, round_)
    with pytest.raises(PermissionDenied):  # a coder cannot end the blind phase
        rounds.close_round(anna, round_)
    rounds.close_round(boss, round_)
    db.session.commit()
    with pytest.raises(CodingError, match="closed"):
        workspace.apply(anna, release, code.id, 0, 5, coding_round=round_)
    result = agreement.round_agreement(anna, round_)
    row = next(r for r in result.report.per_code if r.code_id == code.id)
    assert result.report.n_units == 6  # three lines in each of the two transcripts
    assert row.percent_agreement == pytest.approx(100 * 5 / 6)
    assert [(u, c) for u, c, _ in result.disagreements] == [(1, code.id)]
    assert row.kappa == pytest.approx(0.571, abs=0.01)
    assert row.alpha is not None
    with pytest.raises(CodingError, match="every disagreement"):
        agreement.settle(boss, round_, {})
    written = agreement.settle(boss, round_, {(1, code.id): False})
    db.session.commit()
    assert written == 1
    shared = visible_codings(anna, release)
    assert [(c.start_offset, c.end_offset, c.consensus) for c in shared] == [
        (0, len(lines[0]), True)
    ]
    # settling again replaces the consensus rather than adding to it
    assert agreement.settle(boss, round_, {(1, code.id): True}) == 2
    assert len(visible_codings(anna, release)) == 2


def test_a_round_needs_two_coders_who_may_code(coded):
    boss, anna = coded["boss"], coded["anna"]
    with pytest.raises(CodingError, match="two coders"):
        rounds.create_round(boss, name="x", unit="segment", coders=[anna],
                              releases=[coded["release"]])  # fmt: skip


def test_a_coder_reads_the_saved_consensus_on_the_round_page(coded, client, auth):
    """A coder who may not save the consensus still reads it once it is saved (the round
    is closed, so nothing blind is left to keep); before then the column is not shown."""
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = rounds.create_round(boss, name="Höst 2026", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    code = a_code()
    second_line = len(release.text.split("\n")[0]) + 1
    workspace.apply(anna, release, code.id, 0, 5, coding_round=round_)
    workspace.apply(ben, release, code.id, 2, 8, coding_round=round_)
    workspace.apply(anna, release, code.id, second_line, second_line + 4, coding_round=round_)
    rounds.close_round(boss, round_)
    db.session.commit()
    auth.login(user=anna)
    before = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "Consensus" not in before and "data-consensus" not in before
    agreement.settle(boss, round_, {(1, code.id): False})
    db.session.commit()
    after = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "<th>Consensus</th>" in after
    assert re.search(r"<td data-consensus>\s*does not apply\s*</td>", after)
    assert 'type="radio"' not in after  # reading it, not deciding it


def test_round_pages(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    auth.login(user=boss)
    page = client.get("/coding/rounds/new")
    assert "Ben Forskare" in page.get_data(as_text=True)
    made = client.post("/coding/rounds/new", data={
        "name": "Vår", "unit": "sentence", "coders": [anna.id, ben.id],
        "releases": [coded["release"].id]}, follow_redirects=True)  # fmt: skip
    assert "blind" in made.get_data(as_text=True)
    round_id = db.session.scalars(select(CodingRound)).one().id
    client.post(f"/coding/rounds/{round_id}/close", data={"confirm": "y"})
    closed = client.get(f"/coding/rounds/{round_id}").get_data(as_text=True)
    assert "Overall" in closed and "The coders agree everywhere." in closed


def test_closing_a_round_shows_what_becomes_final_and_asks_first(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = rounds.create_round(boss, name="Höst", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    code = a_code()
    workspace.apply(anna, release, code.id, 0, 5, coding_round=round_)
    workspace.apply(ben, release, code.id, 2, 8, coding_round=round_)
    db.session.commit()
    preview = rounds.close_preview(boss, round_)
    assert preview.n_units == 3 and preview.codings == {anna: 1, ben: 1}
    assert preview.uncoded == {anna: 2, ben: 2}  # each coded one of the three lines
    row = next(r for r in preview.report.per_code if r.code_id == code.id)
    assert row.percent_agreement == 100
    assert round_.is_open  # a look changes nothing
    with pytest.raises(PermissionDenied):
        rounds.close_preview(anna, round_)
    # Whoever runs the round and codes in it too sees no agreement while it is blind.
    both = rounds.create_round(boss, name="Egen", unit="segment", coders=[boss, anna],
                                 releases=[release])  # fmt: skip
    assert rounds.close_preview(boss, both).report is None
    db.session.commit()

    auth.login(user=boss)
    look = client.post(f"/coding/rounds/{round_.id}/close")
    page = look.get_data(as_text=True)
    assert look.status_code == 200 and "Units without a code from this coder" in page
    assert "2 of 3" in page and "Tick the box" not in page
    db.session.refresh(round_)
    assert round_.is_open  # the server does not close without the confirmation
    refused = client.post(f"/coding/rounds/{round_.id}/close", data={"asked": "1"})
    assert "Tick the box to confirm that the round is to be closed." in refused.get_data(
        as_text=True
    )
    db.session.refresh(round_)
    assert round_.is_open
    client.post(f"/coding/rounds/{round_.id}/close", data={"asked": "1", "confirm": "y"})
    db.session.refresh(round_)
    assert not round_.is_open


def test_a_round_emptied_by_a_withdrawal_says_so_and_claims_no_agreement(coded, client, auth):
    anna, ben, boss = coded["anna"], coded["ben"], coded["boss"]
    release = coded["release"]
    round_ = rounds.create_round(boss, name="Vinter", unit="segment", coders=[anna, ben],
                                   releases=[release])  # fmt: skip
    workspace.apply(anna, release, a_code().id, 0, 5, coding_round=round_)
    workspace.apply(ben, release, a_code().id, 0, 5, coding_round=round_)
    rounds.close_round(boss, round_)
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    db.session.commit()
    result = agreement.round_agreement(anna, round_)
    assert not result.comparable and result.report.n_units == 0
    assert [(d.release, d.scope, d.withdrawn_on) for d in result.dropped] == [
        (release, "research_use", date(2026, 11, 20))
    ]
    # the team's own use needs no research-use consent: the coordinator's figures stand
    assert agreement.round_agreement(boss, round_).comparable
    auth.login(user=anna)
    page = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "was withdrawn from research use on" in page
    assert "There is nothing left to compare in this round" in page
    assert "agree everywhere" not in page and "Overall" not in page
    # taking part withdrawn: the release and its codings go, for everyone
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.PARTICIPATION],
                     giver="young_person", withdrawn_on=date(2026, 11, 21),
                     channel="phone")  # fmt: skip
    db.session.commit()
    assert not agreement.round_agreement(boss, round_).comparable
    with pytest.raises(CodingError, match="nothing left to compare"):
        agreement.settle(boss, round_, {})


def test_the_settle_form_reads_only_well_formed_decisions(app):
    """``d-<unit>-<code>`` = yes | no, through the form; any other name or value is left out
    (a disagreement it was meant for stays unsettled, and settling refuses)."""
    sent = MultiDict([("d-0-5", "yes"), ("d-1-5", "no"), ("d-2-5", "maybe"), ("d-x-5", "yes"),
                      ("d-1-2-3", "no"), ("d-3-5", "no"), ("d-3-5", "yes"),
                      ("e-4-5", "yes")])  # fmt: skip
    with app.test_request_context(method="POST"):
        form = SettleForm(sent, meta={"csrf": False})
        assert form.validate()
        assert form.d.data == {(0, 5): True, (1, 5): False, (3, 5): False}
