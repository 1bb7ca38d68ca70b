"""Agreement of a closed round (kappa, alpha, percentage, per code and overall, and unitized
alpha on the coded text), its disagreements, and the consensus that settles them."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize
from app.releases.models import Release
from app.rounds.queries import dropped_releases
from app.rounds.unitized import round_unitized
from app.workspace.access import may_code
from app.workspace.models import Coding, CodingRound


@dataclass
class RoundResult:
    report: object  # analysis.agreement.Report
    #: for each unit of the pooled text: (release, start, end) in the release's own offsets
    places: list[tuple[Release, int, int]]
    releases: list[Release]
    codes: dict[int, Code]
    #: (unit index, code id, {coder id: applied}) where the coders differ
    disagreements: list
    #: (unit index, code id) -> what the saved consensus says, for disagreements
    settled: dict
    #: the round's releases left out because consent no longer allows them (``Dropped``)
    dropped: list = ()
    #: unitized alpha on the coded character ranges (``unitized.RoundUnitized``)
    unitized: object = None

    @property
    def comparable(self) -> bool:
        """Whether there is anything to agree or disagree on: never claim agreement on
        zero units."""
        return self.report.n_units > 0

    def unit_text(self, index: int) -> str:
        release, start, end = self.places[index]
        return release.text[start:end]


def pooled(coding_round: CodingRound, releases: list[Release]):
    """The releases joined by newlines into one text (units never cross it), and each
    coder's codings shifted into it."""
    texts, shifts, position = [], {}, 0
    for release in releases:
        shifts[release.id] = position
        texts.append(release.text)
        position += len(texts[-1]) + 1
    codings = [
        (
            c.coder_id,
            c.code_id,
            c.start_offset + shifts[c.release_id],
            c.end_offset + shifts[c.release_id],
        )
        for c in coding_round.codings
        if not c.consensus and c.release_id in shifts
    ]
    return "\n".join(texts), shifts, codings  # fmt: skip


def round_agreement(actor, coding_round: CodingRound) -> RoundResult:
    """Kappa, alpha and percentage agreement of a closed round, per code and overall."""
    authorize(actor, "coding.work")
    if coding_round.is_open:
        raise CodingError(_l("Agreement is shown when the round is closed: until then the "
                             "coders code blind."))  # fmt: skip
    if not coding_round.seen_by(actor):
        raise PermissionDenied("coding.work")
    if len(coding_round.coders) < 2:
        raise CodingError(_l("A round needs at least two coders."))
    # A release whose consent no longer allows it drops out of the figures.
    releases = [r for r in coding_round.releases if may_code(actor, r)]
    from analysis import agreement as stats

    text, shifts, codings = pooled(coding_round, releases)
    code_ids = sorted({c[1] for c in codings})
    report = stats.agreement(text, coding_round.unit, [c.id for c in coding_round.coders],
                             codings, codes=code_ids)  # fmt: skip
    starts = sorted((shift, rid) for rid, shift in shifts.items())
    by_id = {r.id: r for r in releases}
    places = []
    for start, end in report.units:
        shift, rid = max((s, r) for s, r in starts if s <= start)
        places.append((by_id[rid], start - shift, end - shift))
    audit.record(actor, "round.agreement", "coding_round", coding_round.id)
    codes = {c.id: c for c in db.session.scalars(select(Code).where(Code.id.in_(code_ids)))}
    differ = stats.disagreements(text, coding_round.unit, [c.id for c in coding_round.coders],
                                 codings, codes=code_ids)  # fmt: skip
    settled = {}
    if coding_round.settled_at:
        consensus = [c for c in coding_round.codings if c.consensus]
        for unit, code_id, _ in differ:
            release, start, end = places[unit]
            settled[(unit, code_id)] = any(
                c.release_id == release.id and c.code_id == code_id and c.start_offset < end
                and c.end_offset > start for c in consensus)  # fmt: skip
    dropped = dropped_releases(actor, coding_round, releases)
    unitized = round_unitized(coding_round, releases)
    return RoundResult(report, places, releases, codes, differ, settled, dropped, unitized)


def settle(actor, coding_round: CodingRound, decisions: dict[tuple[int, int], bool]) -> int:
    """Write the round's consensus: every unit and code that all coders applied, and each
    disagreement as ``decisions`` settles it ((unit index, code id) -> applies). Settling
    again replaces the earlier consensus. Returns how many consensus codings were written."""
    authorize(actor, "rounds.manage")
    if not coding_round.run_by(actor):
        raise PermissionDenied("rounds.manage")
    result = round_agreement(actor, coding_round)
    if not result.comparable:
        raise CodingError(_l("There is nothing left to compare in this round, so there is no "
                             "consensus to save."))  # fmt: skip
    open_items = {(u, c) for u, c, _ in result.disagreements}
    missing = open_items - decisions.keys()
    if missing:
        raise CodingError(_l("Settle every disagreement before saving the consensus."))
    for old in [c for c in coding_round.codings if c.consensus]:
        db.session.delete(old)
    db.session.flush()
    applied = _applied(coding_round, result)
    written = 0
    for index, (release, start, end) in enumerate(result.places):
        for code_id in sorted(result.codes):
            agreed = applied.get((index, code_id))
            keep = decisions[(index, code_id)] if (index, code_id) in open_items else agreed
            if keep:
                db.session.add(Coding(release=release, code_id=code_id, coder_id=actor.id,
                                      start_offset=start, end_offset=end, consensus=True,
                                      round_id=coding_round.id))  # fmt: skip
                written += 1
    coding_round.settled_at = utcnow()
    db.session.flush()
    audit.record(actor, "round.settle", "coding_round", coding_round.id, codings=written)
    return written


def _applied(coding_round: CodingRound, result: RoundResult) -> dict[tuple[int, int], bool]:
    """(unit, code) -> True where every coder applied the code to the unit."""
    _, _, codings = pooled(coding_round, result.releases)
    coders = {c.id for c in coding_round.coders}
    who: dict[tuple[int, int], set[int]] = {}
    for index, (start, end) in enumerate(result.report.units):
        for coder, code, c_start, c_end in codings:
            if c_start < end and c_end > start:
                who.setdefault((index, code), set()).add(coder)
    return {key: coders <= found for key, found in who.items()}
