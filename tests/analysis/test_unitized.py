"""Unitized alpha, checked by hand on small continua and against other implementations.

Notation as in analysis.unitized: l.. = m·L pairable characters, l_1 coded, l_0 gaps; for
α-binary D_o = o_01 + o_10 and D_e = e_01 + e_10 with
e_01 = l.. l_0 l_1 / (l..² - Σ ℓ²), ℓ² of a unit its squared length, of a gap its length.
"""

import random
from fractions import Fraction

import krippendorff
import numpy as np
import pytest

from analysis import unitized
from analysis.unitized import unitized_agreement
from analysis.unitized_input import from_round, groups_from_parents


def binary_of(lengths, codings, **kwargs):
    return unitized_agreement(lengths, codings, **kwargs).binary


def test_partial_overlap_by_hand():
    # L = 10; a codes [2, 6), b codes [4, 8).
    # sections: [0,2) both gap, [2,4) a only, [4,6) both, [6,8) b only, [8,10) both gap
    # o_01 = |gap_b ∩ unit_a| + |gap_a ∩ unit_b| = 2 + 2 = 4 = o_10, so D_o = 8
    # l.. = 20, l_1 = 4 + 4 = 8, l_0 = 12
    # Σ ℓ² = 4² + 4² (units) + 6 + 6 (gaps of a: 2 + 4; of b: 4 + 2) = 44
    # e_01 = 20 · 12 · 8 / (400 - 44) = 1920 / 356, D_e = 3840 / 356 = 960 / 89
    # α = 1 - 8 / (960 / 89) = 1 - 712 / 960 = 31 / 120
    alpha = binary_of([10], {"a": [(0, "A", 2, 6)], "b": [(0, "A", 4, 8)]})
    assert alpha.observed == 8
    assert alpha.expected == Fraction(960, 89)
    assert alpha.pairable == 20
    assert alpha.value == pytest.approx(31 / 120)
    assert alpha.reason is None


def test_no_overlap_is_systematic_disagreement():
    # L = 20; a codes [0, 10), b codes [10, 20): every coded character is contested
    # o_01 = 10 + 10 = 20 = o_10, D_o = 40; l.. = 40, l_1 = l_0 = 20
    # Σ ℓ² = 100 + 100 + 10 + 10 = 220; e_01 = 40 · 20 · 20 / (1600 - 220) = 800 / 69
    # α = 1 - 40 / (1600 / 69) = 1 - 2760 / 1600 = -0.725
    report = unitized_agreement([20], {"a": [(0, "A", 0, 10)], "b": [(0, "A", 10, 20)]})
    assert report.binary.value == pytest.approx(-0.725)
    assert report.per_code[0].binary == report.binary
    # cu-α and Cu-α look only where codings meet, and they never do
    assert report.Cu.value is None and report.Cu.reason == unitized.NO_OVERLAP


def test_three_coders_by_hand():
    # L = 10, m = 3; a and b code [0, 5), c codes nothing
    # on [0,5) the ordered (gap, coded) pairs are (c, a), (c, b): o_01 = 5 · 2 / (m - 1) = 5
    # D_o = 10; l.. = 30, l_1 = 10, l_0 = 20; Σ ℓ² = 25 + 25 + (5 + 5 + 10) = 70
    # e_01 = 30 · 20 · 10 / (900 - 70) = 600 / 83, D_e = 1200 / 83
    # α = 1 - 10 · 83 / 1200 = 37 / 120
    alpha = binary_of([10], {"a": [(0, "A", 0, 5)], "b": [(0, "A", 0, 5)], "c": []})
    assert alpha.observed == 10
    assert alpha.expected == Fraction(1200, 83)
    assert alpha.value == pytest.approx(37 / 120)


def test_cu_alpha_by_hand():
    # One group with codes X and Y. L = 20.
    # a: X [0,10), Y [10,20); b: X [0,10), X [10,20) (touching: two units, not merged)
    # coincidences between units (ordered coder pairs): o_XX = 10 + 10, o_XY = o_YX = 10
    # l'_X = 30, l'_Y = 10, l'.. = 40
    # Σ ℓ² per unit and other coder (whole units meet): X: 3 · 10², Y: 10², all: 400
    # e_XX = 40 (30² - 300) / (40² - 400) = 20, e_YY = 40 (10² - 100) / 1200 = 0
    # cu-α = 1 - (40 - 20) / (40 - 20) = 0, as nominal alpha of the units (X,X), (Y,X) is
    codings = {"a": [(0, "X", 0, 10), (0, "Y", 10, 20)], "b": [(0, "X", 0, 10), (0, "X", 10, 20)]}
    report = unitized_agreement([20], codings, groups={"X": "G", "Y": "G"})
    (group,) = report.per_group
    assert group.key == "G" and group.codes == ("X", "Y")
    assert group.cu.observed == 20 and group.cu.expected == 20 and group.cu.pairable == 40
    assert group.cu.value == pytest.approx(0)
    classic = krippendorff.alpha(reliability_data=[[0, 1], [0, 0]], level_of_measurement="nominal")
    assert classic == pytest.approx(0)
    # both coded all the text for the group: α-binary has nothing to tell apart, and
    # Cu-α, with the group as its only value, neither
    assert group.binary.reason == unitized.ALL_CODED
    assert report.Cu.value is None and report.Cu.reason == unitized.ONE_VALUE
    # without groups, Cu-α takes each code as a value and equals cu-α here
    assert unitized_agreement([20], codings).Cu.value == pytest.approx(0)


def test_cu_alpha_partial_overlap_by_hand():
    # L = 10; a: X [0,6); b: X [0,3), Y [3,8). Units meet on [0,6) only.
    # ordered pairs: [0,3) X–X twice: o_XX = 6; [3,6) X–Y: o_XY = o_YX = 3
    # l'_X = 9, l'_Y = 3, l'.. = 12
    # met: a's X with b: 6 → 36 (X); b's X with a: 3 → 9 (X); b's Y with a: 3 → 9 (Y)
    # e_XX = 12 (81 - 45) / (144 - 54) = 432 / 90 = 4.8; e_YY = 12 (9 - 9) / 90 = 0
    # cu-α = 1 - (12 - 6) / (12 - 4.8) = 1 - 6 / 7.2 = 1 / 6
    codings = {"a": [(0, "X", 0, 6)], "b": [(0, "X", 0, 3), (0, "Y", 3, 8)]}
    (group,) = unitized_agreement([10], codings, groups={"X": "G", "Y": "G"}).per_group
    assert group.cu.observed == 6
    assert group.cu.expected == Fraction(36, 5)
    assert group.cu.value == pytest.approx(1 / 6)


def test_cu_where_only_two_of_three_coders_meet_is_not_computable():
    # a: X [0,10), b: Y [0,10), c nothing. l'.. = (10 + 10) / (m - 1) = 10 and
    # Σ ℓ² / (m - 1) = (10² + 10²) / 2 = 100 = l'..²: eq. 10's denominator is zero
    codings = {"a": [(0, "X", 0, 10)], "b": [(0, "Y", 0, 10)], "c": []}
    (group,) = unitized_agreement([10], codings, groups={"X": "G", "Y": "G"}).per_group
    assert group.cu.value is None and group.cu.reason == unitized.NO_OVERLAP


def test_perfect_agreement():
    codings = [(0, "A", 3, 9), (0, "B", 12, 20), (1, "A", 0, 4)]
    report = unitized_agreement([30, 10], {"a": codings, "b": list(codings)})
    assert report.binary.value == 1
    assert [f.binary.value for f in report.per_code] == [1, 1]
    assert report.Cu.value == 1
    assert report.length == 40


@pytest.mark.parametrize(
    ("lengths", "codings", "reason"),
    [
        ([10], {"a": [(0, "A", 0, 5)]}, unitized.NO_CODERS),
        ([10], {}, unitized.NO_CODERS),
        ([0], {"a": [], "b": []}, unitized.NO_TEXT),
        ([], {"a": [], "b": []}, unitized.NO_TEXT),
        ([10], {"a": [], "b": []}, unitized.NOT_APPLIED),
        ([10], {"a": [(0, "A", 0, 10)], "b": [(0, "A", 0, 10)]}, unitized.ALL_CODED),
    ],
)
def test_not_computable(lengths, codings, reason):
    alpha = binary_of(lengths, codings)
    assert alpha.value is None
    assert alpha.reason == reason


def test_a_code_nobody_applied_is_not_computable():
    report = unitized_agreement([10], {"a": [(0, "A", 0, 4)], "b": []}, codes=["A", "B"])
    assert [f.binary.reason for f in report.per_code] == [None, unitized.NOT_APPLIED]
    assert report.per_code[0].binary.value is not None


def test_overlapping_codings_of_one_code_by_one_coder_are_merged():
    # a's [0,6) and [4,10) are one unit [0,10), the same as b's
    report = unitized_agreement(
        [20], {"a": [(0, "A", 0, 6), (0, "A", 4, 10)], "b": [(0, "A", 0, 10)]}
    )
    assert report.merged == 1
    assert report.per_code[0].units == 2 and report.per_code[0].length == 20
    assert report.binary.value == 1
    # touching codings stay two units (two decisions), yet agree where they lie
    touching = unitized_agreement(
        [20], {"a": [(0, "A", 0, 5), (0, "A", 5, 10)], "b": [(0, "A", 0, 10)]}
    )
    assert touching.merged == 0 and touching.per_code[0].units == 3
    assert touching.binary.value == 1


def test_two_codes_of_one_group_on_the_same_text_make_cu_not_computable():
    codings = {"a": [(0, "X", 0, 5), (0, "Y", 3, 8)], "b": [(0, "X", 0, 8)]}
    report = unitized_agreement([10], codings, groups={"X": "G", "Y": "G"})
    (group,) = report.per_group
    assert group.cu.value is None and group.cu.reason == unitized.CONFLICT
    # whether the text belongs to the group is still measured: both coded [0, 8)
    assert group.binary.value == 1
    # across groups the two codes are one value, so Cu-α has nothing to tell apart
    assert report.Cu.reason == unitized.ONE_VALUE
    # with each code its own group, the overlap is a conflict for Cu-α
    assert unitized_agreement([10], codings).Cu.reason == unitized.CROSS_GROUPS


def test_documents_are_laid_side_by_side_and_kept_apart():
    # two documents of 10: the same as one of 20 with b's coding shifted by 10
    split = binary_of([10, 10], {"a": [(0, "A", 0, 10)], "b": [(1, "A", 0, 10)]})
    assert split.value == pytest.approx(-0.725)
    # a coding at the end of one document and one at the start of the next stay two units
    report = unitized_agreement(
        [10, 10], {"a": [(0, "A", 5, 10), (1, "A", 0, 5)], "b": [(0, "A", 5, 10), (1, "A", 0, 5)]}
    )
    assert report.per_code[0].units == 4 and report.binary.value == 1


@pytest.mark.parametrize(
    "coding", [(0, "A", 5, 11), (0, "A", 4, 4), (0, "A", -1, 3), (2, "A", 0, 1)]
)
def test_a_coding_outside_its_document_is_refused(coding):
    with pytest.raises(ValueError):
        unitized_agreement([10, 10], {"a": [coding], "b": []})


def test_codes_not_asked_for_are_left_out():
    codings = {"a": [(0, "A", 0, 5), (0, "B", 5, 9)], "b": [(0, "A", 0, 5)]}
    report = unitized_agreement([10], codings, codes=["A"])
    assert [f.key for f in report.per_code] == ["A"]
    assert report.binary.value == 1


def _random_codings(rng, m, length, density):
    return {
        coder: [(0, "A", x, x + 1) for x in range(length) if rng.random() < density]
        for coder in range(m)
    }


@pytest.mark.parametrize("seed", range(5))
def test_binary_on_one_character_codings_is_nominal_alpha_per_character(seed):
    # With units of one character (ℓ² = ℓ) every character is a unit of classic alpha,
    # coded 1 or 0 by each coder.
    rng = random.Random(seed)
    m, length = rng.choice([2, 3, 4]), 40
    codings = _random_codings(rng, m, length, 0.4)
    matrix = np.zeros((m, length), dtype=int)
    for coder, ranges in codings.items():
        for _, _, start, _ in ranges:
            matrix[coder, start] = 1
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert binary_of([length], codings).value == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_cu_on_one_character_codings_is_nominal_alpha_where_both_coded(seed):
    # Two coders, units of one character: cu-α is classic alpha over the characters that
    # both coded, on the codes they chose there.
    rng = random.Random(seed)
    codings, rows = {}, []
    choices = {c: {x: rng.choice("XYZ") for x in range(60) if rng.random() < 0.7} for c in "ab"}
    for coder, chosen in choices.items():
        codings[coder] = [(0, code, x, x + 1) for x, code in chosen.items()]
    both = sorted(set(choices["a"]) & set(choices["b"]))
    rows = [[ord(choices[c][x]) for x in both] for c in "ab"]
    expected = krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
    groups = dict.fromkeys("XYZ", "G")
    (group,) = unitized_agreement([60], codings, groups=groups).per_group
    assert group.cu.value == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_binary_matches_krippendorff_unitized_alpha_package(seed):
    # krippendorff-unitized-alpha (PyPI, 2016 definitions) computes uα over all values; with
    # one value its uα is α-binary. Not a dependency: installed by hand it is checked here.
    package = pytest.importorskip("krippendorff_unitized_alpha.krippendorffs_unitized_alpha")
    rng = random.Random(seed)
    m, length = rng.choice([2, 3]), 50
    codings = {}
    for coder in range(m):
        cuts = sorted(rng.sample(range(1, length), 6))
        spans = list(zip([0, *cuts], [*cuts, length], strict=True))
        codings[coder] = [(0, "A", s, e) for k, (s, e) in enumerate(spans) if k % 2]
    data = {}
    for coder, ranges in codings.items():
        segments, at = [], 0
        for _, _, start, end in ranges:
            if start > at:
                segments.append(package.Segment(package.EMPTY_TAG, at, start))
            segments.append(package.Segment("A", start, end))
            at = end
        if at < length:
            segments.append(package.Segment(package.EMPTY_TAG, at, length))
        data[coder] = segments
    expected = package.KrippendorffUnitizedAlpha(data).result
    assert binary_of([length], codings).value == pytest.approx(expected)


def test_from_round_keeps_every_coder_and_drops_other_documents():
    lengths, codings = from_round(
        {7: 30, 3: 12},
        [(1, 7, "A", 0, 5), (1, 3, "A", 2, 4), (2, 9, "A", 0, 1), (5, 7, "A", 0, 5)],
        coders=[1, 2],
    )
    assert lengths == [30, 12]
    assert codings == {1: [(0, "A", 0, 5), (1, "A", 2, 4)], 2: []}
    # a coder who coded nothing disagrees wherever the other coded
    assert unitized_agreement(lengths, codings).binary.value < 0


def test_groups_from_parents_takes_the_top_level_code():
    parents = {1: None, 2: 1, 3: 2, 4: None, 5: 6, 6: 5}
    assert groups_from_parents(parents) == {1: 1, 2: 1, 3: 1, 4: 4, 5: 6, 6: 5}


def test_every_explanation_and_reason_is_plain_text():
    texts = [*unitized.EXPLANATION.values(), unitized.NO_CODERS, unitized.CONFLICT]
    assert all(isinstance(t, str) and t.strip() for t in texts)


@pytest.mark.parametrize("seed", range(3))
def test_cu_with_three_coders_coding_every_character_is_nominal_alpha(seed):
    # No gaps and units of one character: the coincidences are classic alpha's
    rng = random.Random(seed)
    rows = [[rng.choice("XY") for _ in range(30)] for _ in range(3)]
    codings = {c: [(0, code, x, x + 1) for x, code in enumerate(row)] for c, row in enumerate(rows)}
    expected = krippendorff.alpha(
        reliability_data=[[ord(v) for v in row] for row in rows], level_of_measurement="nominal"
    )
    (group,) = unitized_agreement([30], codings, groups={"X": "G", "Y": "G"}).per_group
    assert group.cu.value == pytest.approx(expected)
