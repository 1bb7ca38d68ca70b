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
