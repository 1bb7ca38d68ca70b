"""Unitized alpha on the round page: the figures of a round with known codings, checked
against a hand computation, and shown (with what each measures) in English and Swedish."""

import re
from fractions import Fraction

import pytest

from app.codebook.queries import codebook
from app.core.db import db
from app.rounds import agreement
from app.rounds import services as rounds
from app.workspace import services as workspace


def _siblings():
    """Two codable codes under the same top-level code: one group of cu-α."""
    by_parent = {}
    for code in codebook():
        if code.codable and code.parent_id is not None:
            by_parent.setdefault(code.parent_id, []).append(code)
    x, y = next(codes for codes in by_parent.values() if len(codes) >= 2)[:2]
    return x, y


def _binary_by_hand(length: int, coded: list[int], only_one: int) -> float:
    """α-binary of two coders (Krippendorff et al. 2016, eq. 6) over a continuum of
    ``length``: ``coded`` the lengths of all units of both coders, ``only_one`` the characters
    that exactly one of the two coded. Pairable 2L; the observed off-diagonal o01 + o10 counts
    each such character once per ordered pair of coders; the expected one is
    2 · 2L · gap · coded / ((2L)² − Σ unit² − gap)."""
    pairable = 2 * length
    total = sum(coded)
    gap = pairable - total
    observed = Fraction(2 * only_one)
    expected = Fraction(2 * pairable * gap * total, pairable**2 - sum(n * n for n in coded) - gap)
    return float(1 - observed / expected)


@pytest.fixture
def known(coded):
    """Anna codes X on [0, 10) and [20, 30); Ben codes X on [0, 10) and Y (a sibling of X)
    on [20, 30). One release, so the continuum is its text."""
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    x, y = _siblings()
    round_ = rounds.create_round(boss, name="Unitized", unit="segment", coders=[anna, ben],
                                 releases=[release])  # fmt: skip
    workspace.apply(anna, release, x.id, 0, 10, coding_round=round_)
    workspace.apply(anna, release, x.id, 20, 30, coding_round=round_)
    workspace.apply(ben, release, x.id, 0, 10, coding_round=round_)
    workspace.apply(ben, release, y.id, 20, 30, coding_round=round_)
    rounds.close_round(boss, round_)
    db.session.commit()
    return {**coded, "round": round_, "x": x, "y": y}


def test_unitized_figures_match_a_hand_computation(known):
    round_, x, y, release = known["round"], known["x"], known["y"], known["release"]
    length = len(release.text)
    result = agreement.round_agreement(known["anna"], round_)
    u = result.unitized.report
    assert u.length == length and u.coders == (known["anna"].id, known["ben"].id)
    per_code = {f.key: f for f in u.per_code}
    # X: Anna 10 + 10 characters, Ben 10; [20, 30) is coded X by Anna only
    assert per_code[x.id].binary.value == pytest.approx(_binary_by_hand(length, [10, 10, 10], 10))
    # Y: Ben alone on [20, 30)
    assert per_code[y.id].binary.value == pytest.approx(_binary_by_hand(length, [10], 10))
    assert (per_code[x.id].units, per_code[x.id].length) == (3, 30)
    # the group: both coders coded the same stretches with one of its codes
    (group,) = result.unitized.groups
    assert group.key == x.parent_id and set(group.codes) == {x.id, y.id}
    assert group.binary.value == pytest.approx(1.0)
    # cu-α by hand (eqs. 10, 11), m = 2: the coincidences where the units meet, both orders:
    # X-X 20 (on [0, 10)), X-Y 10 and Y-X 10 (on [20, 30)); margins X 30, Y 10, n = 40.
    # Each unit meets the other coder's over 10 characters: Σℓ² for X 3 · 100, for Y 100.
    # expected agreement = n (Σ_c l_c² − Σℓ²_c) / (n² − Σℓ²) = 40 (600 + 0) / 1200 = 20,
    # expected disagreement 40 − 20 = 20, observed 20: cu-α = 1 − 20 / 20 = 0
    assert group.cu.value == pytest.approx(0.0)
    assert group.cu.observed == 20 and group.cu.expected == 20
    assert u.binary.value == pytest.approx(1.0)  # over all codes: the same stretches
    # Cu-α: one group only, so nothing to tell apart: not computable, and it says why
    assert u.Cu.value is None and u.Cu.reason.startswith("Only one code or group occurs")


def test_consensus_codings_are_left_out_of_the_unitized_figures(known):
    round_, boss = known["round"], known["boss"]
    before = agreement.round_agreement(boss, round_).unitized.report
    decisions = {(u, c): True for u, c, _ in agreement.round_agreement(boss, round_)
                 .disagreements}  # fmt: skip
    assert agreement.settle(boss, round_, decisions) > 0
    db.session.commit()
    after = agreement.round_agreement(boss, round_).unitized.report
    assert after.coders == before.coders  # the consensus's writer is no coder of it
    assert [f.binary.value for f in after.per_code] == [f.binary.value for f in before.per_code]
    assert after.per_group[0].cu == before.per_group[0].cu


def test_the_round_page_shows_and_explains_the_unitized_figures(known, client, auth):
    round_, x, release = known["round"], known["x"], known["release"]
    expected_x = _binary_by_hand(len(release.text), [10, 10, 10], 10)
    auth.login(user=known["ben"])
    page = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "Agreement on the coded text (unitized alpha)" in page
    assert "Rely on a code from 0.800" in page  # when to trust it
    assert "cu-α: where the coders&#39; codings of a group overlap" in page or (
        "cu-α: where the coders' codings of a group overlap" in page
    )
    row = re.search(rf'<tr data-code="{x.id}">(.*?)</tr>', page, re.S).group(1)
    assert f"{expected_x:.3f}" in row
    group = re.search(rf'<tr data-group="{x.parent_id}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", group)[-2:] == ["1.000", "0.000"]
    overall = re.search(r"<tr data-overall>(.*?)</tr>", page, re.S).group(1)
    assert "1.000" in overall
    assert ("cannot be computed: Only one code or group occurs where the codings overlap"
            in overall)  # fmt: skip

    client.post("/language", data={"language": "sv"})
    page = client.get(f"/coding/rounds/{round_.id}").get_data(as_text=True)
    assert "Överensstämmelse i den kodade texten (unitized alfa)" in page
    assert "Lita på en kod från 0,800" in page
    overall = re.search(r"<tr data-overall>(.*?)</tr>", page, re.S).group(1)
    assert "kan inte beräknas: Bara en kod eller grupp förekommer" in overall
    assert "cannot be computed" not in page and "Rely on a code" not in page
