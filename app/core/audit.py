"""The append-only audit log: who read or changed what, when, and from where.

``record`` adds an entry to the current transaction; it is linked into the chain and
written when the transaction commits, together with the change it records, or not at all
(``audit_chain``; the entry and its seal are in ``audit_entry``). A refusal or a failed
login is recorded after the request's own transaction is over (``record_security_event``).

A participant is named in a detail by a keyed digest of their code (``participant_ref``),
never by the code itself: after an erasure the log names nobody, while the admin page shows
the code for as long as the participant is registered (``shown_detail``). Entries written
before that held the code in clear; migration 0015 replaced it with the digest
(``redact_clear_codes``). Such an entry keeps its hash, so the chain and any copy of its
head stay valid, and carries a second HMAC over what it now says, bound to that hash: the
digest cannot be changed back or forged without the key either.
"""

import hmac
import json
from collections.abc import Callable

from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit_chain import PENDING
from app.core.audit_entry import AuditEntry
from app.core.crypto import lookup_digest
from app.core.db import db, utcnow

#: the detail key that names a participant, by ``participant_ref``
PARTICIPANT_REF = "participant_ref"
#: the detail keys that held a participant's code in clear before migration 0015, by action
CLEAR_CODE_KEYS = {"participant.create": "code", "placement.create": "participant"}

#: what an action means, for the audit page; areas add their own actions here
ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "auth.login_failed": _l("Failed login"),
    "auth.login_refused": _l("Login refused"),
    "auth.password_accepted": _l("Password accepted, code asked for"),
    "two_factor.enrol": _l("Two-factor login set up"),
    "two_factor.enrol_failed": _l("Two-factor set-up code wrong"),
    "two_factor.enrol_refused": _l("Two-factor set-up refused: wrong password"),
    "two_factor.code_failed": _l("Two-factor code wrong"),
    "two_factor.code_replayed": _l("Two-factor code used again"),
    "two_factor.recovery_used": _l("Recovery code used"),
    "two_factor.codes_regenerated": _l("New recovery codes made"),
    "two_factor.codes_refused": _l("New recovery codes refused"),
    "two_factor.disable": _l("Two-factor login turned off"),
    "two_factor.disable_refused": _l("Turning off two-factor login refused"),
    "two_factor.reset": _l("Two-factor login reset"),
    "access.denied": _l("Access refused"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.activate": _l("User reactivated"),
    "user.deactivate": _l("User deactivated"),
    "user.password_set": _l("Password set"),
    "user.password_change_failed": _l("Password change refused"),
    "audit.verify_requested": _l("Audit log verification started"),
    "keys.rotate": _l("Encryption keys rotated"),
    "storage.stray_removed": _l("Stray stored file removed"),
    "demo.load": _l("Demo data loaded"),
    "participant.create": _l("Participant registered"),
    "participant.update": _l("Participant changed"),
    "participant.identity_read": _l("Identity data read"),
    "participant.export": _l("Register exported"),
    "participant.access_export": _l("Subject access export started"),
    "participant.access_download": _l("Subject access export downloaded"),
    "participant.erase": _l("Participant erased"),
    "backup.restore": _l("Backup restored"),
    "participant.person_add": _l("Person in the child's story added"),
    "participant.person_remove": _l("Person in the child's story removed"),
    "placement.create": _l("Placement registered"),
    "placement.update": _l("Placement changed"),
    "register_import.upload": _l("Register file uploaded"),
    "register_import.preview": _l("Register file previewed"),
    "register_import.submit": _l("Register import started"),
    "register_import.done": _l("Register imported"),
    "register_import.discard": _l("Register file discarded"),
    "offer.create": _l("Interview offered"),
    "offer.answer": _l("Answer recorded"),
    "offer.remind": _l("Reminder recorded"),
    "offer.assign": _l("Interviewer assigned"),
    "offer.interviewed": _l("Interview recorded as held"),
    "offer.close": _l("Follow-up closed without interview"),
    "offer.reopen": _l("Follow-up reopened"),
    "guide.sync": _l("Interview guide version stored"),
    "guide.keys": _l("Interview guide questions named"),
    "interview.book": _l("Interview booked"),
    "interview.reschedule": _l("Interview moved"),
    "interview.cancel": _l("Interview cancelled"),
    "interview.conduct": _l("Interview conducted"),
    "interview.advance": _l("Interview status changed"),
    "interview.withdraw": _l("Interview withdrawn"),
    "interview.memos_read": _l("Memos read"),
    "interview.memo_save": _l("Memo saved"),
    "flag.raise": _l("Ethics flag raised"),
    "flag.read": _l("Ethics flags read"),
    "flag.resolve": _l("Ethics flag resolved"),
    "consent.record": _l("Consent recorded"),
    "consent.withdraw": _l("Consent withdrawn"),
    "consent.read": _l("Consent records read"),
    "consent.receipt": _l("Consent receipt shown"),
    "consent.scan_read": _l("Consent scan downloaded"),
    "consent.denied": _l("Refused: no consent"),
    "consent.overview_read": _l("Consent overview read"),
    "consent.form_publish": _l("Consent form version published"),
    "audio.upload": _l("Recording uploaded"),
    "audio.play": _l("Recording played"),
    "audio.download": _l("Recording downloaded"),
    "audio.destroy": _l("Recording destroyed"),
    "audio.retention": _l("Recording retention shortened"),
    "transcript.transcribe": _l("Transcription started"),
    "transcript.cancel": _l("Transcription cancelled"),
    "transcript.create": _l("Transcript version stored"),
    "transcript.read": _l("Transcript read"),
    "transcript.edit": _l("Transcript edited"),
    "transcript.speakers": _l("Transcript speakers named"),
    "transcript.verify": _l("Transcript verified"),
    "transcript.guide_links": _l("Transcript passages linked to the guide"),
    "transcript.export": _l("Transcript exported"),
    "transcript.release": _l("Transcript released"),
    "pseudonym_map.read": _l("Pseudonym map read"),
    "release.read": _l("Released transcript read"),
    "codebook.change": _l("Codebook changed"),
    "codebook.merge": _l("Codes merged"),
    "codebook.seed": _l("Starting codebook added"),
    "codebook.export": _l("Codebook exported"),
    "codebook.import": _l("Codebook imported"),
    "coding.retrieve": _l("Coded passages read"),
    "coding.export": _l("Coded passages exported"),
    "project.export": _l("Project exported (REFI-QDA)"),
    "project.import": _l("Project imported (REFI-QDA)"),
    "round.create": _l("Coding round created"),
    "round.close": _l("Coding round closed"),
    "round.agreement": _l("Agreement read"),
    "round.settle": _l("Consensus saved"),
    "theme.save": _l("Theme saved"),
    "theme.delete": _l("Theme deleted"),
    "goal.create": _l("Goal created"),
    "goal.revise": _l("Goal revised"),
    "goal.retire": _l("Goal retired"),
    "goal.link": _l("Code or theme linked to a goal"),
    "goal.unlink": _l("Link to a goal removed"),
    "goal.quotes_read": _l("Quotes for a goal read"),
    "guideline.save": _l("Guideline saved"),
    "guideline.retire": _l("Guideline retired"),
    "review.agenda_template": _l("Review agenda template changed"),
    "review.create": _l("Review session created"),
    "review.update": _l("Review session changed"),
    "review.status": _l("Review session status changed"),
    "review.note": _l("Review note written"),
    "review.note_delete": _l("Review note deleted"),
    "review.action": _l("Review action added"),
    "review.action_update": _l("Review action followed up"),
    "review.pack_start": _l("Review pack build started"),
    "review.pack_build": _l("Review pack built"),
    "review.pack_read": _l("Review pack read"),
    "review.quotes_read": _l("Quotes to prepare read"),
    "review.minutes": _l("Review minutes downloaded"),
    "backup.create": _l("Backup written"),
    "casereview.round": _l("Case review round opened"),
    "casereview.schedule": _l("Case review scheduled"),
    "casereview.close": _l("Case review closed"),
    "casereview.note": _l("Case review note written"),
    "casereview.note_done": _l("Case review item done"),
    "casereview.status": _l("Case review status sent"),
    "calendar.create": _l("Calendar address made"),
    "calendar.reset": _l("Calendar address reset"),
}


def action_label(action: str):
    return ACTION_LABELS.get(action, action)


def participant_ref(code: str) -> str:
    """How an audit detail names a participant: a keyed digest of their code. The key is
    outside the database; once the participant is erased the digest names nobody."""
    return lookup_digest(code.strip().upper(), "audit-participant")


#: {detail key: function giving {reference: what it names} for what still exists}; areas
#: add theirs (participants: ``participant_ref`` -> code)
REFERENCE_LOOKUPS: dict[str, Callable[[], dict[str, str]]] = {}


def shown_detail(entry: AuditEntry) -> str:
    """The detail as the audit page shows it: a reference to someone still registered is
    shown as what it names (the participant's code); one to an erased person stays a
    digest."""
    detail = entry.detail_dict
    if not detail:
        return ""
    found = {key: detail[key] for key in REFERENCE_LOOKUPS if isinstance(detail.get(key), str)}
    if not found:
        return entry.detail
    cache = g.setdefault("audit_references", {}) if has_app_context() else {}
    for key, reference in found.items():
        if key not in cache:
            cache[key] = REFERENCE_LOOKUPS[key]()
        detail[key] = cache[key].get(reference, reference)
    return json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False)


def redact_clear_codes(connection) -> int:
    """Replace the clear participant codes of entries written before 0015 by their
    ``participant_ref``, each sealed with ``compute_redaction``; how many were.

    For migration 0015, with the append-only triggers lifted for its transaction. An entry
    whose hash does not verify is left as it is, so that the check still finds it: a
    redaction never vouches for an entry that was changed.
    """
    table = AuditEntry.__table__
    rows = connection.execute(
        select(table).where(table.c.action.in_(list(CLEAR_CODE_KEYS))).order_by(table.c.id)
    ).mappings()
    done = 0
    for row in list(rows):
        entry = AuditEntry(**dict(row))
        detail = entry.detail_dict
        code = detail.get(CLEAR_CODE_KEYS[entry.action])
        if entry.redaction is not None or not isinstance(code, str):
            continue
        if not hmac.compare_digest(entry.compute_hash(), entry.hash):
            continue
        del detail[CLEAR_CODE_KEYS[entry.action]]
        detail[PARTICIPANT_REF] = participant_ref(code)
        entry.detail = json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False)
        connection.execute(
            table.update()
            .where(table.c.id == entry.id)
            .values(detail=entry.detail, redaction=entry.compute_redaction())
        )
        done += 1
    return done


def _origin() -> str:
    if has_request_context():
        return (request.remote_addr or "unknown")[:64]
    return getattr(g, "audit_origin", "cli") if g else "cli"


def record(
    actor,
    action: str,
    object_type: str | None = None,
    object_id=None,
    **detail,
) -> AuditEntry:
    """Append an entry to the current transaction: written, and linked into the chain, when
    the transaction commits, together with the change it records (or not at all)."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=(getattr(actor, "username", None) or "system")[:64],
        origin=_origin(),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False),
    )
    session = db.session()
    if not session.in_transaction():
        # Begun here, so that a rollback before any statement still ends a transaction
        # and takes this entry with it (``audit_chain._forget_unwritten``).
        session.begin()
    session.info.setdefault(PENDING, []).append(entry)
    return entry


def record_security_event(actor, action: str, **detail) -> None:
    """An entry that must survive the request's rollback (a refusal, a failed login).

    Written once the request's own transaction is over: see ``finish_request``.
    """
    pending = g.setdefault("security_events", [])
    pending.append((actor, action, detail))


def record_denial(actor, action: str, path: str) -> None:
    record_security_event(actor, "access.denied", permission=action, path=path)


def write_security_events() -> None:
    for actor, action, detail in g.pop("security_events", []):
        record(actor, action, "user" if actor else None, getattr(actor, "id", None), **detail)
