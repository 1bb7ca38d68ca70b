"""Charts as SVG text, drawn with matplotlib without a display.

Figures are made with the object API, not pyplot, so nothing is global and charts drawn in
several threads at once do not collide. Every chart is shown beside a table of its numbers
and has a text alternative, so the figures carry no information that is not also written out.
"""

import io
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

#: Colour-blind-safe categorical colours (Okabe and Ito), then greys for "the rest".
PALETTE = (
    "#009E73", "#D55E00", "#E69F00", "#56B4E9", "#CC79A7", "#0072B2", "#F0E442", "#999999",
    "#DDDDDD", "#555555",
)  # fmt: skip


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    # A fixed hash salt and no date make the same numbers give the same file.
    with matplotlib.rc_context({"svg.hashsalt": "redthread", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    ylabel: str,
) -> str:
    """One bar per category, stacked from the series in order; returns SVG text."""
    figure = Figure(figsize=(max(4.0, 1.1 * len(categories) + 2.5), 3.6))
    axes = figure.subplots()
    bottoms = [0] * len(categories)
    positions = range(len(categories))
    if len(series) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} series can be told apart")
    for (label, values), colour in zip(series, PALETTE, strict=False):
        if len(values) != len(categories):
            raise ValueError("every series needs one value per category")
        if not any(values):
            continue
        axes.bar(positions, values, bottom=bottoms, label=label, color=colour, width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(list(positions), [str(c) for c in categories])
    axes.set_ylabel(ylabel)
    axes.set_title(title, loc="left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    if any(bottoms):
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, "–", transform=axes.transAxes, ha="center")
    return _svg(figure)
