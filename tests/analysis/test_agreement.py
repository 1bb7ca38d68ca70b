import warnings

import pytest

from analysis.agreement import agreement, disagreements, units


def lines(n):
    return "\n".join(f"Rad nummer {i}." for i in range(n))


def code_units(text, coder, code, indexes, kind="segment"):
    spans = units(text, kind)
    return [(coder, code, *spans[i]) for i in indexes]


# --- units -----------------------------------------------------------------------------------


def test_segments_are_lines_stripped_and_empty_ones_skipped():
    text = "  Första raden. \n\n\t\nAndra  \r\nsista"
    spans = units(text, "segment")
    assert [text[s:e] for s, e in spans] == ["Första raden.", "Andra", "sista"]


def test_sentences_split_after_terminators_before_capitals_digits_quotes_and_dashes():
    text = (
        "Jag bodde där. Det var bra! Sen flyttade jag… Älskade det? Ja.\n"
        "Det var 2003. 2004 kom jeg hjem. Ærligt talt. Øen var lille. Åren gick.\n"
        'Hon sa: ”Nu går vi.” Sen gick vi. "Okej." (Tyst.) – Hej då.'
    )
    assert [text[s:e] for s, e in units(text, "sentence")] == [
        "Jag bodde där.",
        "Det var bra!",
        "Sen flyttade jag…",
        "Älskade det?",
        "Ja.",
        "Det var 2003.",
        "2004 kom jeg hjem.",
        "Ærligt talt.",
        "Øen var lille.",
        "Åren gick.",
        "Hon sa: ”Nu går vi.”",
        "Sen gick vi.",
        '"Okej."',
        "(Tyst.)",
        "– Hej då.",
    ]


def test_sentences_do_not_split_before_lower_case_or_without_space():
    text = "Vi åkte t.ex. till sjön. Det var kl.3 och sen… ja, vi stannade?!Nej."
    assert [text[s:e] for s, e in units(text, "sentence")] == [
        "Vi åkte t.ex. till sjön.",
        "Det var kl.3 och sen… ja, vi stannade?!Nej.",
    ]


def test_abbreviations_are_not_recognised():
    # The documented rule: "Dr." ends a sentence when a capital follows.
    text = "Jag träffade Dr. Berg i går."
    assert [text[s:e] for s, e in units(text, "sentence")] == ["Jag träffade Dr.", "Berg i går."]


def test_units_are_code_point_offsets():
    text = "😀 Hej på dig.\nÆble, øl og å. 👍🏽 Ja!\n"
    segments = units(text, "segment")
    # 😀 is one code point, 👍🏽 two (the thumb and a skin-tone modifier)
    assert segments == [(0, 13), (14, 35)]
    assert [text[s:e] for s, e in segments] == ["😀 Hej på dig.", "Æble, øl og å. 👍🏽 Ja!"]
    sentences = units(text, "sentence")
    assert [text[s:e] for s, e in sentences] == ["😀 Hej på dig.", "Æble, øl og å. 👍🏽 Ja!"]


def test_units_of_empty_text_and_unknown_kind():
    assert units("", "segment") == []
    assert units(" \n \n", "sentence") == []
    with pytest.raises(ValueError, match="unit kind"):
        units("Hej.", "paragraph")


# --- measures --------------------------------------------------------------------------------


def test_two_coders_ten_units_hand_computed():
    # A applies the code to units 0-4, B to 0-3 and 5: agreement on 8 of 10 units.
    # p_o = 0.8, p_e = 0.5 * 0.5 + 0.5 * 0.5 = 0.5, kappa = (0.8 - 0.5) / 0.5 = 0.6.
    # alpha (nominal, binary) = 1 - (n - 1) * o_01 / (n_0 * n_1) = 1 - 19 * 2 / 100 = 0.62,
    # which is what krippendorff.alpha gives for [[1,1,1,1,1,0,0,0,0,0], [1,1,1,1,0,1,0,0,0,0]].
    text = lines(10)
    codings = code_units(text, "A", 7, range(5)) + code_units(text, "B", 7, [0, 1, 2, 3, 5])
    report = agreement(text, "segment", ["A", "B"], codings)

    assert report.unit_kind == "segment"
    assert report.n_units == 10
    assert report.coders == ["A", "B"]
    assert report.units == units(text, "segment")
    [code] = report.per_code
    assert code.code_id == 7
    assert code.n_units_coded_by_anyone == 6
    assert code.percent_agreement == 80
    assert code.kappa == pytest.approx(0.6)
    assert code.alpha == pytest.approx(0.62)
    assert code.disagreements == [4, 5]
    assert report.overall.code_id is None
    assert report.overall.kappa == pytest.approx(0.6)


def test_three_coders_use_the_mean_of_pairwise_kappas():
    # A: 1 1 1 0 0 0, B: 1 1 0 0 0 0, C: 1 1 1 1 0 0
    # kappa AB = 2/3, AC = 2/3, BC = (2/3 - 4/9) / (5/9) = 0.4; mean 26/45.
    # alpha: n = 18, n_0 = n_1 = 9, o_01 = 2 * (2 * 1/2) = 2, so 1 - 17 * 2 / 81 = 47/81.
    text = lines(6)
    codings = (
        code_units(text, "A", "x", [0, 1, 2])
        + code_units(text, "B", "x", [0, 1])
        + code_units(text, "C", "x", [0, 1, 2, 3])
    )
    [code] = agreement(text, "segment", ["A", "B", "C"], codings).per_code
    assert code.percent_agreement == pytest.approx(400 / 6)
    assert code.kappa == pytest.approx(26 / 45)
    assert code.alpha == pytest.approx(47 / 81)
    assert code.disagreements == [2, 3]


def test_perfect_agreement():
    text = lines(5)
    codings = [
        *code_units(text, "A", "a", [0, 2]),
        *code_units(text, "B", "a", [0, 2]),
        *code_units(text, "A", "b", [4]),
        *code_units(text, "B", "b", [4]),
    ]
    report = agreement(text, "segment", ["A", "B"], codings)
    for result in [*report.per_code, report.overall]:
        assert result.percent_agreement == 100
        assert result.kappa == pytest.approx(1)
        assert result.alpha == pytest.approx(1)
        assert result.disagreements == []
    assert [c.code_id for c in report.per_code] == ["a", "b"]
    assert report.overall.n_units_coded_by_anyone == 3


def test_overall_pools_unit_code_pairs():
    # code a: agree on 4 of 4 units; code b: agree on 2 of 4. Pooled: 6 of 8 pairs.
    text = lines(4)
    codings = [
        *code_units(text, "A", "a", [0]),
        *code_units(text, "B", "a", [0]),
        *code_units(text, "A", "b", [1, 2]),
        *code_units(text, "B", "b", [1, 3]),
    ]
    report = agreement(text, "segment", ["A", "B"], codings)
    assert report.overall.percent_agreement == 75
    assert report.overall.disagreements == [2, 3]
    assert report.overall.n_units_coded_by_anyone == 4
    assert [(c.code_id, c.percent_agreement) for c in report.per_code] == [("a", 100), ("b", 50)]


def test_no_codings_at_all():
    report = agreement(lines(3), "segment", ["A", "B"], [])
    assert report.per_code == []
    assert report.overall.percent_agreement is None
    assert report.overall.kappa is None
    assert report.overall.alpha is None
    assert report.n_units == 3


def test_named_codes_nobody_applied_agree_fully_but_kappa_and_alpha_are_undefined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = agreement(lines(4), "segment", ["A", "B", "C"], [], codes=[1, 2])
    for result in [*report.per_code, report.overall]:
        assert result.percent_agreement == 100
        assert result.kappa is None
        assert result.alpha is None
        assert result.n_units_coded_by_anyone == 0


def test_constant_identical_ratings_raise_no_warnings():
    text = lines(3)
    everything = code_units(text, "A", "x", range(3)) + code_units(text, "B", "x", range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [code] = agreement(text, "segment", ["A", "B"], everything).per_code
    assert (code.percent_agreement, code.kappa, code.alpha) == (100, None, None)


def test_one_undefined_pair_is_left_out_of_the_mean_kappa():
    # A and B never apply the code (their kappa is undefined); C applies it once.
    # kappa AC = kappa BC = 0 (p_o = p_e = 2/3).
    text = lines(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [code] = agreement(text, "segment", "ABC", code_units(text, "C", "x", [0])).per_code
    assert code.kappa == 0


def test_coders_who_always_disagree():
    # p_o = 0 and p_e = 0, so kappa = 0; alpha = 1 - (n - 1) * o_01 / (n_0 * n_1)
    # = 1 - 3 * 2 / 4 = -0.5.
    text = lines(2)
    codings = code_units(text, "A", "x", [0, 1])
    [code] = agreement(text, "segment", ["A", "B"], codings).per_code
    assert code.percent_agreement == 0
    assert code.kappa == 0
    assert code.alpha == pytest.approx(-0.5)


def test_codings_spanning_unit_boundaries_count_for_every_unit_they_overlap():
    text = "Ett.\nTvå.\nTre.\nFyra."  # units (0, 4), (5, 9), (10, 14), (15, 20)
    codings = [
        ("A", "x", 2, 7),  # "t.\nTv": units 0 and 1
        ("B", "x", 0, 4),  # unit 0 exactly
        ("A", "y", 14, 15),  # only the line break between units 2 and 3
        ("B", "y", 4, 5),  # only the line break between units 0 and 1
        ("A", "z", 9, 15),  # ends of units 1 and 2 both touch, overlaps unit 2 only
    ]
    report = agreement(text, "segment", ["A", "B"], codings)
    by_code = {c.code_id: c for c in report.per_code}
    assert by_code["x"].disagreements == [1]
    assert by_code["y"].n_units_coded_by_anyone == 0
    assert by_code["z"].disagreements == [2]


def test_offsets_are_code_points_with_emoji_and_nordic_letters():
    text = "👧🏼 Jag är så glad.\nØen, æblet og åen 👍. Ja!\nSista."
    second = text.index("Øen")  # 19 code points in (👧🏼 is two), 21 UTF-16 units
    assert second == 19
    codings = [
        ("A", "x", second, second + 3),  # "Øen"
        ("B", "x", text.index("👍"), text.index("👍") + 1),
    ]
    report = agreement(text, "segment", ["A", "B"], codings)
    [code] = report.per_code
    assert code.percent_agreement == 100
    assert code.n_units_coded_by_anyone == 1
    assert text[slice(*report.units[1])] == "Øen, æblet og åen 👍. Ja!"

    sentences = agreement(text, "sentence", ["A", "B"], codings)
    assert [text[s:e] for s, e in sentences.units][1:3] == ["Øen, æblet og åen 👍.", "Ja!"]
    assert sentences.per_code[0].percent_agreement == 100


def test_codings_by_other_coders_and_codes_are_left_out():
    text = lines(3)
    codings = code_units(text, "A", "x", [0]) + code_units(text, "C", "y", [1])
    report = agreement(text, "segment", ["A", "B"], codings)
    assert [c.code_id for c in report.per_code] == ["x"]
    report = agreement(text, "segment", ["A", "B"], codings, codes=["z"])
    assert report.per_code[0].n_units_coded_by_anyone == 0


@pytest.mark.parametrize(
    ("coders", "message"), [(["A"], "at least two"), ([], "at least two"), (["A", "A"], "once")]
)
def test_coders_are_checked(coders, message):
    with pytest.raises(ValueError, match=message):
        agreement(lines(2), "segment", coders, [])


def test_codes_are_listed_once():
    with pytest.raises(ValueError, match="code may be listed only once"):
        agreement(lines(2), "segment", ["A", "B"], [], codes=[1, 1])


@pytest.mark.parametrize("span", [(-1, 2), (3, 3), (4, 2), (0, 999)])
def test_coding_spans_outside_the_text_are_rejected(span):
    with pytest.raises(ValueError, match="not within the text"):
        agreement(lines(2), "segment", ["A", "B"], [("A", "x", *span)])


def test_disagreements_for_the_side_by_side_view():
    text = lines(4)
    codings = [
        *code_units(text, "A", "b", [2]),
        *code_units(text, "A", "a", [0, 2]),
        *code_units(text, "B", "a", [2]),
        *code_units(text, "C", "b", [2, 3]),
    ]
    assert disagreements(text, "segment", ["A", "B", "C"], codings) == [
        (0, "a", {"A": True, "B": False, "C": False}),
        (2, "a", {"A": True, "B": True, "C": False}),
        (2, "b", {"A": True, "B": False, "C": True}),
        (3, "b", {"A": False, "B": False, "C": True}),
    ]
    # sorted by the order of the codes given
    found = disagreements(text, "segment", ["A", "B", "C"], codings, codes=["b", "a"])
    assert [(unit, code) for unit, code, _ in found] == [(0, "a"), (2, "b"), (2, "a"), (3, "b")]
