"""Coding released text with the codebook, blind rounds and their agreement.

Who codes what: a research partner codes the newest release of an interview whose consent
covers research use; a coordinator codes any newest release, for the team's own use. The
checks are here, whatever a page shows. Reading a release to code it is audited.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.codebook.models import Code
from app.codebook.queries import codebook
from app.codebook.services import MAX_MEMO, CodingError, whole
from app.coding.models import Coding, CodingRound, Unit
from app.consent import gate
from app.consent.models import ConsentRecord
from app.consent.scopes import Scope
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize
from app.core.text import clean
from app.core.users import Role, User
from app.interviews.models import Interview
from app.offers.models import Offer
from app.participants.models import Participant, Placement
from app.releases.models import Release
from app.transcripts.models import is_speaker, speaker_label

# --- who may code which release -------------------------------------------------------


def _newest(release: Release) -> bool:
    newest = db.session.scalar(select(func.max(Release.version))
                               .where(Release.interview_id == release.interview_id))  # fmt: skip
    return release.version == newest


def check_release(actor, release: Release) -> None:
    """Raise unless ``actor`` may code ``release`` (PermissionDenied or ConsentMissing)."""
    authorize(actor, "coding.work")
    if not _newest(release):
        raise PermissionDenied("coding.work")
    if actor.has_role(Role.COORDINATOR):
        gate.require(actor, release.interview, "transcript.read")
    else:
        gate.require(actor, release.interview, "research.read")


def _consent_loaded():
    """What the consent gate and the release lists read of each release's interview, loaded
    in a few queries instead of several per release: the consents with their grants, and of
    the participant only the code and the birth date (their identity is not decrypted)."""
    consents = selectinload(Interview.consents).options(
        load_only(ConsentRecord.giver), selectinload(ConsentRecord.grants)
    )
    participant = (joinedload(Interview.offer).joinedload(Offer.placement)
                   .joinedload(Placement.participant)
                   .load_only(Participant.code, Participant.birth_date))  # fmt: skip
    return selectinload(Release.interview).options(consents, participant)


def codable_releases(actor) -> list[Release]:
    """The newest release of every interview ``actor`` may code, oldest first."""
    authorize(actor, "coding.work")
    newest = (select(Release.interview_id, func.max(Release.version).label("version"))
              .group_by(Release.interview_id).subquery())  # fmt: skip
    rows = db.session.scalars(
        select(Release).join(newest, (Release.interview_id == newest.c.interview_id)
                             & (Release.version == newest.c.version))
        .options(_consent_loaded()).order_by(Release.id)
    ).all()  # fmt: skip
    path = "transcript.read" if actor.has_role(Role.COORDINATOR) else "research.read"
    allowed = {i.id for i in gate.consenting({r.interview for r in rows}, path)}
    return [r for r in rows if r.interview_id in allowed]


def read_release(actor, release: Release, coding_round: CodingRound | None = None) -> Release:
    """Open a release to code it: checked and audited."""
    check_release(actor, release)
    if coding_round is not None:
        _round_member(actor, coding_round, release)
    audit.record(actor, "release.read", "release", release.id, interview=release.interview_id,
                 purpose="coding", round=coding_round.id if coding_round else None)  # fmt: skip
    return release


# --- the codings one sees ----------------------------------------------------------------


#: what the workspace needs of a coding, read without building objects (a page may hold 1,000)
COLUMNS = (Coding.id, Coding.code_id, Coding.coder_id, Coding.start_offset, Coding.end_offset,
           Coding.memo, Coding.consensus)  # fmt: skip


def visible_codings(actor, release: Release, coding_round: CodingRound | None = None,
                    columns=None):  # fmt: skip
    """Shared and consensus codings; in an open round only the actor's own blind codings;
    in a closed round every coder's. With ``columns``, rows instead of objects."""
    query = select(*columns) if columns else select(Coding)
    query = query.where(Coding.release_id == release.id)
    if coding_round is None:
        query = query.where((Coding.round_id.is_(None)) | Coding.consensus)
    elif coding_round.is_open:
        query = query.where(Coding.round_id == coding_round.id, Coding.coder_id == actor.id,
                            ~Coding.consensus)  # fmt: skip
    else:
        query = query.where(Coding.round_id == coding_round.id, ~Coding.consensus)
    query = query.order_by(Coding.start_offset, Coding.id)
    return db.session.execute(query).all() if columns else db.session.scalars(query).all()


def in_round(actor, coding_round: CodingRound) -> bool:
    """A round's coders, its creator and coordinators see it; the others do not."""
    return (actor in coding_round.coders or actor.id == coding_round.created_by_id
            or actor.has_role(Role.COORDINATOR))  # fmt: skip


def runs_round(actor, coding_round: CodingRound) -> bool:
    """Only the round's creator or a coordinator closes it and settles its consensus."""
    return actor.id == coding_round.created_by_id or actor.has_role(Role.COORDINATOR)


def _round_member(actor, coding_round: CodingRound, release: Release) -> None:
    if release not in coding_round.releases or not in_round(actor, coding_round):
        raise PermissionDenied("coding.work")
    if coding_round.is_open and actor not in coding_round.coders:
        raise PermissionDenied("coding.work")


def _applicable(code_id) -> Code:
    code = db.session.get(Code, code_id) if whole(code_id) else None
    if code is None or not code.active:
        raise CodingError(_l("That code does not exist or has been retired."), "code")
    if not code.codable:
        raise CodingError(_l("%(name)s is a category: choose one of its codes.", name=code.name),
                          "code")  # fmt: skip
    return code


def apply(actor, release: Release, code_id, start, end, *, coding_round=None, memo="") -> Coding:
    """Mark [start, end) of the release's text (code points) with a code."""
    check_release(actor, release)
    if coding_round is not None:
        _round_member(actor, coding_round, release)
        if not coding_round.is_open:
            raise CodingError(_l("The round is closed: its codings no longer change."))
    code = _applicable(code_id)
    length = release.text_length
    if not (whole(start) and whole(end) and start < end <= length):
        raise CodingError(_l("The selection is outside the text; select the passage again."))
    coding = Coding(release=release, code=code, coder_id=actor.id, start_offset=start,
                    end_offset=end, memo=clean(memo or "").strip()[:MAX_MEMO] or None,
                    round_id=coding_round.id if coding_round else None)  # fmt: skip
    db.session.add(coding)
    db.session.flush()
    return coding


def _own(actor, coding: Coding) -> None:
    check_release(actor, coding.release)
    if coding.coder_id != actor.id or coding.consensus:
        raise CodingError(_l("Only the coder who made a coding can change it."))
    if coding.round is not None and not coding.round.is_open:
        raise CodingError(_l("The round is closed: its codings no longer change."))


def remove(actor, coding: Coding) -> None:
    _own(actor, coding)
    db.session.delete(coding)
    db.session.flush()


def set_memo(actor, coding: Coding, memo: str) -> None:
    _own(actor, coding)
    coding.memo = clean(memo or "").strip()[:MAX_MEMO] or None
    db.session.flush()


def saved_summary(actor, release: Release, coding_round: CodingRound | None = None) -> str:
    """What the actor's codings of this release (in this round) now are, as a statement for
    the workspace's status line: "Saved: 3 codes on 2 passages."."""
    spans = db.session.execute(
        select(Coding.start_offset, Coding.end_offset).where(
            Coding.release_id == release.id, Coding.coder_id == actor.id,
            Coding.round_id == (coding_round.id if coding_round else None),
            ~Coding.consensus,
        )
    ).all()  # fmt: skip
    if not spans:
        return _("Saved: you have no codings in this text.")
    codes = ngettext("%(num)d code", "%(num)d codes", len(spans))
    passages = ngettext("%(num)s passage", "%(num)s passages", len(set(spans)))
    return _("Saved: %(codes)s on %(passages)s.", codes=codes, passages=passages)


def coding_json(coding) -> dict:
    """A coding (or a row of COLUMNS) as the workspace's script reads it."""
    return {"id": coding.id, "code": coding.code_id, "coder": coding.coder_id,
            "start": coding.start_offset, "end": coding.end_offset, "memo": coding.memo or "",
            "consensus": coding.consensus}  # fmt: skip


def suggestions(actor, release: Release, start: int, end: int, limit: int = 5) -> list[dict]:
    """Codes proposed for a passage from their keywords and definitions; never applied."""
    from analysis.suggest import CodeInfo, suggester

    check_release(actor, release)
    text = release.text
    if not (whole(start) and whole(end) and start < end <= len(text)):
        raise CodingError(_l("The selection is outside the text; select the passage again."))
    codes = [c for c in codebook() if c.active and c.codable]
    infos = tuple(CodeInfo(id=c.id, name=c.name,
                      definition=" ".join((c.definition, c.when_to_use, c.example)),
                      keywords=tuple(c.keyword_list)) for c in codes)  # fmt: skip
    found = suggester(release.interview.language, infos).suggest(text[start:end], limit=limit)
    return [{"code": s.code_id, "score": round(s.score, 3), "triggers": list(s.triggers),
             "similarity": round(s.similarity, 3)} for s in found]  # fmt: skip


def speaker_marks(release: Release) -> list[dict]:
    """Where each segment of the released text starts (code points) and who speaks in it,
    as a role ("Interviewer", "Speaker 2"): never a name, the text is pseudonymised."""
    marks, start = [], 0
    for segment in release.segments:
        if segment.get("speaker") and is_speaker(segment["speaker"]):
            marks.append({"start": start, "speaker": str(speaker_label(segment["speaker"]))})
        start += len(segment["text"]) + 1
    return marks


# --- blind rounds and agreement ------------------------------------------------------------


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


def rounds_for(actor) -> list[CodingRound]:
    authorize(actor, "coding.work")
    rounds = db.session.scalars(select(CodingRound).order_by(CodingRound.id.desc())).all()
    if actor.has_role(Role.COORDINATOR):
        return rounds
    return [r for r in rounds if in_round(actor, r)]


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
    if not runs_round(actor, coding_round):
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
    text, _shifts, codings = _pooled(coding_round, releases)
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

    @property
    def comparable(self) -> bool:
        """Whether there is anything to agree or disagree on: never claim agreement on
        zero units."""
        return self.report.n_units > 0

    def unit_text(self, index: int) -> str:
        release, start, end = self.places[index]
        return release.text[start:end]


@dataclass
class Dropped:
    """A release of a round that no longer counts, and why."""

    release: Release
    #: "research_use" or "participation" when a withdrawal ended it, else None
    scope: str | None
    withdrawn_on: object  # date | None


def dropped_releases(actor, coding_round: CodingRound, kept: list[Release]) -> list[Dropped]:
    """The round's releases that ``actor`` no longer codes, each with the withdrawal that
    took it out, so that a page can say what happened instead of showing empty figures."""
    found = []
    for release in coding_round.releases:
        if release in kept:
            continue
        ended = [(w, scope) for w in release.interview.withdrawals for scope in w.scope_list
                 if scope in (Scope.RESEARCH_USE, Scope.PARTICIPATION)]  # fmt: skip
        if ended:
            withdrawal, scope = ended[-1]
            found.append(Dropped(release, scope.value, withdrawal.withdrawn_on))
        else:
            found.append(Dropped(release, None, None))
    return found


def may_code(actor, release: Release) -> bool:
    """check_release as a question: no refusal is recorded."""
    if not actor.has_role(Role.RESEARCHER, Role.COORDINATOR) or not _newest(release):
        return False
    path = "transcript.read" if actor.has_role(Role.COORDINATOR) else "research.read"
    return gate.allows(release.interview, path)


def _pooled(coding_round: CodingRound, releases: list[Release]):
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
    if not in_round(actor, coding_round):
        raise PermissionDenied("coding.work")
    if len(coding_round.coders) < 2:
        raise CodingError(_l("A round needs at least two coders."))
    # A release whose consent no longer allows it drops out of the figures.
    releases = [r for r in coding_round.releases if may_code(actor, r)]
    from analysis import agreement as stats

    text, shifts, codings = _pooled(coding_round, releases)
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
    return RoundResult(report, places, releases, codes, differ, settled, dropped)


def settle(actor, coding_round: CodingRound, decisions: dict[tuple[int, int], bool]) -> int:
    """Write the round's consensus: every unit and code that all coders applied, and each
    disagreement as ``decisions`` settles it ((unit index, code id) -> applies). Settling
    again replaces the earlier consensus. Returns how many consensus codings were written."""
    authorize(actor, "rounds.manage")
    if not runs_round(actor, coding_round):
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
    _, _, codings = _pooled(coding_round, result.releases)
    coders = {c.id for c in coding_round.coders}
    who: dict[tuple[int, int], set[int]] = {}
    for index, (start, end) in enumerate(result.report.units):
        for coder, code, c_start, c_end in codings:
            if c_start < end and c_end > start:
                who.setdefault((index, code), set()).add(coder)
    return {key: coders <= found for key, found in who.items()}
