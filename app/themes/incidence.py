"""The coded interviews in scope as one matrix, read once and counted every way.

The themes page counts the same rows five ways (each code and each theme per year and band,
the coded interviews, the codes and the themes found together in an interview). Asked of the
database as five joins of ``coded_release`` to the releases in scope, a million codings took
it a second; read once as (release, code, passages) and held as sparse matrices, each count
is a matrix product of a few milliseconds:

- ``held``: releases × codes, 1 where a counted coding of the code is in the release;
- ``passages``: the same, with the number of counted codings;
- ``cells``: each release's (year, age band, care band), an interview being in one.

A theme holds a release when any of its codes does (``held @ theme_codes > 0``); its
passages are those of its codes summed, a code in two themes counting in each, as the
queries it replaces counted them.

Read once per transaction and change token (``read_once``): a count kept under a token is
never made from rows read under another.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlalchemy import func, select

from app.core import cache
from app.core.db import db, read_once
from app.themes.models import CodedRelease

#: numpy's integer for counts: a count of interviews or passages never nears 2**63
_INT = np.int64


@dataclass(frozen=True)
class Incidence:
    #: (year, age band, care band) per cell; every release is in one
    cells: list[tuple]
    #: per release in scope (coded or not): its cell
    cell_of: np.ndarray
    #: the code id of each column, ascending
    codes: np.ndarray
    held: sparse.csr_array
    passages: sparse.csr_array

    def column(self, code_ids) -> np.ndarray:
        """The columns of those of ``code_ids`` that are held anywhere in scope."""
        return np.flatnonzero(np.isin(self.codes, np.asarray(list(code_ids), dtype=_INT)))

    def grouping(self) -> sparse.csr_array:
        """cells × releases, 1 where the release is in the cell: ``grouping() @ x`` sums
        the rows of ``x`` per cell."""
        n = len(self.cell_of)
        return sparse.csr_array(
            (np.ones(n, dtype=_INT), (self.cell_of, np.arange(n))), shape=(len(self.cells), n)
        )

    def coded(self) -> np.ndarray:
        """Per release: whether it holds any counted coding."""
        return np.diff(self.held.indptr) > 0

    def released_per_year(self) -> dict:
        """Releases in scope per year, coded or not."""
        found: dict = {}
        for (year, *_bands), n in zip(self.cells, np.bincount(self.cell_of), strict=False):
            found[year] = found.get(year, 0) + int(n)
        return found

    def coded_cells(self) -> list[tuple]:
        """(year, age band, care band, coded releases) for every cell with any."""
        n = np.bincount(self.cell_of[self.coded()], minlength=len(self.cells))
        return [(*cell, int(k)) for cell, k in zip(self.cells, n, strict=True) if k]

    def level(self, level: str, theme_codes: dict[int, list[int]]) -> tuple:
        """(keys, held, passages): releases × codes, or × themes."""
        if level == "code":
            return self.codes, self.held, self.passages
        return self.themes(theme_codes)

    def any_of(self, code_ids) -> list[tuple]:
        """(year, age band, care band, interviews, passages) of the releases holding any of
        ``code_ids``, per cell where there are any: an interview counts once however many
        of the codes it holds; its passages are those of all of them."""
        columns = self.column(code_ids)
        touching = np.diff(self.held[:, columns].tocsr().indptr) > 0
        passages = np.asarray(self.passages[:, columns].sum(axis=1)).ravel()
        size = len(self.cells)
        n = np.bincount(self.cell_of[touching], minlength=size)
        p = np.bincount(self.cell_of, weights=passages, minlength=size)
        return [(*cell, int(n[c]), int(p[c])) for c, cell in enumerate(self.cells) if n[c]]

    def pairs(self, level: str, theme_codes: dict[int, list[int]]) -> dict:
        """``together`` for every code, or every theme."""
        keys, held, _passages = self.level(level, theme_codes)
        return together(keys, held)

    def code_pairs(self, code_ids) -> dict:
        """``together`` for those of ``code_ids`` held in scope."""
        columns = self.column(code_ids)
        return together(self.codes[columns], self.held[:, columns])

    def themes(self, theme_codes: dict[int, list[int]]):
        """(theme ids ascending, held, passages) of the themes: releases × themes."""
        ids = sorted(theme_codes)
        rows, columns = [], []
        for at, theme_id in enumerate(ids):
            for column in self.column(theme_codes[theme_id]):
                rows.append(column)
                columns.append(at)
        member = sparse.csr_array(
            (np.ones(len(rows), dtype=_INT), (np.asarray(rows, dtype=_INT),
                                             np.asarray(columns, dtype=_INT))),
            shape=(len(self.codes), len(ids)),
        )  # fmt: skip
        held = (self.held @ member > 0).astype(_INT)
        return np.asarray(ids, dtype=_INT), held, self.passages @ member

    def per_cell(self, keys: np.ndarray, held, passages) -> list[tuple]:
        """(key, year, age band, care band, interviews, passages) for every key and cell
        where the key is held."""
        grouping = self.grouping()
        interviews = (grouping @ held).toarray()
        summed = (grouping @ passages).toarray()
        return [
            (int(keys[k]), *self.cells[c], int(interviews[c, k]), int(summed[c, k]))
            for c, k in zip(*np.nonzero(interviews), strict=True)
        ]


def together(keys: np.ndarray, held) -> dict:
    """{(a, b): n} with a < b: the releases (interviews) that hold both keys."""
    pairs = sparse.coo_array(held.T @ held)
    return {
        (int(keys[a]), int(keys[b])): int(n)
        for a, b, n in zip(pairs.row, pairs.col, pairs.data, strict=True)
        if a < b and n
    }


def incidence(scope, releases) -> Incidence:
    """The incidence of ``releases`` (``aggregates.current_releases(scope)``), read once
    per transaction and change token."""
    key = ("themes.incidence", scope, cache.token())
    return read_once(key, lambda: _read(releases))


def _read(r) -> Incidence:
    session = db.session
    found = session.execute(select(r.c.id, r.c.year, r.c.age_band, r.c.care_band)).all()
    cells: dict[tuple, int] = {}
    ids = np.empty(len(found), dtype=_INT)
    cell_of = np.empty(len(found), dtype=_INT)
    for at, (release_id, *cell) in enumerate(found):
        ids[at] = release_id
        cell_of[at] = cells.setdefault(tuple(cell), len(cells))
    # Every tally row, in scope or not, then kept where its release is in scope: read
    # whole, the table comes in a third of the time the join to the releases in scope took
    # (the releases' gate is asked once, above).
    columns = (CodedRelease.release_id, CodedRelease.code_id, CodedRelease.passages)
    if session.get_bind().dialect.name == "postgresql":
        # three arrays in one row: a quarter of a million rows arrive as three lists (an
        # aggregate's rows come in one order for every aggregate of the query)
        row = session.execute(select(*(func.array_agg(c) for c in columns))).one()
        release_ids, code_ids, counts = (np.asarray(v or [], dtype=_INT) for v in row)
    else:
        rows = np.asarray([tuple(row) for row in session.execute(select(*columns))], dtype=_INT)
        release_ids, code_ids, counts = rows.reshape(-1, 3).T
    wanted = np.isin(release_ids, ids)
    release_ids, code_ids, counts = release_ids[wanted], code_ids[wanted], counts[wanted]
    order = np.argsort(ids)
    at = order[np.searchsorted(ids[order], release_ids)] if len(ids) else release_ids
    codes, column = np.unique(code_ids, return_inverse=True)
    shape = (len(ids), len(codes))
    held = sparse.csr_array((np.ones(len(at), dtype=_INT), (at, column)), shape=shape)
    passages = sparse.csr_array((counts, (at, column)), shape=shape)
    return Incidence(list(cells), cell_of, codes.astype(_INT), held, passages)
