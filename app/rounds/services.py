"""Blind coding rounds: creating one, and closing it once every coder is done, after a look
at the figures that closing makes final."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize
from app.core.users import Role, User
from app.releases.models import Release
from app.rounds.agreement import pooled
from app.workspace.access import may_code
from app.workspace.models import CodingRound, Unit


def create_round(actor, *, name: str, unit: str, coders: list[User], releases: list[Release]):
    authorize(actor, "rounds.manage")
    name = " ".join((name or "").split())[:200]
    if not name:
        raise CodingError(_l("Give the round a name."), "name")
    if unit not in {u.value for u in Unit}:
        raise CodingError(_l("Choose the unit of agreement."), "unit")
    coders = list(dict.fromkeys(coders))
    if len(coders) < 2:
        raise CodingError(_l("A round needs at least two coders."), "coders")
    if not releases:
        raise CodingError(_l("Choose the transcripts to code in the round."), "releases")
    for coder in coders:
        if not coder.is_active or not coder.has_role(Role.RESEARCHER, Role.COORDINATOR):
            raise CodingError(_l("%(name)s does not code.", name=coder.display_name), "coders")
        for release in releases:
            if not may_code(coder, release):
                raise CodingError(_l("%(name)s may not code the transcript of %(code)s.",
                                     name=coder.display_name,
                                     code=release.interview.participant.code),
                                  "releases")  # fmt: skip
    coding_round = CodingRound(name=name, unit=unit, created_by_id=actor.id, coders=coders,
                               releases=list(dict.fromkeys(releases)))  # fmt: skip
    db.session.add(coding_round)
    db.session.flush()
    audit.record(actor, "round.create", "coding_round", coding_round.id,
                 coders=[c.id for c in coders], releases=[r.id for r in releases])  # fmt: skip
    return coding_round


@dataclass
class ClosePreview:
    """What closing a round fixes, shown before whoever runs it confirms."""

    n_units: int
    #: coder -> how many codings they made in the round
    codings: dict[User, int]
    #: coder -> units they applied no code to
    uncoded: dict[User, int]
    #: the agreement that becomes final; None when the one closing codes in the round too,
    #: who would otherwise see the others' choices while the round is still blind
    report: object | None
    codes: dict[int, Code]
    #: releases left out because their consent no longer allows them
    dropped: int


def _check_closable(actor, coding_round: CodingRound) -> None:
    authorize(actor, "rounds.manage")
    if not coding_round.run_by(actor):
        raise PermissionDenied("rounds.manage")
    if not coding_round.is_open:
        raise CodingError(_l("The round is already closed."))


def close_preview(actor, coding_round: CodingRound) -> ClosePreview:
    """The figures that closing ``coding_round`` now would make final; refused as
    ``close_round`` is. Agreement is left out for someone who codes in the round."""
    from analysis import agreement as stats

    _check_closable(actor, coding_round)
    if len(coding_round.coders) < 2:
        raise CodingError(_l("A round needs at least two coders."))
    releases = [r for r in coding_round.releases if may_code(actor, r)]
    text, _shifts, codings = pooled(coding_round, releases)
    coder_ids = [c.id for c in coding_round.coders]
    code_ids = sorted({c[1] for c in codings})
    report = stats.agreement(text, coding_round.unit, coder_ids, codings, codes=code_ids)
    made = {c.id: 0 for c in coding_round.coders}
    touched: dict[int, set[int]] = {c.id: set() for c in coding_round.coders}
    # units are sorted and disjoint: those a coding touches are one run, found by bisection
    starts = [u_start for u_start, _ in report.units]
    ends = [u_end for _, u_end in report.units]
    for coder, _code, start, end in codings:
        if coder not in made:
            continue
        made[coder] += 1
        touched[coder].update(range(bisect_right(ends, start), bisect_left(starts, end)))
    n_units = len(report.units)
    blind = actor in coding_round.coders
    codes = {} if blind else {c.id: c for c in db.session.scalars(
        select(Code).where(Code.id.in_(code_ids)))}  # fmt: skip
    if not blind:
        audit.record(actor, "round.agreement", "coding_round", coding_round.id, preview=True)
    return ClosePreview(
        n_units=n_units, codings={c: made[c.id] for c in coding_round.coders},
        uncoded={c: n_units - len(touched[c.id]) for c in coding_round.coders},
        report=None if blind else report, codes=codes,
        dropped=len(coding_round.releases) - len(releases),
    )  # fmt: skip


def close_round(actor, coding_round: CodingRound) -> None:
    """Close the round: the codings are fixed and agreement is shown to its members."""
    _check_closable(actor, coding_round)
    coding_round.closed_at = utcnow()
    db.session.flush()
    audit.record(actor, "round.close", "coding_round", coding_round.id)
