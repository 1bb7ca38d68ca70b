"""The theme counts, made as matrix products over the releases in scope
(``app.themes.incidence``), against the same counts made by hand in Python from the rows:
every code and theme per cell, the coded interviews, and the pairs found together."""

from itertools import combinations

import pytest
from sqlalchemy import select

from app.benchdata import CorpusSpec, build_corpus
from app.core import cache
from app.core.db import db
from app.themes import aggregates
from app.themes.aggregates import Scope
from app.themes.models import CodedRelease, Theme, theme_code
from tests.conftest import PASSWORD

SCOPES = [Scope(), Scope(path="themes.count"), Scope(year_from=2025, year_to=2025)]


@pytest.fixture
def corpus(app, monkeypatch):
    for _step in build_corpus(CorpusSpec(interviews=60, years=3, codings=25, batch=30), PASSWORD):
        db.session.commit()
    # a code in two themes, and a theme whose codes no release holds
    first, second = db.session.scalars(select(Theme).order_by(Theme.id).limit(2))
    shared = db.session.execute(
        select(theme_code.c.code_id).where(theme_code.c.theme_id == first.id)
    ).scalar()
    db.session.execute(theme_code.insert().values(theme_id=second.id, code_id=shared))
    db.session.commit()
    monkeypatch.setattr(cache, "token", lambda version=cache.AGGREGATES: None)  # nothing kept


def by_hand(scope: Scope) -> dict:
    r = aggregates.current_releases(scope)
    releases = {i: (y, a, c) for i, _interview, y, a, c in db.session.execute(select(r)).all()}
    held: dict[int, dict[int, int]] = {i: {} for i in releases}
    for release_id, code_id, passages in db.session.execute(
        select(CodedRelease.release_id, CodedRelease.code_id, CodedRelease.passages)
    ):
        if release_id in held:
            held[release_id][code_id] = passages
    themes_of: dict[int, set] = {}
    for theme_id, code_id in db.session.execute(select(theme_code)):
        themes_of.setdefault(code_id, set()).add(theme_id)
    cells = {"code": {}, "theme": {}}
    pairs = {"code": {}, "theme": {}}
    coded, released = {}, {}
    for release_id, codes in held.items():
        cell = releases[release_id]
        released[cell[0]] = released.get(cell[0], 0) + 1
        if codes:
            coded[cell] = coded.get(cell, 0) + 1
        themes: dict[int, int] = {}
        for code_id, passages in codes.items():
            for theme_id in themes_of.get(code_id, ()):
                themes[theme_id] = themes.get(theme_id, 0) + passages
        for level, found in (("code", codes), ("theme", themes)):
            for key, passages in found.items():
                n, p = cells[level].get((key, *cell), (0, 0))
                cells[level][(key, *cell)] = (n + 1, p + passages)
            for a, b in combinations(sorted(found), 2):
                pairs[level][(a, b)] = pairs[level].get((a, b), 0) + 1
    return {
        "released": released,
        "coded": sorted((*cell, n) for cell, n in coded.items()),
        "cells": {level: sorted((*k, *v) for k, v in found.items())
                  for level, found in cells.items()},
        "pairs": pairs,
    }  # fmt: skip


@pytest.mark.parametrize("scope", SCOPES, ids=["research", "team", "one year"])
def test_the_counts_are_those_made_by_hand(corpus, scope):
    expected = by_hand(scope)
    assert expected["cells"]["theme"] and expected["pairs"]["code"]  # something to compare
    assert aggregates.released_per_year(scope) == expected["released"]
    assert sorted(aggregates._coded_cells(scope)) == expected["coded"]
    for level in aggregates.LEVELS:
        assert sorted(aggregates._cells(scope, level)) == expected["cells"][level]
        assert aggregates.cooccurrence(scope, level, "interview") == expected["pairs"][level]
    some = sorted({c for pair in expected["pairs"]["code"] for c in pair})[::2]
    wanted = {k: n for k, n in expected["pairs"]["code"].items() if set(k) <= set(some)}
    assert aggregates.code_pairs(scope, some) == wanted


def test_an_empty_scope_counts_nothing(corpus):
    scope = Scope(year_from=1990, year_to=1991)
    assert aggregates.released_per_year(scope) == {}
    assert aggregates._coded_cells(scope) == []
    assert aggregates._cells(scope, "theme") == []
    assert aggregates.cooccurrence(scope, "code", "interview") == {}
    assert aggregates.code_pairs(scope, [1, 2, 3]) == {}


@pytest.mark.parametrize("scope", SCOPES, ids=["research", "team", "one year"])
def test_a_set_of_codes_counts_each_interview_once(corpus, scope):
    """What a goal's direction counts: the interviews holding any of its codes, once each,
    with the passages of all of them."""
    r = aggregates.current_releases(scope)
    releases = {i: (y, a, c) for i, _interview, y, a, c in db.session.execute(select(r)).all()}
    rows = db.session.execute(
        select(CodedRelease.release_id, CodedRelease.code_id, CodedRelease.passages)
    ).all()
    codes = sorted({code_id for _r, code_id, _p in rows})
    for chosen in (codes[:1], codes[1:4], codes[::3], [*codes[:2], 999_999]):
        found: dict = {}
        for release_id, code_id, passages in rows:
            if release_id in releases and code_id in chosen:
                found.setdefault(release_id, 0)
                found[release_id] += passages
        cells: dict = {}
        for release_id, passages in found.items():
            n, p = cells.get(releases[release_id], (0, 0))
            cells[releases[release_id]] = (n + 1, p + passages)
        expected = sorted((*cell, n, p) for cell, (n, p) in cells.items())
        assert sorted(aggregates.set_cells(scope, chosen)) == expected, chosen
