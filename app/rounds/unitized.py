"""Unitized alpha of a round: agreement on the coded character ranges themselves (α-binary
per code and per group, cu-α per group, Cu-α overall), as ATLAS.ti reports it. Unlike the
kappa and alpha over units, it neither counts agreement on text nobody coded as one unit nor
depends on where lines or sentences break."""

from dataclasses import dataclass

from sqlalchemy import select

from analysis.unitized import EXPLANATION, UnitizedReport, unitized_agreement
from analysis.unitized_input import from_round, groups_from_parents
from app.codebook.models import Code
from app.core.db import db
from app.releases.models import Release
from app.workspace.models import CodingRound


@dataclass
class RoundUnitized:
    report: UnitizedReport
    #: id -> code, for every code and group (a top-level code) the report names
    codes: dict[int, Code]
    #: the plain-language help, untranslated: the page translates it
    explanation: dict

    @property
    def groups(self) -> list:
        """The groups with codings of more than one of their codes: for a group of one code,
        cu-α has nothing to tell apart and its α-binary is the code's."""
        return [g for g in self.report.per_group if len(g.codes) > 1]


def round_unitized(coding_round: CodingRound, releases: list[Release]) -> RoundUnitized:
    """Unitized alpha of the round's coders over ``releases`` (those still codable: the
    caller checks access), each release's text one stretch of the continuum in code points.
    Consensus codings are left out: they are the outcome, not a coder's choice. The groups
    of cu-α and Cu-α are the codebook's top-level codes."""
    lengths = {release.id: len(release.text) for release in releases}
    rows = [(c.coder_id, c.release_id, c.code_id, c.start_offset, c.end_offset)
            for c in coding_round.codings if not c.consensus]  # fmt: skip
    layout, per_coder = from_round(lengths, rows, [coder.id for coder in coding_round.coders])
    groups = groups_from_parents(dict(db.session.execute(select(Code.id, Code.parent_id)).all()))
    report = unitized_agreement(layout, per_coder, groups=groups)
    named = {f.key for f in report.per_code} | {f.key for f in report.per_group}
    codes = {c.id: c for c in db.session.scalars(select(Code).where(Code.id.in_(named)))}
    return RoundUnitized(report, codes, EXPLANATION)
