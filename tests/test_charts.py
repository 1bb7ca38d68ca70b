"""analysis.charts: SVG text, one colour per series, the same figure for the same numbers."""

import re

import pytest

from analysis.charts import PALETTE, stacked_bars


def chart(series):
    return stacked_bars(["2024", "2025"], series, title="Title å", ylabel="People")


def test_every_series_has_its_own_colour():
    series = [(f"S{i}", [1, 2]) for i in range(len(PALETTE))]
    svg = chart(series)
    used = {c.upper() for c in re.findall(r"fill: (#[0-9a-fA-F]{6})", svg)}
    assert {c.upper() for c in PALETTE} <= used
    with pytest.raises(ValueError):
        chart([*series, ("one too many", [1, 1])])


def test_text_stays_text_and_output_is_stable():
    svg = chart([("Interviewed", [3, 0]), ("Declined", [0, 0])])
    assert svg.lstrip().startswith("<?xml") and "Title å" in svg and "Interviewed" in svg
    assert "Declined" not in svg  # an empty series is left out of the legend
    assert chart([("Interviewed", [3, 0]), ("Declined", [0, 0])]) == svg


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError):
        chart([("Interviewed", [1])])


NAN = float("nan")


def test_bars_of_small_numbers_start_at_zero_and_leave_zeros_out_of_the_legend():
    from analysis.charts import grouped_bars

    svg = grouped_bars(["2024", "2025"], [("Shown", [NAN, 3.0]), ("Zero", [0.0, 0.0]),
                                          ("Hidden", [NAN, NAN])], title="T", ylabel="n",
                       note="Not drawn, every count hidden: Hidden")  # fmt: skip
    assert "Shown" in svg and "Zero" not in svg
    assert "Not drawn, every count hidden: Hidden" in svg  # said, not silently left out
    assert "−" not in svg and "0.04" not in svg  # no negative axis, no fractions of a count
    nothing = grouped_bars(["2024"], [("Zero", [0.0])], title="T", ylabel="n")
    assert "−" not in nothing and "0.04" not in nothing


def test_shares_are_percentages_on_an_axis_from_0_to_100():
    from analysis.charts import trend_lines

    svg = trend_lines(["2024", "2025"], [("A", [0.0, 4.0])], title="T", ylabel="Share",
                      percent=True)  # fmt: skip
    assert "100%" in svg and "0%" in svg and "0.05" not in svg and "−" not in svg
