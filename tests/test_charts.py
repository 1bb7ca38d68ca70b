"""analysis.charts: SVG text, one colour per series, the same figure for the same numbers."""

import re

import pytest

from analysis.charts import PALETTE, stacked_bars


def chart(series):
    return stacked_bars(["2024", "2025"], series, title="Title å", ylabel="People")


def test_every_series_has_its_own_colour():
    series = [(f"S{i}", [1, 2]) for i in range(len(PALETTE))]
    svg = chart(series)
    # a plain bar's fill, or the background of a hatched bar's pattern
    used = {c.upper() for c in re.findall(r'fill(?:: |=")(#[0-9a-fA-F]{6})', svg)}
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


# --- accessibility: names, contrast, more than colour -----------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def _charts():
    from analysis.charts import grouped_bars, heat_map, trend_lines

    series = [("A", [1.0, 4.0]), ("B", [3.0, 2.0]), ("C", [5.0, NAN])]
    return {
        "stacked": stacked_bars(["2024", "2025"], [("A", [1, 2]), ("B", [2, 1])], title="T &",
                                ylabel="n", desc="Described <here>"),
        "grouped": grouped_bars(["2024", "2025"], series, title="T &", ylabel="n",
                                desc="Described <here>"),
        "lines": trend_lines(["2024", "2025"], series, title="T &", ylabel="n",
                             desc="Described <here>"),
        "heat": heat_map(["a", "b"], [[NAN, 4.0], [4.0, NAN]], [["", "4"], ["4", ""]],
                         title="T &", desc="Described <here>"),
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["stacked", "grouped", "lines", "heat"])
def test_every_chart_is_an_image_named_by_its_title_and_description(kind):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(_charts()[kind].encode())  # noqa: S314 (our own output)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
    assert title.text == "T &" and desc.text == "Described <here>"
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert list(root)[:2] == [title, desc]  # first, where every reader looks


def test_a_chart_without_a_description_is_still_named():
    import xml.etree.ElementTree as ET

    root = ET.fromstring(chart([("A", [1, 2])]).encode())  # noqa: S314 (our own output)
    title = root.find(f"{SVG_NS}title")
    assert title.text == "Title å" and root.find(f"{SVG_NS}desc") is None
    assert root.get("aria-labelledby") == title.get("id")


def test_every_series_colour_stands_out_from_the_background():
    from analysis.charts import BACKGROUND, contrast

    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    for colour in PALETTE:  # WCAG 1.4.11: graphics 3:1 against what is next to them
        assert contrast(colour, BACKGROUND) >= 3, colour


def test_series_differ_in_more_than_colour():
    from analysis.charts import _style

    styles = [_style(i) for i in range(30)]
    assert len({(colour, hatch) for colour, hatch, _ in styles}) == 30
    assert len({(colour, marker) for colour, _, marker in styles}) == 30
    assert len({hatch for _, hatch, _ in styles[:6]}) == 6  # the first six: all hatches
    assert len({marker for _, _, marker in styles[:6]}) == 6
    charts = _charts()
    assert charts["grouped"].count("<pattern") >= 2  # the second and third series: hatched
    assert charts["stacked"].count("<pattern") >= 1


def test_heat_map_labels_take_the_ink_that_reads_on_their_cell():
    import re

    from analysis.charts import heat_map

    svg = heat_map(["a", "b", "c"], [[NAN, 100.0, 65.0], [100.0, NAN, 5.0], [65.0, 5.0, NAN]],
                   [["", "TOP", "MID"], ["TOP", "", "LOW"], ["MID", "LOW", ""]],
                   title="T")  # fmt: skip
    labels = re.findall(r'<text style="([^"]*)"[^>]*>(TOP|MID|LOW)<', svg)
    ink = {label: "fill: #ffffff" in style for style, label in labels}
    # on the darkest blue white reads; on a middle blue (white would be under 4.5:1) black
    assert ink == {"TOP": True, "MID": False, "LOW": False}


def test_heat_map_hatches_hidden_cells_grey_and_says_so():
    from analysis.charts import HIDDEN, heat_map

    values, texts = [[NAN, 0.0, NAN], [0.0, NAN, 4.0], [NAN, 4.0, NAN]], [
        ["", "0", "< 3"], ["0", "", "4"], ["< 3", "4", ""]]  # fmt: skip
    plain = heat_map(["a", "b", "c"], values, texts, title="T")
    assert "<pattern" not in plain and "Hidden here" not in plain
    svg = heat_map(["a", "b", "c"], values, texts, title="T", hidden="Hidden here",
                   draw_title=False)  # fmt: skip
    # the two "< 3" cells: grey, hatched, and named in a legend; the diagonal stays white
    assert svg.count("<pattern") >= 1 and f"fill: {HIDDEN.lower()}" in svg.lower()
    assert ">Hidden here<" in svg
    assert "<title" in svg and ">T</text>" not in svg and ">T</text>" in plain  # not drawn
