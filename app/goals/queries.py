"""Read queries of the red thread: goals, guidelines, links, and the raw counts of the
interviews whose codings speak to a goal (suppressed in ``app.goals.evidence`` before anyone
sees them)."""

from collections import namedtuple

from sqlalchemy import or_, select

from app.codebook.models import Code
from app.core.db import db
from app.goals.models import Direction, Goal, GoalLink, GoalVersion, Guideline
from app.themes.aggregates import ATTRIBUTES, Scope, current_releases, kept, set_cells
from app.themes.models import Theme
from app.workspace.models import Coding


def goals(*, retired: bool = False) -> list[Goal]:
    """Goals in force (or the retired ones), the team's change theory first."""
    query = select(Goal).where(
        Goal.retired_on.is_not(None) if retired else Goal.retired_on.is_(None)
    )
    found = db.session.scalars(query).all()
    return sorted(found, key=lambda g: (g.kind != "team", g.title.lower(), g.id))


def version(goal: Goal, number: int) -> GoalVersion | None:
    return db.session.scalar(
        select(GoalVersion).where(GoalVersion.goal_id == goal.id, GoalVersion.number == number)
    )


def newest_version(goal: Goal) -> GoalVersion:
    """The newest version as the database holds it now (another window may have saved)."""
    db.session.expire(goal)
    return db.session.scalar(
        select(GoalVersion)
        .where(GoalVersion.goal_id == goal.id)
        .order_by(GoalVersion.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def guidelines(goal: Goal | None = None) -> list[Guideline]:
    query = select(Guideline).order_by(Guideline.retired_on.is_not(None), Guideline.title)
    if goal is not None:
        query = query.where(Guideline.goal_id == goal.id)
    return db.session.scalars(query).all()


def codable_codes() -> list[Code]:
    codes = db.session.scalars(
        select(Code).where(Code.codable, Code.merged_into_id.is_(None))
    ).all()
    return sorted(codes, key=lambda c: c.path.lower())


def all_themes() -> list[Theme]:
    return db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()


def code_directions(goal: Goal, *, leaving_out: GoalLink | None = None) -> dict:
    """code id -> {direction: [what links it: a code path, or a theme name]}, through the
    goal's links to codes and to themes (a theme links every code it groups)."""
    found: dict[int, dict[str, list[str]]] = {}
    for link in goal.links:
        if link is leaving_out:
            continue
        if link.code_id is not None:
            targets = [(link.code_id, link.code.path)]
        else:
            targets = [(c.id, link.theme.name) for c in link.theme.codes]
        for code_id, name in targets:
            found.setdefault(code_id, {}).setdefault(link.direction, []).append(name)
    return found


def direction_codes(goal: Goal) -> dict[str, list[int]]:
    """direction -> the codes whose passages count for it."""
    found = {d.value: set() for d in Direction}
    for code_id, directions in code_directions(goal).items():
        for direction in directions:
            found[direction].add(code_id)
    return {d: sorted(codes) for d, codes in found.items() if codes}


def direction_counts(scope: Scope, codes: dict[str, list[int]]) -> tuple[list, dict]:
    """Raw counts per direction: [(direction, year, interviews, passages)] and, per band
    attribute, [(direction, band, interviews)]. An interview counts once per direction,
    however many of the direction's codes it holds. Kept under the themes' change token,
    with the codes."""
    return kept("goal_directions", (scope, codes), lambda: _direction_counts(scope, codes))


def _direction_counts(scope: Scope, codes: dict[str, list[int]]) -> tuple[list, dict]:
    counts, touching = [], {a: [] for a in ATTRIBUTES}
    for direction, code_ids in codes.items():
        years: dict = {}
        bands: dict = {a: {} for a in ATTRIBUTES}
        for year, *cell, n, passages in _set_cells(scope, code_ids):
            had = years.get(year, (0, 0))
            years[year] = (had[0] + n, had[1] + passages)
            for attribute, band in zip(ATTRIBUTES, cell, strict=True):
                bands[attribute][band] = bands[attribute].get(band, 0) + n
        counts += [(direction, year, n, p) for year, (n, p) in years.items()]
        for attribute in ATTRIBUTES:
            touching[attribute] += [(direction, b, n) for b, n in bands[attribute].items()]
    return counts, touching


def _set_cells(scope: Scope, code_ids) -> list[tuple]:
    """(year, age band, care band, interviews, passages) of the interviews touching any of
    ``code_ids``: an interview is in one cell, so the cells add up to the years and to the
    bands alike (one query for a direction's years and both its breakdowns, and for the
    same codes as another goal's direction). Kept under the themes' change token."""
    code_ids = sorted(code_ids)

    def count():
        return set_cells(scope, code_ids)

    return kept("goal_set_cells", (scope, code_ids), count)


#: a coding that may be quoted: where it is, and the interview and year it is from
Candidate = namedtuple("Candidate", "release_id start_offset end_offset interview_id year")


def quote_candidates(scope: Scope, code_ids: list[int], limit: int = 80) -> list[Candidate]:
    """Counted codings of ``code_ids`` in scope, newest first: (release, start, end,
    interview, year). The caller asks the consent gate about each interview. Kept under the
    themes' change token, as the counts are (it changes with every coding and consent)."""

    def find():
        # newest first: the codings are walked back by id, each looked up in the releases
        r = current_releases(scope, materialized=True)
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    Coding.release_id, Coding.start_offset, Coding.end_offset, r.c.interview_id,
                    r.c.year,
                )
                .join(r, r.c.id == Coding.release_id)
                .where(Coding.code_id.in_(code_ids),
                       or_(Coding.round_id.is_(None), Coding.consensus))
                .order_by(Coding.id.desc())
                .limit(limit)
            )
        ]  # fmt: skip

    return [Candidate(*row) for row in kept("goal_quotes", (scope, code_ids, limit), find)]


def warm(scope) -> None:
    """Count, and keep, every goal page's counts and quote candidates in ``scope`` (the
    themes' background recount calls it after a change: ``themes.tasks.WARMERS``)."""
    for goal in goals():
        codes = direction_codes(goal)
        if codes:
            direction_counts(scope, codes)
            set_year_counts(scope, [frozenset(ids) for ids in codes.values()])
            for code_ids in codes.values():
                quote_candidates(scope, code_ids)
    # what every goal page checks its rows against (imported here: it reads this module)
    from app.goals import overlap

    overlap.warm(scope)


def set_year_counts(scope: Scope, sets) -> dict[frozenset, dict[int, int]]:
    """Raw interviews per year touching any code of each set of codes (a direction of some
    goal): {set: {year: interviews}}. For the secondary check in ``app.goals.overlap``; one
    query for every set (each set's codes listed beside its number), kept under the themes'
    change token with the sets."""
    ordered = sorted(sorted(codes) for codes in sets)

    def count():
        found: list[dict] = []
        for codes in ordered:
            years: dict = {}
            for year, _age, _care, n, _passages in set_cells(scope, codes):
                years[year] = years.get(year, 0) + n
            found.append(years)
        return found

    counted = kept("goal_set_years", (scope, ordered), count)
    return {frozenset(codes): counted[number] for number, codes in enumerate(ordered)}
