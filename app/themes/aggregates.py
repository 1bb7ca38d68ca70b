"""Counts of themes and codes across the coded interviews.

Everything here counts the newest release of each interview in scope and the codings that
count (the shared ones and the consensus of settled rounds; the blind codings of a round do
not). Counts of interviews and passages read ``coded_release``, which database triggers
keep as (code, release, passages), once per request, and count it as sparse matrices
(``app.themes.incidence``); overlapping passages are a SQL sum of ``coded_pair``, which
triggers keep as (release, code, code, pairs of overlapping codings).
A release exists only while the young person's participation is in force (withdrawal
erases it), so counting releases counts nothing that was taken back. On top of that every
count keeps only the interviews whose consent covers the scope's gate path (``Scope.path``,
asked of the consent gate in SQL): what a researcher counts needs research use; the team's
own review needs the interview to be taken part in. The numbers are raw:
``app.themes.services`` suppresses small ones before anyone sees them.

Each count is kept under the database's change token (``app.core.cache``): a page asks the
database again only after something it counts has changed.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text

from app.consent import gate
from app.core import cache
from app.core.db import db
from app.interviews.models import Interview
from app.releases.attributes import stamp_missing
from app.releases.models import Release
from app.themes.models import CodedPair, Theme, theme_code

LEVELS = ("theme", "code")
WITHIN = ("interview", "passage")
ATTRIBUTES = ("age_band", "care_band")
#: the gate paths counts are made for: the team's own learning, and research
COUNT_PATHS = ("themes.count", "research.count")


@dataclass(frozen=True)
class Scope:
    """Released interviews conducted in [date_from, date_to] (a review session's period)
    and counted in the years [year_from, year_to] (the themes page); open ends are
    unbounded. ``path`` is the consent gate path the counts are for: the strictest unless
    the caller says the team counts for its own learning."""

    date_from: date | None = None
    date_to: date | None = None
    year_from: int | None = None
    year_to: int | None = None
    path: str = "research.count"


def current_releases(scope: Scope, *, materialized: bool = False):
    """The newest release of every interview in scope whose consent covers ``scope.path``
    (id, interview, year, bands); ``materialized``, worked out once for the statement (for
    a query that walks codings one at a time and would otherwise look each up in it)."""
    if scope.path not in COUNT_PATHS:
        raise ValueError(f"path must be one of {COUNT_PATHS}")
    newest = (
        select(func.max(Release.id).label("id")).group_by(Release.interview_id).subquery("newest")
    )
    query = (
        select(Release.id, Release.interview_id, Release.year, Release.age_band,
               Release.care_band)
        .join(newest, newest.c.id == Release.id)
        .join(Interview, Interview.id == Release.interview_id)
        .where(gate.sql_allows(scope.path))
    )  # fmt: skip
    if scope.year_from:
        query = query.where(Release.year >= scope.year_from)
    if scope.year_to:
        query = query.where(Release.year <= scope.year_to)
    if scope.date_from:
        query = query.where(Interview.conducted_on >= scope.date_from)
    if scope.date_to:
        query = query.where(Interview.conducted_on <= scope.date_to)
    if materialized:
        return query.cte("r").prefix_with("MATERIALIZED")
    return query.subquery("r")


def stamp() -> None:
    """Stamp releases made before releases were stamped with year and bands, and interviews
    stamped under other guardian rules (both flush)."""
    stamp_missing()
    gate.stamp_stale()


#: ``Session.info`` key: the transaction that has stamped and set its planner options
_PREPARED = "themes.aggregates.prepared"


def _prepare() -> None:
    # Stamped before the token is read, since what a count kept under it says depends on
    # the stamps (a stamp changes the token); once per transaction, as a page asks for
    # several counts.
    session = db.session()
    if session.get_transaction() is not None and session.info.get(_PREPARED) is (
        session.get_transaction()
    ):
        return
    stamp()
    if session.get_bind().dialect.name == "postgresql":
        # Sorts and hashes of a million codings stay in memory, and planning is not
        # compiled: JIT costs more than it saves on queries this size. Each count is
        # planned for its own values: the engine prepares no statements (app.core.db), and
        # should one ever be prepared, a generic plan, blind to the consent scopes and
        # statuses asked for, took the releases in scope for a handful and counted them in
        # loops (seconds became minutes).
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    session.info[_PREPARED] = session.get_transaction()


def kept(name: str, params, compute):
    """``compute()`` (raw counts of ``current_releases``), kept under the change token with
    ``params`` (which must name everything the counts depend on)."""
    _prepare()
    return cache.kept(name, params, compute)


def released_per_year(scope: Scope) -> dict[int, int]:
    """Released interviews in scope per year, coded or not."""

    def count():
        return _incidence(scope).released_per_year()

    return kept("released_per_year", scope, count)


def coded_per_year(scope: Scope) -> dict[int, int]:
    """Interviews in scope with at least one counted coding, per year: the denominator of
    every share."""

    def count():
        found: dict = {}
        for year, _age, _care, n in _coded_cells(scope):
            found[year] = found.get(year, 0) + n
        return found

    return kept("coded_per_year", scope, count)


def _coded_cells(scope: Scope) -> list[tuple]:
    """Coded interviews in scope per (year, age band, care band): an interview is in one
    cell, so the cells add up to the years and to the bands alike (one query for both)."""

    def count():
        return _incidence(scope).coded_cells()

    return kept("coded_cells", scope, count)


def _incidence(scope: Scope):
    """``incidence.Incidence`` of ``scope``; numpy and scipy are loaded by the first count,
    not when a web worker starts."""
    from app.themes import incidence

    return incidence.incidence(scope, current_releases(scope))


def _theme_codes(level: str) -> dict:
    return theme_codes() if level == "theme" else {}


def _check_level(level: str) -> None:
    # a level that is neither says so now, not from the cache
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")


def _cells(scope: Scope, level: str) -> list[tuple]:
    """(theme or code id, year, age band, care band, interviews, passages): an interview is
    in one (year, age band, care band), so its cells add up to the years and to the bands
    alike, and the theme × year table and both breakdowns are one query."""
    _check_level(level)

    def count():
        m = _incidence(scope)
        return m.per_cell(*m.level(level, _theme_codes(level)))

    return kept("cells", (scope, level), count)


def set_cells(scope: Scope, code_ids) -> list[tuple]:
    """(year, age band, care band, interviews, passages) of the interviews in scope holding
    any of ``code_ids`` (a goal's direction), made afresh: the caller keeps it."""
    return _incidence(scope).any_of(sorted(code_ids))


def per_year(scope: Scope, level: str) -> list[tuple[int, int, int, int]]:
    """(theme or code id, year, interviews touching it, passages coded with it)."""
    _check_level(level)

    def count():
        found: dict = {}
        for key, year, _age, _care, n, passages in _cells(scope, level):
            had = found.get((key, year), (0, 0))
            found[(key, year)] = (had[0] + n, had[1] + passages)
        return [(key, year, n, p) for (key, year), (n, p) in found.items()]

    return kept("per_year", (scope, level), count)


def theme_year(scope: Scope) -> list[tuple[int, int, int, int]]:
    """(theme id, year, interviews, passages): the theme × year table."""
    return per_year(scope, "theme")


def by_attribute(scope: Scope, level: str, attribute: str) -> dict:
    """{"touching": [(key, band, interviews)], "coded": {band: interviews}} for age or
    care band."""
    if attribute not in ATTRIBUTES:
        raise ValueError(f"attribute must be one of {ATTRIBUTES}")
    _check_level(level)
    at = ATTRIBUTES.index(attribute)

    def count():
        touching: dict = {}
        for key, _year, *bands, n, _passages in _cells(scope, level):
            touching[(key, bands[at])] = touching.get((key, bands[at]), 0) + n
        coded: dict = {}
        for _year, *bands, n in _coded_cells(scope):
            coded[bands[at]] = coded.get(bands[at], 0) + n
        return {"touching": [(k, b, n) for (k, b), n in touching.items()], "coded": coded}

    return kept("by_attribute", (scope, level, attribute), count)


def cooccurrence(scope: Scope, level: str = "theme", within: str = "interview") -> dict:
    """{(a, b): n} with a < b: interviews that hold both (``within="interview"``), or pairs
    of overlapping coded passages, one with each (``within="passage"``)."""
    if within not in WITHIN:
        raise ValueError(f"within must be one of {WITHIN}")
    _check_level(level)

    def count():
        if within == "passage":
            return _passage_pairs(scope, level)
        return _incidence(scope).pairs(level, _theme_codes(level))

    return kept("cooccurrence", (scope, level, within), count)


def code_pairs(scope: Scope, code_ids: list[int]) -> dict:
    """{(a, b): n} with a < b: interviews holding both codes, for the codes of the themes
    only (what a theme pair's count is checked against), not every code of the codebook."""
    code_ids = sorted(set(code_ids))

    def count():
        return _incidence(scope).code_pairs(code_ids)

    return kept("code_pairs", (scope, code_ids), count)


def _passage_pairs(scope: Scope, level: str) -> dict:
    """{(a, b): pairs} with a < b: pairs of overlapping counted codings in scope, one with
    each code or theme. Each pair of codes of a theme is a pair of those themes (a code in
    two themes makes a pair of itself count between them); a pair within one theme, as one
    of a code with itself, is no pair."""
    found: dict = {}
    if level == "code":
        for low, high, n in _code_pairs(scope):
            if low != high:
                found[(low, high)] = n
        return found
    themes_of: dict = {}
    for theme_id, code_ids in theme_codes().items():
        for code_id in code_ids:
            themes_of.setdefault(code_id, []).append(theme_id)
    for low, high, n in _code_pairs(scope):
        for a in themes_of.get(low, ()):
            for b in themes_of.get(high, ()):
                if a != b:
                    key = (min(a, b), max(a, b))
                    found[key] = found.get(key, 0) + n
    return found


def _code_pairs(scope: Scope) -> list[tuple[int, int, int]]:
    """(low, high, pairs) with low <= high: the triggers' tally (``CodedPair``) of the
    releases in scope summed, per pair of codes."""

    def count():
        r = current_releases(scope)
        p = CodedPair.__table__
        # the releases in scope as a set to look each tally row up in: joined, the planner
        # hashed the tally's rows instead, and took twice as long
        query = (
            select(p.c.code_low, p.c.code_high, func.sum(p.c.pairs))
            .where(p.c.release_id.in_(select(r.c.id)))
            .group_by(p.c.code_low, p.c.code_high)
        )
        return [(low, high, int(n)) for low, high, n in db.session.execute(query).all()]

    return kept("code_pairs", scope, count)


def warm(scope: Scope) -> None:
    """Count, and keep, everything the themes page counts for ``scope``."""
    released_per_year(scope)
    coded_per_year(scope)
    theme_year(scope)
    for attribute in ATTRIBUTES:
        by_attribute(scope, "theme", attribute)
    for within in WITHIN:
        cooccurrence(scope, "theme", within)
    # what the themes' pairs are checked against (``views._unnested``)
    code_pairs(scope, [c for codes in theme_codes().values() for c in codes])


def theme_codes() -> dict[int, list[int]]:
    """theme id -> its code ids."""
    rows = db.session.execute(select(theme_code.c.theme_id, theme_code.c.code_id)).all()
    found: dict[int, list[int]] = {}
    for theme_id, code_id in rows:
        found.setdefault(theme_id, []).append(code_id)
    return found


def empty_themes() -> list[int]:
    """Themes that group no code."""
    has = select(theme_code.c.theme_id).distinct()
    return list(db.session.scalars(select(Theme.id).where(Theme.id.not_in(has))))
