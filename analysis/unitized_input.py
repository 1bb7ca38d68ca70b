"""The input of ``analysis.unitized`` from plain rows shaped like the app's coding data.

A round's releases become the documents of one continuum, its coders' codings the ranges;
the codebook's top-level codes become the groups of cu-α and Cu-α.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence

from analysis.unitized import Coding


def from_round(
    lengths: Mapping[Hashable, int],
    codings: Iterable[tuple[Hashable, Hashable, Hashable, int, int]],
    coders: Sequence[Hashable],
) -> tuple[list[int], dict[Hashable, list[Coding]]]:
    """The arguments of ``unitized_agreement`` from plain rows: ``lengths`` maps each document
    (a release id), in the order to lay them out, to its text's length in code points;
    ``codings`` are ``(coder, document, code, start, end)``, consensus codings left out.
    Every coder of ``coders`` is kept, one who coded nothing too (that is a disagreement
    wherever the others coded); codings of other coders or documents are left out."""
    index = {document: i for i, document in enumerate(lengths)}
    per_coder: dict[Hashable, list[Coding]] = {coder: [] for coder in coders}
    for coder, document, code, start, end in codings:
        if coder in per_coder and document in index:
            per_coder[coder].append((index[document], code, start, end))
    return list(lengths.values()), per_coder


def groups_from_parents(parents: Mapping[Hashable, Hashable | None]) -> dict[Hashable, Hashable]:
    """Code -> its top-level ancestor (itself when it has no parent), from code -> parent:
    a codebook's top-level codes as the groups ("semantic domains") of cu-α and Cu-α."""
    groups = {}
    for code in parents:
        seen, top = {code}, code
        while parents.get(top) is not None and parents[top] not in seen:
            top = parents[top]
            seen.add(top)
        groups[code] = top
    return groups
