"""Charts as SVG text, drawn with matplotlib without a display.

Figures are made with the object API, not pyplot, so nothing is global and charts drawn in
several threads at once do not collide. Every chart is shown beside a table of its numbers
and has a text alternative, so the figures carry no information that is not also written out.

matplotlib (and numpy beneath it) is imported on the first chart drawn, not with this
module: it is some 40 MiB that a web worker which never draws a chart should not carry.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Colour-blind-safe categorical colours (Okabe and Ito), the light ones darkened until each
#: has a contrast of at least 3:1 against the white background (WCAG 1.4.11), then greys for
#: "the rest". Colour never tells series apart alone: each also has its hatch or marker.
PALETTE = (
    "#009E73", "#D55E00", "#B07A00", "#1D86C4", "#B8538E", "#0072B2", "#8C830B", "#8F8F8F",
    "#737373", "#555555",
)  # fmt: skip
BACKGROUND = "#FFFFFF"


def _luminance(rgb: Sequence[float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second=BACKGROUND) -> float:
    """WCAG contrast ratio of two colours (hex text or RGB(A) floats in 0..1), 1 to 21."""
    from matplotlib.colors import to_rgb

    lighter, darker = sorted((_luminance(to_rgb(c)) for c in (first, second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _svg(figure: Figure, title: str, desc: str) -> str:
    import matplotlib

    out = io.StringIO()
    # A fixed hash salt and no date make the same numbers give the same file.
    with matplotlib.rc_context({"svg.hashsalt": "redthread", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _named(out.getvalue(), title, desc)


def _named(svg: str, title: str, desc: str) -> str:
    """The SVG names itself: role="img" labelled by a <title> and a <desc> (the chart's text
    alternative), so that it reads the same opened on its own as in the page's <img>."""
    key = hashlib.sha256(svg.encode()).hexdigest()[:10]
    ids = [f"chart-{key}-title"] + ([f"chart-{key}-desc"] if desc else [])
    head, _, rest = svg.partition("<svg ")
    attributes, _, body = rest.partition(">")
    names = f'<title id="{ids[0]}">{escape(title)}</title>'
    if desc:
        names += f'\n <desc id="{ids[1]}">{escape(desc)}</desc>'
    return (f'{head}<svg role="img" aria-labelledby="{" ".join(ids)}" {attributes}>\n '
            f"{names}{body}")  # fmt: skip


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    return out.getvalue()


def _render(figure: Figure, fmt: str, title: str, desc: str):
    """SVG text for pages, PNG bytes for documents that cannot hold SVG (DOCX), or both
    (``"svg+png"``: the figure is drawn once)."""
    if fmt == "svg":
        return _svg(figure, title, desc)
    if fmt == "png":
        return _png(figure)
    if fmt == "svg+png":
        return _svg(figure, title, desc), _png(figure)
    raise ValueError(f"unknown chart format {fmt!r}")


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    ylabel: str,
    desc: str = "",
) -> str:
    """One bar per category, stacked from the series in order; returns SVG text, with
    ``desc`` (the chart's text alternative) in its <desc>."""
    figure = _figure(max(4.0, 1.1 * len(categories) + 2.5), 3.6)
    axes = figure.subplots()
    bottoms = [0] * len(categories)
    positions = range(len(categories))
    if len(series) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} series can be told apart")
    for index, (label, values) in enumerate(series):
        if len(values) != len(categories):
            raise ValueError("every series needs one value per category")
        if not any(values):
            continue
        colour, hatch, _ = _style(index)
        axes.bar(positions, values, bottom=bottoms, label=label, color=colour, hatch=hatch,
                 edgecolor=BACKGROUND, linewidth=0.4, width=0.6)  # fmt: skip
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(list(positions), [str(c) for c in categories])
    axes.set_ylim(0, max([1, *bottoms]) * 1.05)
    axes.set_ylabel(ylabel)
    axes.set_title(title, loc="left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    if any(bottoms):
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, "–", transform=axes.transAxes, ha="center")
    return _svg(figure, title, desc)


_HATCHES = ("", "//", "..", "xx", "\\\\", "++")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def _style(index: int) -> tuple[str, str, str]:
    """Colour, hatch and marker of series ``index``. Every series has its own hatch (bars)
    and marker (lines) beside its colour, so that no series is told apart by colour alone
    (WCAG 1.4.1); the pairs repeat only after 30 series."""
    return (PALETTE[index % len(PALETTE)], _HATCHES[index % len(_HATCHES)],
            _MARKERS[index % len(_MARKERS)])  # fmt: skip


def _check(categories: Sequence, series: Sequence[tuple[str, Sequence[float]]]) -> None:
    for _, values in series:
        if len(values) != len(categories):
            raise ValueError("every series needs one value per category")


def _finish(axes, title: str, ylabel: str, has_data: bool, note: str = "") -> None:
    axes.set_ylabel(ylabel)
    axes.set_title(title, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if has_data:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, "–", transform=axes.transAxes, ha="center")
    if note:
        # Below the axes, so that a series left out of the legend is not silently missing.
        axes.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -28),
                      textcoords="offset points", va="top", fontsize=8, wrap=True)  # fmt: skip


def _drawn(values: Sequence[float]) -> list[float]:
    """The values a chart can draw: not NaN (a suppressed count)."""
    return [v for v in values if v == v]


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    ylabel: str,
    note: str = "",
    fmt: str = "svg",
    desc: str = "",
):
    """Bars side by side per category, one per series; NaN (a suppressed count) leaves a
    gap, and a series with nothing above zero is left out of the legend (``note`` can say
    what is missing, under the chart). The axis starts at 0. Returns SVG text."""
    _check(categories, series)
    # Only series with a bar take a slot, so that the bars stay centred on their year; a
    # series keeps its colour (its index) whether or not others are drawn.
    kept = [(index, label, values) for index, (label, values) in enumerate(series)
            if any(v == v and v > 0 for v in values)]  # fmt: skip
    count = max(1, len(kept))
    width = 0.8 / count
    figure = _figure(min(16.0, max(5.0, 0.35 * count * len(categories) + 3.0)), 3.8)
    axes = figure.subplots()
    top = 0.0
    for slot, (index, label, values) in enumerate(kept):
        colour, hatch, _ = _style(index)
        offsets = [i - 0.4 + width * (slot + 0.5) for i in range(len(categories))]
        shown = [(x, v) for x, v in zip(offsets, values, strict=True) if v == v]  # not NaN
        top = max(top, *(v for _, v in shown))
        axes.bar([x for x, _ in shown], [v for _, v in shown], width=width, label=label,
                 color=colour, hatch=hatch, edgecolor=BACKGROUND, linewidth=0.4)  # fmt: skip
    drawn = bool(kept)
    axes.set_xlim(-0.5, max(1, len(categories)) - 0.5)
    axes.set_xticks(list(range(len(categories))), [str(c) for c in categories])
    axes.set_ylim(0, max(1.0, top) * 1.05)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _finish(axes, title, ylabel, drawn, note)
    return _render(figure, fmt, title, desc)


def trend_lines(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    ylabel: str,
    percent: bool = False,
    note: str = "",
    fmt: str = "svg",
    desc: str = "",
):
    """One line per series across the categories (years); NaN breaks the line. The axis
    starts at 0; with ``percent`` the values are percentages and the axis runs 0–100 %.
    SVG text."""
    _check(categories, series)
    figure = _figure(min(14.0, max(5.0, 0.5 * len(categories) + 3.5)), 3.8)
    axes = figure.subplots()
    positions = list(range(len(categories)))
    drawn = False
    for index, (label, values) in enumerate(series):
        if all(v != v for v in values):
            continue
        colour, _, marker = _style(index)
        axes.plot(positions, list(values), label=label, color=colour, marker=marker,
                  linewidth=1.6, markersize=4)  # fmt: skip
        drawn = True
    axes.set_xticks(positions, [str(c) for c in categories])
    if percent:
        axes.set_ylim(0, 100)
        from matplotlib.ticker import PercentFormatter

        axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    else:
        top = max((v for _, values in series for v in _drawn(values)), default=0.0)
        axes.set_ylim(0, max(1.0, top) * 1.05)
    _finish(axes, title, ylabel, drawn, note)
    return _render(figure, fmt, title, desc)


#: a suppressed cell of a heat map: grey and hatched, so that it never reads as a count
#: lower than a zero's tint (white would); its "< 3" stays black on it
HIDDEN = "#E0E0E0"
HIDDEN_HATCH = "#8F8F8F"


def heat_map(
    labels: Sequence[str],
    values: Sequence[Sequence[float]],
    texts: Sequence[Sequence[str]],
    *,
    title: str,
    fmt: str = "svg",
    desc: str = "",
    hidden: str = "",
    draw_title: bool = True,
):
    """A square matrix of counts, each cell labelled with ``texts`` (so that "< 3" reads as
    such, and the shade is never the only sign of a number); NaN cells stay white, unless
    ``hidden`` names them: then a NaN cell with a text (a suppressed count) is grey and
    hatched, and a legend above the matrix says so in those words (where there is one).
    Each label is black or white, whichever contrasts more with its cell.
    ``draw_title=False`` leaves the title out of the drawing, for a page whose caption says
    it (it stays the SVG's name). SVG text."""
    size = len(labels)
    if len(values) != size or any(len(row) != size for row in values):
        raise ValueError("the matrix must be square, one row and column per label")
    side = min(14.0, max(4.0, 0.55 * size + 2.5))
    figure = _figure(side + 1.0, side)
    axes = figure.subplots()
    finite = [v for row in values for v in row if v == v]
    top = max(finite, default=0) or 1
    import matplotlib
    from matplotlib.patches import Rectangle

    shades = matplotlib.colormaps["Blues"]
    axes.imshow([list(row) for row in values], cmap=shades, vmin=0, vmax=top)

    def hatched(x, y, **more):
        return Rectangle((x, y), 1, 1, facecolor=HIDDEN, edgecolor=HIDDEN_HATCH, hatch="//",
                         linewidth=0, **more)  # fmt: skip

    hatches = 0
    for i, row in enumerate(texts):
        for j, text in enumerate(row):
            if text:
                value = values[i][j]
                box, weight = None, "normal"
                if value == value:
                    cell = shades(value / top)
                elif hidden:
                    cell = HIDDEN
                    axes.add_patch(hatched(j - 0.5, i - 0.5))
                    hatches += 1
                    # the hatch stops short of the text, which reads on plain grey, in
                    # bold: a thin "–" alone on a hatch is all but lost
                    box = {"facecolor": HIDDEN, "edgecolor": "none", "pad": 1.5}
                    weight = "bold"
                else:
                    cell = BACKGROUND
                ink = max(("black", "white"), key=lambda c, cell=cell: contrast(c, cell))
                axes.text(j, i, text, ha="center", va="center", fontsize=8, color=ink, bbox=box,
                          fontweight=weight)  # fmt: skip
    axes.set_xticks(range(size), labels, rotation=45, ha="right")
    axes.set_yticks(range(size), labels)
    if hatches:
        key = hatched(0, 0, label=hidden)
        axes.legend(handles=[key], loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False,
                    fontsize=8, borderaxespad=0)  # fmt: skip
    if draw_title:
        axes.set_title(title, loc="left", pad=24 if hatches else 6)
    return _render(figure, fmt, title, desc)
