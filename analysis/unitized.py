"""Unitized alpha: agreement on coded character ranges, as ATLAS.ti reports it.

Krippendorff's alpha for unitized continua in the form of Krippendorff, Mathet, Bouvry and
Widlöcher (2016, "On the reliability of unitizing textual continua: further developments",
whose equations are cited below), which corrects Krippendorff (1995, 2004) for more than two
coders. No units are cut in advance: the text is a continuum of characters, each coder's
codings are *units* and what lies between them *gaps*. Each figure is 1 - observed / expected
disagreement: 1 is full agreement, 0 chance, below 0 systematic disagreement; a disagreement
weighs by its length in characters.

- **α-binary** (|uα; per code, per group and over all codes): do the coders mark the same
  stretches as relevant to the code or group? Coded and uncoded text both count.
- **cu-α** (per group of codes, ATLAS.ti's "semantic domain"): where the coders' codings of
  the group overlap, did they apply the same code of it? Uncoded text is left out.
- **Cu-α** (overall): cu-α with each group as one value (each code, when there are no groups).

When to trust: Krippendorff asks for α ≥ 0.800 to rely on the codes and accepts 0.667 only
for tentative conclusions. A figure resting on few or short codings (``units``, ``pairable``)
moves a lot with one coding; cu-α and Cu-α rest only on the text where codings overlap.

For m coders over a continuum of length L (the documents side by side), per variable each
coder's units must not overlap: overlapping codings of one code by one coder are merged into
their union (touching ones stay two units); two different codes of one group on one character
by one coder make cu-α (two groups: Cu-α) not computable.

- eq. 1: ``o_ck = Σ_i Σ_j≠i Σ |section of i valued c ∩ one of j valued k| / (m-1)``, gaps
  valued 0; the margins ``l_c`` add up to ``l.. = m·L``.
- eq. 4: ``e_ck = l.. (l_c l_k - [c=k] Σ_c ℓ²) / (l..² - Σ ℓ²)``, ℓ² the squared length of a
  unit; of a gap only ℓ (its characters pair only with themselves).
- eq. 6, α-binary: values collapsed to coded and gap, ``1 - (o_01 + o_10) / (e_01 + e_10)``.
- eqs. 10, 11, cu-α: the coincidences between units only, margins ``l'_c``; ℓ² taken per unit
  and other coder over the part of the unit that meets that coder's units.

A figure is None, with a ``reason``, where the expected disagreement is zero: fewer than two
coders, no text, a code nobody (or everybody, everywhere) applied, codings that never meet.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise


def N_(message: str) -> str:  # the gettext marker name that message extraction knows
    return message


#: plain-language help for the round page, English; the application translates it
EXPLANATION = {
    "binary": N_(
        "α-binary: do the coders mark the same stretches of text with the code (or group of "
        "codes), whatever else they code? Coded and uncoded text both count."
    ),
    "cu": N_(
        "cu-α: where the coders' codings of a group overlap, did they choose the same code "
        "of the group? Uncoded text is left out."
    ),
    "Cu": N_(
        "Cu-α: where any codings overlap, did the coders choose the same group of codes? "
        "Uncoded text is left out."
    ),
    "trust": N_(
        "1 means full agreement, 0 no more than chance. Rely on a code from 0.800; between "
        "0.667 and 0.800 draw only tentative conclusions. A figure built on few or short "
        "codings can change a lot with one more coding."
    ),
}

#: why a figure is not computable
NO_CODERS = N_("Agreement needs at least two coders.")
NO_TEXT = N_("There is no text to compare.")
NOT_APPLIED = N_("Nobody applied it.")
ALL_CODED = N_("Every coder coded all of the text, so there is nothing to tell apart.")
NO_OVERLAP = N_("Too little of the coders' coded text overlaps, so there is nothing to compare.")
ONE_VALUE = N_("Only one code or group occurs where the codings overlap: nothing to tell apart.")
CONFLICT = N_("A coder applied two codes of the group to the same text, which it cannot score.")
CROSS_GROUPS = N_(
    "A coder put the same text in two groups (or, without groups, under two codes); Cu-α "
    "needs at most one per stretch of text."
)

#: (document index, code, start, end): offsets in code points within the document, end exclusive
Coding = tuple[int, Hashable, int, int]
#: (value, start, end) on the whole continuum
_Unit = tuple[Hashable, int, int]


@dataclass(frozen=True)
class Alpha:
    #: the coefficient, or None when not computable (``reason`` says why)
    value: float | None
    reason: str | None
    #: disagreement observed and expected by chance: the off-diagonal sums of the coincidence
    #: matrices, in characters (each coder's text counted once, as the pairable length is)
    observed: Fraction
    expected: Fraction
    #: characters pairable: m × L for α-binary, the overlapping coded text for cu-α and Cu-α
    pairable: Fraction


@dataclass(frozen=True)
class Figures:
    """α-binary (and for a group of codes cu-α) of one code or group."""

    key: Hashable
    codes: tuple
    binary: Alpha
    #: None for a single code
    cu: Alpha | None
    #: units (after merging) over all coders, and the characters they cover
    units: int
    length: int


@dataclass(frozen=True)
class UnitizedReport:
    coders: tuple
    #: the continuum: all documents side by side
    length: int
    per_code: list[Figures]
    #: empty unless groups were given
    per_group: list[Figures]
    #: α-binary over all codes taken together, and Cu-α
    binary: Alpha
    Cu: Alpha
    #: codings that overlapped another of the same code by the same coder and were merged
    merged: int


def unitized_agreement(
    lengths: Sequence[int],
    codings: Mapping[Hashable, Iterable[Coding]],
    codes: Sequence[Hashable] | None = None,
    groups: Mapping[Hashable, Hashable] | None = None,
) -> UnitizedReport:
    """Unitized alpha of ``codings`` (coder -> codings) over documents of ``lengths``.

    ``codes`` defaults to every code used, sorted; codings of other codes are left out.
    ``groups`` maps a code to its group (a semantic domain, e.g. its top-level code); codes
    missing from it form a group of their own. A coding outside its document, or of a document
    not in ``lengths``, raises ValueError.
    """
    coders = tuple(codings)
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    total = sum(lengths)
    placed: dict[Hashable, list[_Unit]] = {}
    for coder in coders:
        placed[coder] = []
        for doc, code, start, end in codings[coder]:
            if not (0 <= doc < len(lengths) and 0 <= start < end <= lengths[doc]):
                raise ValueError(f"coding ({doc}, {start}, {end}) is not within its document")
            placed[coder].append((code, starts[doc] + start, starts[doc] + end))
    used = sorted({u[0] for units in placed.values() for u in units})
    codes = used if codes is None else list(codes)
    wanted = set(codes)
    merged, by_code = 0, {}
    for coder in coders:
        units = [u for u in placed[coder] if u[0] in wanted]
        by_code[coder] = _merge(units)
        merged += len(units) - len(by_code[coder])

    def figures(key, members, group: bool = False) -> Figures:
        units = {c: [u for u in by_code[c] if u[0] in members] for c in coders}
        flat = {c: _merge([(1, s, e) for _, s, e in us]) for c, us in units.items()}
        return Figures(
            key=key, codes=tuple(sorted(members)), binary=_binary(flat, total),
            cu=_cu(units, total) if group else None,
            units=sum(len(us) for us in flat.values()),
            length=sum(e - s for us in flat.values() for _, s, e in us),
        )  # fmt: skip

    per_code = [figures(code, {code}) for code in codes]
    group_of = {code: (groups or {}).get(code, code) for code in codes}
    members: dict[Hashable, set] = {}
    for code in codes:
        members.setdefault(group_of[code], set()).add(code)
    per_group = [figures(g, members[g], group=True) for g in members] if groups else []
    domain_units = {c: [(group_of[v], s, e) for v, s, e in by_code[c]] for c in coders}
    domains = {c: _merge(us) for c, us in domain_units.items()}
    return UnitizedReport(
        coders=coders, length=total, per_code=per_code, per_group=per_group,
        binary=figures(None, wanted).binary, Cu=_cu(domains, total, CROSS_GROUPS), merged=merged,
    )  # fmt: skip


def _merge(units: list[_Unit]) -> list[_Unit]:
    """The units sorted by place, those of one value that overlap joined into their union
    (touching ones are kept apart: two decisions)."""
    result: list[_Unit] = []
    for value in sorted({u[0] for u in units}, key=repr):
        run = None
        for _, start, end in sorted(u for u in units if u[0] == value):
            if run and start < run[2]:
                run = (value, run[1], max(run[2], end))
            else:
                if run:
                    result.append(run)
                run = (value, start, end)
        if run:
            result.append(run)
    return sorted(result, key=lambda u: (u[1], u[2]))


def _conflict(units: list[_Unit]) -> bool:
    """Whether two units of one coder overlap (only units of different values can)."""
    return any(b[1] < a[2] for a, b in pairwise(units))


def _sections(units: Mapping[Hashable, list[_Unit]], total: int):
    """Elementary stretches ``(length, {coder: (value, unit index) or None})`` over which no
    coder's unit begins or ends; None marks a gap. Each coder's units are sorted and apart."""
    cuts = sorted({0, total} | {x for us in units.values() for _, s, e in us for x in (s, e)})
    at = dict.fromkeys(units, 0)
    for a, b in pairwise(cuts):
        values = {}
        for coder, us in units.items():
            while at[coder] < len(us) and us[at[coder]][2] <= a:
                at[coder] += 1
            index = at[coder]
            inside = index < len(us) and us[index][1] <= a
            values[coder] = (us[index][0], index) if inside else None
        yield b - a, values


def _not_computable(reason: str, observed=0, expected=0, pairable=0) -> Alpha:
    return Alpha(None, reason, Fraction(observed), Fraction(expected), Fraction(pairable))


def _binary(units: Mapping[Hashable, list[_Unit]], total: int) -> Alpha:
    """|uα (eq. 6): coded against not coded, codes ignored."""
    m = len(units)
    if m < 2:
        return _not_computable(NO_CODERS)
    if total == 0:
        return _not_computable(NO_TEXT)
    pairable = m * total
    coded = sum(e - s for us in units.values() for _, s, e in us)
    gap = pairable - coded
    if coded == 0:
        return _not_computable(NOT_APPLIED, pairable=pairable)
    if gap == 0:
        return _not_computable(ALL_CODED, pairable=pairable)
    # gap of one coder against a unit of another, over ordered pairs of coders
    cross = 0
    for length, values in _sections(units, total):
        n_coded = sum(v is not None for v in values.values())
        cross += length * n_coded * (m - n_coded)
    # o_01 + o_10, and likewise expected: the off-diagonal of the 2 × 2 coincidence matrix
    observed = Fraction(2 * cross, m - 1)
    # a unit pairs with itself ℓ² times, a gap's characters only with themselves (ℓ)
    self_pairs = sum((e - s) ** 2 for us in units.values() for _, s, e in us) + gap
    expected = Fraction(2 * pairable * gap * coded, pairable**2 - self_pairs)
    return Alpha(float(1 - observed / expected), None, observed, expected, Fraction(pairable))


def _cu(units: Mapping[Hashable, list[_Unit]], total: int, conflict: str = CONFLICT) -> Alpha:
    """cuα (eqs. 10, 11): the values of units where they meet other coders' units."""
    m = len(units)
    if m < 2:
        return _not_computable(NO_CODERS)
    if total == 0:
        return _not_computable(NO_TEXT)
    if any(_conflict(us) for us in units.values()):
        return _not_computable(conflict)
    pairs: dict[tuple, int] = {}  # (c, k) -> Σ over ordered coder pairs of their overlap
    met: dict[tuple, int] = {}  # (coder, unit index, other coder) -> length they share
    for length, values in _sections(units, total):
        valued = [(i, v) for i, v in values.items() if v is not None]
        for i, (c, unit) in valued:
            for j, (k, _) in valued:
                if i != j:
                    pairs[c, k] = pairs.get((c, k), 0) + length
                    met[i, unit, j] = met.get((i, unit, j), 0) + length
    if not pairs:
        return _not_computable(NO_OVERLAP)
    margin: dict[Hashable, int] = {}
    for (c, _), n in pairs.items():
        margin[c] = margin.get(c, 0) + n
    pairable = sum(margin.values())  # × (m - 1), as are the pairs and margins
    # per unit and other coder: the square of the unit's length that meets the other's units
    squares: dict[Hashable, int] = {}
    for (i, unit, _), n in met.items():
        value = units[i][unit][0]
        squares[value] = squares.get(value, 0) + n * n
    scale = m - 1
    # with every count × (m-1): l' = pairable/scale, o = pairs/scale, S/(m-1) = squares/scale
    denominator = pairable**2 - scale * sum(squares.values())
    agree = sum(n for (c, k), n in pairs.items() if c == k)
    observed = Fraction(pairable - agree, scale)
    if denominator <= 0:  # e.g. only two of three coders' codings meet: eq. 10 degenerates
        return _not_computable(NO_OVERLAP, observed, 0, Fraction(pairable, scale))
    expected_agree = sum(
        Fraction(pairable * (margin[c] ** 2 - scale * squares.get(c, 0)), denominator)
        for c in margin
    )
    expected = Fraction(pairable, scale) - expected_agree / scale
    if expected == 0:
        return _not_computable(ONE_VALUE, observed, 0, Fraction(pairable, scale))
    return Alpha(float(1 - observed / expected), None, observed, expected,
                 Fraction(pairable, scale))  # fmt: skip
