"""Recording consent, withdrawing it with its effects, and publishing consent form versions.

Every function takes the acting user, checks the permission on the interview, validates
everything before it writes, and writes an audit entry. A refused change raises
ConsentError with a message in the user's language and leaves nothing behind.
"""

import io
import json
from collections.abc import Callable
from datetime import date

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import func, select

from app.consent import gate, scans
from app.consent.models import (
    Channel,
    ConsentForm,
    ConsentGrant,
    ConsentRecord,
    Giver,
    Method,
    Withdrawal,
)
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY, ConsentText
from app.core import audit, storage
from app.core.calendar import today
from app.core.db import db
from app.core.i18n import format_day
from app.core.permissions import authorize
from app.core.refusal import Refused


class ConsentError(Refused, ValueError):
    """A refused change; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _scopes(names) -> list[Scope]:
    try:
        scopes = sorted({Scope(name) for name in names}, key=list(Scope).index)
    except ValueError:
        raise ConsentError(_l("There is no such consent scope."), "scopes") from None
    if not scopes:
        raise ConsentError(_l("Choose at least one scope."), "scopes")
    return scopes


def _live(interview) -> None:
    if interview.status in ("withdrawn", "cancelled"):
        raise ConsentError(_l("The interview is withdrawn or cancelled; its consent is closed."))


def record(actor, interview, *, giver: Giver, scopes, form: ConsentForm | None,
           method: Method, given_on: date, scan: tuple[str, bytes] | None = None,
           witness: str | None = None, guardian_name: str | None = None):  # fmt: skip
    """Record one person's consent to ``scopes`` under ``form``; all checked before saving.

    ``scan`` is (file name, bytes) of the signed paper. The scan is stored encrypted only
    after every other check has passed, and removed again if the transaction rolls back.
    """
    authorize(actor, "consent.record", interview)
    _live(interview)
    giver, method = Giver(giver), Method(method)
    chosen = _scopes(scopes)
    if Scope.PARTICIPATION not in chosen:
        raise ConsentError(
            _l("Taking part must be among the scopes: the others build on it."), "scopes"
        )
    if form is None:
        raise ConsentError(_l("Choose the consent form version that was used."), "form_id")
    if Scope.HEAR_BACK in chosen and form.text.scope(Scope.HEAR_BACK.value) is None:
        # a yes means what the young person read: a version that never asked has no yes
        raise ConsentError(
            _l("This version of the consent form does not ask about hearing back from the "
               "team; choose a version that does, or leave that scope out."), "scopes")  # fmt: skip
    if given_on > today():
        raise ConsentError(_l("Consent cannot be dated in the future."), "given_on")
    guardian_name = (guardian_name or "").strip() or None
    witness = (witness or "").strip() or None
    if giver is Giver.GUARDIAN:
        if not gate.guardian_required(interview):
            raise ConsentError(
                _l("No guardian's consent is needed: the participant is 18 or over on the "
                   "interview day."), "giver")  # fmt: skip
        if guardian_name is None:
            raise ConsentError(_l("Write the guardian's name."), "guardian_name")
    elif guardian_name:
        raise ConsentError(_l("A guardian's name belongs only to a guardian's consent."),
                           "guardian_name")  # fmt: skip
    content_type = None
    if method is Method.SIGNED_PAPER:
        if scan is None or not scan[1]:
            raise ConsentError(_l("Attach the scan of the signed form."), "scan")
        try:
            content_type = scans.content_type(scan[1])
        except scans.ScanProblem as problem:
            raise ConsentError(problem.message, "scan") from None
    elif witness is None:
        raise ConsentError(_l("Write who witnessed the verbal consent."), "witness")
    elif scan is not None and scan[1]:
        raise ConsentError(_l("A verbal consent has no scan."), "scan")

    entry = ConsentRecord(
        interview=interview,
        giver=giver.value,
        guardian_name=guardian_name,
        form_id=form.id,
        method=method.value,
        witness=witness if method is Method.VERBAL else None,
        given_on=given_on,
        recorded_by_id=actor.id,
        grants=[ConsentGrant(scope=scope.value) for scope in chosen],
    )
    if content_type is not None:
        stored = storage.save(io.BytesIO(scan[1]), "consent_scans")
        storage.delete_on_rollback(stored.name)
        entry.scan_name, entry.scan_type, entry.scan_size = stored.name, content_type, stored.size
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "consent.record", "interview", interview.id, record=entry.id,
                 giver=giver.value, scopes=[s.value for s in chosen], form=form.id,
                 method=method.value)  # fmt: skip
    return entry


#: scope -> [(order, effect)]: what withdrawing the scope does to stored data. The areas
#: that hold the data register their effects at app creation (``register_effect``), so that
#: consent, below them, knows none of them; the gate stops every path at once in any case.
_EFFECTS: dict[Scope, list[tuple[int, Callable]]] = {}


def register_effect(scope: Scope, effect: Callable, order: int) -> None:
    """Run ``effect(actor, interview)`` (returning [{"effect": key, "count": n}, ...]) when
    ``scope`` is withdrawn. Lower ``order`` runs first: what is derived from other data goes
    before the data it reads (the derived rows 10, releases 20, transcripts 30, the
    interview's own content 40). Registering the same effect again changes nothing."""
    entries = _EFFECTS.setdefault(Scope(scope), [])
    if (order, effect) not in entries:
        entries.append((order, effect))
        entries.sort(key=lambda entry: entry[0])


def effects(scope: Scope) -> list[Callable]:
    """The effects registered for ``scope``, in the order they run."""
    return [effect for _order, effect in _EFFECTS.get(Scope(scope), [])]


def withdraw(actor, interview, *, scopes, giver: Giver, withdrawn_on: date,
             channel: Channel, note: str | None = None) -> Withdrawal:  # fmt: skip
    """Take back consent to ``scopes`` (all of them when participation goes) and apply the
    effects in this same transaction: it all happens, or none of it."""
    authorize(actor, "consent.withdraw", interview)
    _live(interview)
    giver = Giver(giver)
    chosen = _scopes(scopes)
    everything = Scope.PARTICIPATION in chosen
    if everything:
        chosen = list(Scope)
    if giver is Giver.GUARDIAN and not gate.guardian_required(interview):
        raise ConsentError(
            _l("No guardian's consent is needed: the participant is 18 or over on the "
               "interview day."), "giver")  # fmt: skip
    # The young person's withdrawal ends the scope for everyone; a guardian's ends the
    # guardian's consent (which, for a minor, takes the scope out of force as well).
    # Withdrawing taking part ends everything, whoever asks.
    grants = [
        g for r in interview.consents for g in r.grants
        if g.withdrawal_id is None
        and (everything or giver is Giver.YOUNG_PERSON or r.giver == Giver.GUARDIAN.value)
    ]  # fmt: skip
    ending = [g for g in grants if Scope(g.scope) in chosen]
    missing = [s for s in chosen if not any(Scope(g.scope) is s for g in ending)]
    if Scope.PARTICIPATION not in chosen and missing:
        raise ConsentError(
            _l("Consent to %(scope)s is not in force, so it cannot be withdrawn.",
               scope=missing[0].label), "scopes")  # fmt: skip
    if not ending:
        raise ConsentError(_l("No consent is in force for this interview."), "scopes")
    if withdrawn_on > today():
        raise ConsentError(_l("A withdrawal cannot be dated in the future."), "withdrawn_on")
    given = max(g.record.given_on for g in ending)
    if withdrawn_on < given:
        raise ConsentError(
            _l("The withdrawal cannot be dated before the consent it ends (%(day)s).",
               day=format_day(given)), "withdrawn_on")  # fmt: skip
    withdrawal = Withdrawal(
        interview_id=interview.id,
        scopes=",".join(s.value for s in chosen),
        giver=giver.value,
        withdrawn_on=withdrawn_on,
        channel=Channel(channel).value,
        note=(note or "").strip() or None,
        recorded_by_id=actor.id,
    )
    db.session.add(withdrawal)
    db.session.flush()
    for grant in ending:
        grant.withdrawal_id = withdrawal.id
    done = [{"effect": "stopped", "scope": s.value} for s in chosen if s is not Scope.PARTICIPATION]
    for scope in chosen:
        for effect in effects(scope):
            done += effect(actor, interview)
    withdrawal.effects = json.dumps(done)
    db.session.flush()
    audit.record(actor, "consent.withdraw", "interview", interview.id, withdrawal=withdrawal.id,
                 scopes=[s.value for s in chosen], effects=done)  # fmt: skip
    return withdrawal


def read_records(actor, interview) -> list[ConsentRecord]:
    """The interview's consent records (they name guardians and witnesses): audited."""
    authorize(actor, "consent.view", interview)
    audit.record(actor, "consent.read", "interview", interview.id)
    return list(interview.consents)


def _identity(actor, entry: ConsentRecord) -> None:
    """Receipts and scans name the young person: the identity rule applies as well."""
    authorize(actor, "consent.view", entry.interview)
    authorize(actor, "participants.view", entry.interview.participant)


def read_receipt(actor, entry: ConsentRecord) -> ConsentRecord:
    """A receipt names the young person: an identity read, audited."""
    _identity(actor, entry)
    audit.record(actor, "consent.receipt", "participant", entry.interview.participant.id,
                 interview=entry.interview_id, record=entry.id)  # fmt: skip
    return entry


def open_scan(actor, entry: ConsentRecord):
    """The decrypted scan, chunk by chunk; audited."""
    _identity(actor, entry)
    if entry.scan_name is None:
        raise ConsentError(_l("This consent has no scan."))
    audit.record(actor, "consent.scan_read", "participant", entry.interview.participant.id,
                 interview=entry.interview_id, record=entry.id)  # fmt: skip
    return storage.open_plaintext(entry.scan_name)


def read_overview(actor, interview_ids: list[int]) -> None:
    """The overview tells which participants are minors (from their birth dates): audited."""
    authorize(actor, "consent.overview")
    audit.record(actor, "consent.overview_read", "interview", None, ids=interview_ids)


def forms_in_use() -> dict[int, int]:
    """How many consent records each form version holds."""
    rows = db.session.execute(
        select(ConsentRecord.form_id, func.count(ConsentRecord.id)).group_by(ConsentRecord.form_id)
    )
    return dict(rows.all())


def publish(actor, language: str, data: dict) -> ConsentForm:
    """Publish the next version of the consent form in ``language``."""
    authorize(actor, "consent.publish")
    try:
        text = ConsentText.model_validate({**data, "language": language})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "_".join(str(p) for p in first["loc"])
        raise ConsentError(_l("Every part of the form needs a text."), field) from None
    latest = ConsentForm.latest(FORM_KEY, language)
    if latest is not None and latest.content_hash == text.content_hash():
        raise ConsentError(_l("Nothing was changed, so no new version was published."))
    form = ConsentForm.from_text(FORM_KEY, (latest.version if latest else 0) + 1, text, actor)
    db.session.add(form)
    db.session.flush()
    audit.record(actor, "consent.form_publish", "consent_form", form.id, language=language,
                 version=form.version)  # fmt: skip
    return form
