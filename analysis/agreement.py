"""Inter-coder agreement: how far several coders applied the same codes to the same text.

The text is cut into units, and for each unit, code and coder there is one decision: the
coder applied the code to the unit if any of their codings with that code overlaps it
(``start < unit_end and end > unit_start``; offsets are code points, end exclusive). So a
coding that spans two units counts for both, and one that covers only the white space
between units counts for none.

Units (``units(text, kind)``), each a ``(start, end)`` span stripped of surrounding white
space, empty ones left out:

- ``"segment"``: each line of the text (split on ``"\\n"``).
- ``"sentence"``: each line cut further after ``.``, ``!``, ``?`` or ``…`` (one or more,
  optionally followed by closing quotes or brackets) when white space and then an upper-case
  letter (any script, Å, Ä, Ö, Æ and Ø included), a digit, a quote, a dash or an opening
  bracket follow. Abbreviations are not recognised: "Dr. Berg" is cut after "Dr.".

Measures, per code over the units and overall over every (unit, code) pair:

- percent agreement: the share, 0 to 100, of items on which all coders decided the same.
- kappa: Cohen's kappa for two coders; for more, the mean of the pairwise Cohen's kappas
  (Light's kappa), over the pairs for which kappa is defined.
- alpha: Krippendorff's alpha, nominal, coders as rows and items as columns.

When every coder made the same decision on every item (say nobody applied the code), the
percent agreement is 100 but kappa and alpha are undefined: both are then ``None``, as they
are when there are no items at all. No warning is raised for these cases.

Codings by coders not listed, or with codes not asked for, are left out. Fewer than two
coders, a coder or code listed twice, or a coding span outside the text raise ValueError.
"""

import math
import re
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

UNIT_KINDS = ("segment", "sentence")
#: the end of a sentence: terminators, closing quotes or brackets, then white space
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+")
#: what may open a sentence besides an upper-case letter or a digit
_OPENERS = frozenset("\"'“”‘’«»([–-")

Span = tuple[int, int]
#: (coder_id, code_id, start, end)
Coding = tuple[Hashable, Hashable, int, int]


@dataclass
class CodeAgreement:
    #: the code, or None for the figures pooled over all codes
    code_id: Hashable | None
    #: units that at least one coder applied the code to (any code, when pooled)
    n_units_coded_by_anyone: int
    #: 0..100; None when there are no items
    percent_agreement: float | None
    #: Cohen's kappa, or Light's kappa for more than two coders; None when undefined
    kappa: float | None
    #: Krippendorff's alpha, nominal; None when undefined
    alpha: float | None
    #: indexes of the units on which the coders differ (on any code, when pooled)
    disagreements: list[int]


@dataclass
class Report:
    unit_kind: str
    n_units: int
    coders: list[Hashable]
    per_code: list[CodeAgreement]
    overall: CodeAgreement
    units: list[Span]


def units(text: str, kind: str) -> list[Span]:
    """The units of ``text`` as code-point spans (see the module docstring for the rules)."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unit kind must be one of {UNIT_KINDS}, not {kind!r}")
    spans = []
    offset = 0
    for line in text.split("\n"):
        pieces = _sentences(line) if kind == "sentence" else [(0, len(line))]
        spans.extend(_stripped(line, offset + start, start, end) for start, end in pieces)
        offset += len(line) + 1
    return [span for span in spans if span is not None]


def _sentences(line: str) -> list[Span]:
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(line):
        following = line[match.end() : match.end() + 1]
        if following and (following.isupper() or following.isdigit() or following in _OPENERS):
            pieces.append((start, match.end()))
            start = match.end()
    pieces.append((start, len(line)))
    return pieces


def _stripped(line: str, base: int, start: int, end: int) -> Span | None:
    piece = line[start:end]
    content = piece.strip()
    if not content:
        return None
    lead = len(piece) - len(piece.lstrip())
    return base + lead, base + lead + len(content)


def agreement(
    text: str,
    kind: str,
    coders: Sequence[Hashable],
    codings: Iterable[Coding],
    codes: Sequence[Hashable] | None = None,
) -> Report:
    """Agreement between ``coders`` on ``text``, per code and pooled.

    ``codes`` defaults to every code the given coders used, sorted; codings by other coders
    or with other codes are left out.
    """
    spans, codes, decisions = _decisions(text, kind, coders, codings, codes)
    per_code = [_measure(code, decisions[code]) for code in codes]
    if codes:
        pooled = np.concatenate([decisions[code] for code in codes], axis=1)
        coded = np.zeros(len(spans), dtype=bool)
        differ = np.zeros(len(spans), dtype=bool)
        for code in codes:
            coded |= decisions[code].any(axis=0)
            differ |= _differing(decisions[code])
        overall = replace(
            _measure(None, pooled),
            n_units_coded_by_anyone=int(coded.sum()),
            disagreements=np.flatnonzero(differ).tolist(),
        )
    else:
        overall = _measure(None, np.zeros((len(coders), 0), dtype=bool))
    return Report(
        unit_kind=kind,
        n_units=len(spans),
        coders=list(coders),
        per_code=per_code,
        overall=overall,
        units=spans,
    )


def disagreements(
    text: str,
    kind: str,
    coders: Sequence[Hashable],
    codings: Iterable[Coding],
    codes: Sequence[Hashable] | None = None,
) -> list[tuple[int, Hashable, dict[Hashable, bool]]]:
    """Where the coders differ, for a side-by-side view: ``(unit_index, code_id, {coder_id:
    applied})``, sorted by unit and then by the order of ``codes``."""
    _, codes, decisions = _decisions(text, kind, coders, codings, codes)
    found = []
    for position, code in enumerate(codes):
        for unit in np.flatnonzero(_differing(decisions[code])):
            applied = {coder: bool(decisions[code][row, unit]) for row, coder in enumerate(coders)}
            found.append((int(unit), position, code, applied))
    found.sort(key=lambda item: item[:2])
    return [(unit, code, applied) for unit, _, code, applied in found]


def _decisions(text, kind, coders, codings, codes):
    """The units, the codes, and per code a coders × units matrix of applied-or-not."""
    coders = list(coders)
    if len(coders) < 2:
        raise ValueError("agreement needs at least two coders")
    if len(set(coders)) != len(coders):
        raise ValueError("each coder may be listed only once")
    spans = units(text, kind)
    row = {coder: index for index, coder in enumerate(coders)}
    codings = [c for c in codings if c[0] in row]
    for _, _, start, end in codings:
        if not 0 <= start < end <= len(text):
            raise ValueError(f"coding span ({start}, {end}) is not within the text")
    codes = sorted({c[1] for c in codings}) if codes is None else list(codes)
    if len(set(codes)) != len(codes):
        raise ValueError("each code may be listed only once")
    decisions = {code: np.zeros((len(coders), len(spans)), dtype=bool) for code in codes}
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    for coder, code, start, end in codings:
        if code in decisions:
            # units are sorted and disjoint: the overlapping ones form one run
            first, last = bisect_right(ends, start), bisect_left(starts, end)
            decisions[code][row[coder], first:last] = True
    return spans, codes, decisions


def _differing(matrix: np.ndarray) -> np.ndarray:
    """Per item (column), whether the coders (rows) differ."""
    return matrix.any(axis=0) & ~matrix.all(axis=0)


def _measure(code_id, matrix: np.ndarray) -> CodeAgreement:
    differ = _differing(matrix)
    n_items = matrix.shape[1]
    return CodeAgreement(
        code_id=code_id,
        n_units_coded_by_anyone=int(matrix.any(axis=0).sum()),
        percent_agreement=100 * int(n_items - differ.sum()) / n_items if n_items else None,
        kappa=_light_kappa(matrix),
        alpha=_alpha(matrix),
        disagreements=np.flatnonzero(differ).tolist(),
    )


def _light_kappa(matrix: np.ndarray) -> float | None:
    kappas = [_cohen_kappa(matrix[a], matrix[b]) for a, b in combinations(range(len(matrix)), 2)]
    defined = [kappa for kappa in kappas if kappa is not None]
    return sum(defined) / len(defined) if defined else None


def _cohen_kappa(first: np.ndarray, second: np.ndarray) -> float | None:
    # Undefined when both coders gave one and the same decision throughout (expected
    # agreement 1); sklearn then warns and returns nan, so check first.
    values = np.concatenate([first, second])
    if values.size == 0 or values.all() or not values.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = cohen_kappa_score(first.astype(int), second.astype(int), labels=[0, 1])
    return None if math.isnan(kappa) else float(kappa)


def _alpha(matrix: np.ndarray) -> float | None:
    if matrix.size == 0 or matrix.all() or not matrix.any():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alpha = krippendorff.alpha(
                reliability_data=matrix.astype(int), level_of_measurement="nominal"
            )
    except ValueError:  # "There has to be more than one value in the domain."
        return None
    return None if math.isnan(alpha) else float(alpha)
