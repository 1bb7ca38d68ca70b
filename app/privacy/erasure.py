"""Erasure of everything held about one participant (GDPR article 17).

One transaction removes the participant and every row that hangs from them: placements,
offers and reminders, interviews with memos and ethics flags, consent records and
withdrawals, recordings, transcripts, the pseudonym map, releases and the codings on them,
and the jobs and subject-access exports about them; the encrypted files go once it commits.
What stays is the audit trail, which names people only by a keyed digest of their code
(``audit.participant_ref``) and row ids, and one audit entry that the erasure was done with
a keyed, non-identifying reference and the counts. That entry is the erasure log:
``redthread backup`` copies it into the ledger beside the archives and ``redthread restore``
replays it (``replay_erasures``).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from app.consent.models import ConsentGrant, ConsentRecord, Withdrawal
from app.core import audit, jobs, storage
from app.core.crypto import lookup_digest
from app.core.db import db
from app.core.permissions import authorize
from app.exchange.models import ExchangeGuid, ProjectImport
from app.exchange.notes import note
from app.interviews.models import EthicsFlag, Interview, Memo
from app.letters.merged import erase_merged
from app.offers.models import Offer, Reminder
from app.participants.models import (
    ImportState,
    Participant,
    Placement,
    PlacementWorker,
    RegisterImport,
    RelatedPerson,
)
from app.releases.models import PseudonymMap, Release
from app.reviews.models import ReviewPack
from app.reviews.packs import PACK, destroy_pack
from app.transcripts.models import Recording, Transcript, TranscriptSegment
from app.workspace.models import Coding, round_release


class ErasureRefused(ValueError):
    """The erasure was not confirmed; the message is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Holdings:
    """The ids of every row held about one participant, and their stored files."""

    participant: Participant
    placements: list[int] = field(default_factory=list)
    offers: list[int] = field(default_factory=list)
    interviews: list[int] = field(default_factory=list)
    recordings: list[int] = field(default_factory=list)
    transcripts: list[int] = field(default_factory=list)
    releases: list[int] = field(default_factory=list)
    consents: list[int] = field(default_factory=list)
    withdrawals: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    job_subjects: list[str] = field(default_factory=list)


def _review_packs(held: Holdings) -> tuple[str, int]:
    """Review packs quote released passages: every pack quoting the person is destroyed,
    as when quotation is withdrawn (the person's consent to everything ends here). A pack
    being built may be about to quote them: its job is cancelled and the unbuilt pack
    destroyed (it can be built again)."""
    active = [state.value for state in jobs.ACTIVE_STATES]
    for job in db.session.scalars(
        select(jobs.Job).where(jobs.Job.kind == PACK, jobs.Job.state.in_(active))
    ):
        jobs.cancel(job)
    interviews = set(held.interviews)
    packs = db.session.scalars(select(ReviewPack).where(ReviewPack.destroyed_at.is_(None)))
    hit = [pack for pack in packs if pack.built_at is None or interviews & set(pack.quoted_ids)]
    for pack in hit:
        destroy_pack(pack, "quotation_withdrawn")
    return "review_packs", len(hit)


def _register_imports(held: Holdings) -> tuple[str, int]:
    """An uploaded register file not yet imported may list the person, and nothing says
    which file does without reading them all: every pending upload is discarded (its
    import job cancelled, its file deleted) and is uploaded again if still wanted."""
    pending = db.session.scalars(
        select(RegisterImport).where(RegisterImport.state == ImportState.UPLOADED.value)
    ).all()
    for upload in pending:
        if upload.job is not None and upload.job.active:
            jobs.cancel(upload.job)
        if upload.stored_name:
            storage.delete_after_commit(upload.stored_name)
        upload.state, upload.stored_name = ImportState.DISCARDED.value, None
    return "register_imports", len(pending)


def _import_reports(held: Holdings) -> tuple[str, int]:
    """A project import's report keeps the file's source names, which our own export writes
    as the participant's code: each entry about the person (one imported into their release,
    or naming their code) is named as erased instead."""
    code, releases, changed = held.participant.code, set(held.releases), 0
    for record in db.session.scalars(
        select(ProjectImport).where(ProjectImport.report.is_not(None))
    ):
        result, hit = record.report_dict, False
        for key in ("imported", "left_out", "dropped"):
            rows = []
            for row in result.get(key, []):
                about = code in json.dumps(row, ensure_ascii=False) or (
                    key == "imported" and len(row) > 1 and row[1] in releases
                )
                if about and key == "dropped":
                    row = note("erased")
                elif about:
                    row = [note("erased"), *row[1:]]
                hit = hit or about
                rows.append(row)
            result[key] = rows
        if hit:
            record.report = json.dumps(result, ensure_ascii=False)
            changed += 1
    return "import_reports", changed


def _merged_letters(held: Holdings) -> tuple[str, int]:
    """The year's letters in one file hold names and addresses: the files naming the person
    go now, not after the day they are kept."""
    return "merged_letters", erase_merged(held.participant.id)


#: Areas that copy data about a participant (quotes in a review pack, say) add a function
#: here: it gets the holdings, deletes its rows (files: storage.delete_after_commit) and
#: returns (name, count) for the audit entry.
ERASERS: list[Callable[[Holdings], tuple[str, int]]] = [
    _review_packs,
    _register_imports,
    _merged_letters,
    _import_reports,
]


def export_subject(participant_id: int) -> str:
    """The job subject of a participant's subject-access export."""
    return f"subject-access:{participant_id}"


def _ids(statement) -> list[int]:
    return list(db.session.scalars(statement))


def holdings(participant: Participant) -> Holdings:
    held = Holdings(participant)
    held.placements = _ids(select(Placement.id).where(Placement.participant_id == participant.id))
    held.offers = _ids(select(Offer.id).where(Offer.placement_id.in_(held.placements)))
    held.interviews = _ids(select(Interview.id).where(Interview.offer_id.in_(held.offers)))
    within = held.interviews
    held.recordings = _ids(select(Recording.id).where(Recording.interview_id.in_(within)))
    held.transcripts = _ids(select(Transcript.id).where(Transcript.interview_id.in_(within)))
    held.releases = _ids(select(Release.id).where(Release.interview_id.in_(within)))
    held.consents = _ids(select(ConsentRecord.id).where(ConsentRecord.interview_id.in_(within)))
    held.withdrawals = _ids(select(Withdrawal.id).where(Withdrawal.interview_id.in_(within)))
    held.files = [
        *db.session.scalars(select(Recording.stored_name).where(
            Recording.id.in_(held.recordings), Recording.stored_name.is_not(None))),
        *db.session.scalars(select(ConsentRecord.scan_name).where(
            ConsentRecord.id.in_(held.consents), ConsentRecord.scan_name.is_not(None))),
    ]  # fmt: skip
    held.job_subjects = [f"recording:{i}" for i in held.recordings]
    held.job_subjects.append(export_subject(participant.id))
    for job in db.session.scalars(
        select(jobs.Job).where(jobs.Job.subject == export_subject(participant.id))
    ):
        name = job.result_dict.get("file")
        if name:
            held.files.append(name)
    return held


def erasure_reference(code: str) -> str:
    """A keyed digest of the participant's code: finds them in a backup, names nobody."""
    return lookup_digest(code.strip().upper(), "erasure")


def _delete(model, *criteria) -> int:
    return db.session.execute(
        delete(model).where(*criteria).execution_options(synchronize_session="fetch")
    ).rowcount


def _erase(held: Holdings) -> dict[str, int]:
    """Delete every row of ``held``, children before parents; files once committed."""
    counts = {}
    interviews, releases = held.interviews, held.releases
    counts["codings"] = _delete(Coding, Coding.release_id.in_(releases))
    db.session.execute(delete(round_release).where(round_release.c.release_id.in_(releases)))
    _delete(ExchangeGuid, or_(
        (ExchangeGuid.kind == "release") & ExchangeGuid.entity_id.in_(releases),
        (ExchangeGuid.kind == "participant") & (ExchangeGuid.entity_id == held.participant.id),
    ))  # fmt: skip
    counts["releases"] = _delete(Release, Release.id.in_(releases))
    _delete(ConsentGrant, ConsentGrant.record_id.in_(held.consents))
    counts["consent_records"] = _delete(ConsentRecord, ConsentRecord.id.in_(held.consents))
    counts["withdrawals"] = _delete(Withdrawal, Withdrawal.id.in_(held.withdrawals))
    _delete(TranscriptSegment, TranscriptSegment.transcript_id.in_(held.transcripts))
    counts["transcripts"] = _delete(Transcript, Transcript.id.in_(held.transcripts))
    counts["jobs"] = _delete(jobs.Job, jobs.Job.subject.in_(held.job_subjects))
    counts["recordings"] = _delete(Recording, Recording.id.in_(held.recordings))
    counts["memos"] = _delete(Memo, Memo.interview_id.in_(interviews))
    counts["ethics_flags"] = _delete(EthicsFlag, EthicsFlag.interview_id.in_(interviews))
    counts["interviews"] = _delete(Interview, Interview.id.in_(interviews))
    _delete(Reminder, Reminder.offer_id.in_(held.offers))
    counts["offers"] = _delete(Offer, Offer.id.in_(held.offers))
    _delete(PlacementWorker, PlacementWorker.placement_id.in_(held.placements))
    counts["placements"] = _delete(Placement, Placement.id.in_(held.placements))
    counts["people"] = _delete(RelatedPerson, RelatedPerson.participant_id == held.participant.id)
    _delete(PseudonymMap, PseudonymMap.participant_id == held.participant.id)
    for eraser in ERASERS:
        name, count = eraser(held)
        counts[name] = count
    counts["files"] = len(held.files)
    for name in held.files:
        storage.delete_after_commit(name)
    _delete(Participant, Participant.id == held.participant.id)
    return counts


def erase(actor, participant: Participant, confirmation: str, replayed_from=None) -> dict:
    """Erase the participant everywhere, in the current transaction (the caller commits).

    ``confirmation`` must be the participant's code, typed by the person erasing.
    """
    if actor is not None:
        authorize(actor, "privacy.erase")
    if (confirmation or "").strip().upper() != participant.code:
        raise ErasureRefused(
            _l("The code you typed is not %(code)s; nothing was erased.", code=participant.code)
        )
    participant_id, reference = participant.id, erasure_reference(participant.code)
    counts = _erase(holdings(participant))
    detail = {"reference": reference, "counts": counts}
    if replayed_from:
        detail["replayed_from"] = replayed_from
    audit.record(actor, "participant.erase", "participant", participant_id, **detail)
    return counts


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def replay_erasures(entries: list[dict]) -> int:
    """Erase again, after a restore, whoever an erasure log entry names; how many were.

    An entry names a participant by the keyed digest of their code and applies only to the
    one registered before it was erased: a later participant who got the same code is kept.
    """
    latest: dict[str, datetime] = {}
    for entry in entries:
        moment = _moment(entry["erased"])
        latest[entry["reference"]] = max(moment, latest.get(entry["reference"], moment))
    if not latest:
        return 0
    erased = 0
    for participant in list(db.session.scalars(select(Participant).order_by(Participant.id))):
        moment = latest.get(erasure_reference(participant.code))
        if moment is not None and participant.created_at <= moment:
            erase(None, participant, participant.code, replayed_from=moment.isoformat())
            erased += 1
    return erased
