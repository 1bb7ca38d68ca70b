"""Keeping the placement register: participants, placements, the people in the child's story.

Every function takes the acting user and checks the permission itself. Reading identity data
goes through ``show_identity``, which writes the read to the audit log.
"""

import re
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from app.core import audit
from app.core.calendar import today
from app.core.db import Writer, db, one_writer
from app.core.permissions import PermissionDenied, authorize, can
from app.core.refusal import Refused
from app.core.users import Role, User
from app.participants.eligibility import Rules, Setting
from app.participants.follow_ups import follow_ups
from app.participants.identity import (
    CODE_PATTERN,
    IdNumberError,
    id_number_digest,
    normalise_id_number,
    normalise_phone,
)
from app.participants.models import Participant, Placement, PlacementWorker, RelatedPerson

IDENTITY_FIELDS = ("name", "birth_date", "id_number", "phone", "email", "address", "guardian")


class RegisterError(Refused, ValueError):
    """A change the register refuses; the message says why in the user's language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def rules() -> Rules:
    return current_app.config["ELIGIBILITY_RULES"]


def region() -> str:
    return current_app.config["COUNTRY"]


def next_code(year: int) -> str:
    """The next free pseudonymous code of the year: P-2025-001, P-2025-002, ..."""
    prefix = f"P-{year}-"
    one_writer(db.session, Writer.PARTICIPANT_CODES)  # two imports at once: not the same code
    last = db.session.scalar(
        select(Participant.code)
        .where(Participant.code.like(prefix + "%"))
        .order_by(func.length(Participant.code).desc(), Participant.code.desc())
        .limit(1)
    )
    number = int(last[len(prefix) :]) if last and last[len(prefix) :].isdigit() else 0
    return f"{prefix}{number + 1:03d}"


EARLIEST = date(1900, 1, 1)


def check_day(day: date | None, field: str) -> None:
    """Refuse a date in the future or before 1900 (a typing slip, not a real placement)."""
    if day is not None and not EARLIEST <= day <= today():
        raise RegisterError(_l("The date must be between 1900-01-01 and today."), field)


def _clean(identity: dict) -> dict:
    """Normalise the identity fields; RegisterError names the field that is wrong."""
    values = {key: (identity.get(key) or None) for key in IDENTITY_FIELDS}
    for key in ("name", "guardian"):
        if values[key]:
            values[key] = re.sub(r"\s+", " ", values[key]).strip() or None
    if values["address"]:
        # An address is written on several lines (street, c/o, postcode and town): keep them.
        lines = (" ".join(line.split()) for line in values["address"].splitlines())
        values["address"] = "\n".join(line for line in lines if line) or None
    if not values["name"]:
        raise RegisterError(_l("A name is required."), "name")
    if values["birth_date"] is None:
        raise RegisterError(_l("A birth date is required."), "birth_date")
    check_day(values["birth_date"], "birth_date")
    for key, normalise in (
        ("id_number", lambda v: normalise_id_number(v, values["birth_date"])),
        ("phone", lambda v: normalise_phone(v, region())),
    ):
        if values[key]:
            try:
                values[key] = normalise(values[key])
            except IdNumberError as problem:
                raise RegisterError(problem.message, key) from None
    return values


def _check_unique_id(number: str | None, participant: Participant | None) -> str | None:
    if number is None:
        return None
    digest = id_number_digest(number)
    holder = db.session.scalar(select(Participant).where(Participant.id_number_digest == digest))
    if holder is not None and holder is not participant:
        raise RegisterError(
            _l("This ID number is already registered as %(code)s.", code=holder.code), "id_number"
        )
    return digest


def create_participant(actor, *, code: str | None = None, language=None, **identity):
    """A new participant with the next code of the year (or the code it had elsewhere)."""
    authorize(actor, "participants.register")
    values = _clean(identity)
    digest = _check_unique_id(values["id_number"], None)
    if code:
        code = code.strip().upper()
        if not CODE_PATTERN.fullmatch(code):
            raise RegisterError(_l("A code looks like P-2025-017."), "code")
        if Participant.by_code(code) is not None:
            raise RegisterError(_l("The code %(code)s is already in use.", code=code), "code")
    participant = Participant(
        code=code or next_code(today().year),
        id_number_digest=digest,
        language=language or None,
        created_by_id=getattr(actor, "id", None),
        **values,
    )
    db.session.add(participant)
    db.session.flush()
    audit.record(actor, "participant.create", "participant", participant.id,
                 participant_ref=audit.participant_ref(participant.code))  # fmt: skip
    return participant


def update_participant(actor, participant: Participant, *, language=None, **identity) -> None:
    authorize(actor, "participants.register")
    values = _clean(identity)
    if any(values["birth_date"] > p.started_on for p in participant.placements):
        raise RegisterError(_l("The child cannot be born after a placement started."), "birth_date")
    participant.id_number_digest = _check_unique_id(values["id_number"], participant)
    changed = sorted(k for k, v in values.items() if getattr(participant, k) != v)
    for key, value in values.items():
        setattr(participant, key, value)
    participant.language = language or None
    audit.record(actor, "participant.update", "participant", participant.id, fields=changed)


def _workers(worker_ids, worker_names) -> list[PlacementWorker]:
    workers = []
    for user_id in dict.fromkeys(worker_ids or []):
        if db.session.get(User, int(user_id)) is None:
            raise RegisterError(_l("That social worker is not a user here."), "worker_ids")
        workers.append(PlacementWorker(user_id=int(user_id)))
    for name in dict.fromkeys(n.strip() for n in worker_names or [] if n.strip()):
        workers.append(PlacementWorker(name=name))
    return workers


def _check_dates(participant: Participant, started_on: date, ended_on: date | None) -> None:
    check_day(started_on, "started_on")
    check_day(ended_on, "ended_on")
    if ended_on is not None and ended_on < started_on:
        raise RegisterError(_l("The placement cannot end before it starts."), "ended_on")
    if participant.birth_date > started_on:
        raise RegisterError(
            _l("The placement cannot start before the child was born."), "started_on"
        )


def add_placement(
    actor,
    participant: Participant,
    *,
    started_on: date,
    ended_on: date | None,
    setting_at_end: Setting,
    custody_transferred: bool,
    worker_ids=(),
    worker_names=(),
) -> Placement:
    authorize(actor, "participants.register")
    _check_dates(participant, started_on, ended_on)
    placement = Placement(
        started_on=started_on,
        ended_on=ended_on,
        setting_at_end=Setting(setting_at_end).value,
        custody_transferred=bool(custody_transferred),
        workers=_workers(worker_ids, worker_names),
    )
    participant.placements.append(placement)
    db.session.flush()
    audit.record(actor, "placement.create", "placement", placement.id,
                 participant_ref=audit.participant_ref(participant.code))  # fmt: skip
    return placement


def update_placement(actor, placement: Placement, **fields) -> None:
    authorize(actor, "participants.register")
    _check_dates(placement.participant, fields["started_on"], fields["ended_on"])
    placement.started_on = fields["started_on"]
    placement.ended_on = fields["ended_on"]
    placement.setting_at_end = Setting(fields["setting_at_end"]).value
    placement.custody_transferred = bool(fields["custody_transferred"])
    placement.workers = _workers(fields.get("worker_ids"), fields.get("worker_names"))
    db.session.flush()
    audit.record(actor, "placement.update", "placement", placement.id)


def add_person(actor, participant: Participant, relation: str, name: str) -> RelatedPerson:
    authorize(actor, "participants.register")
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise RegisterError(_l("A name is required."), "name")
    person = RelatedPerson(relation=relation, name=name)
    participant.people.append(person)
    db.session.flush()
    audit.record(actor, "participant.person_add", "participant", participant.id, relation=relation)
    return person


def remove_person(actor, person: RelatedPerson) -> None:
    authorize(actor, "participants.register")
    participant = person.participant
    participant.people.remove(person)
    audit.record(
        actor, "participant.person_remove", "participant", participant.id, relation=person.relation
    )


def show_identity(actor, participants, purpose: str) -> None:
    """Allow and audit a read of these participants' identity data, or refuse it whole."""
    participants = list(participants)
    for participant in participants:
        if not can(actor, "participants.view", participant):
            raise PermissionDenied("participants.view")
    if not participants:
        return
    if len(participants) == 1:
        audit.record(
            actor, "participant.identity_read", "participant", participants[0].id, purpose=purpose
        )
    else:
        audit.record(
            actor,
            "participant.identity_read",
            "participant",
            None,
            purpose=purpose,
            ids=sorted(p.id for p in participants),
        )


def _visible(actor, assigned_only: bool = False, phones: bool = False):
    unlisted = [Participant.id_number, Participant.email, Participant.address,
                Participant.guardian] + ([] if phones else [Participant.phone])  # fmt: skip
    query = (
        select(Participant)
        .options(selectinload(Participant.placements).selectinload(Placement.offer))
        .options(*(defer(column) for column in unlisted))
        .order_by(Participant.code, Participant.id)
    )
    if assigned_only or not actor.has_role(Role.COORDINATOR):
        query = query.where(Participant.id.in_(follow_ups().assigned_ids(actor)))
    return query


def visible_participants(
    actor, assigned_only: bool = False, phones: bool = False
) -> list[Participant]:
    """Everyone for a coordinator; those assigned to the actor for an interviewer (or when
    ``assigned_only``). The assignment rule is the one ``is_assigned`` applies to one.

    For lists: the identity fields no list shows (and the phone unless ``phones``) are not
    loaded, so not decrypted, until a page about one person reads them.
    """
    return list(db.session.scalars(_visible(actor, assigned_only, phones)))


def visible_page(actor, page: int, size: int) -> tuple[list[Participant], int, int]:
    """One page of ``visible_participants`` by code, read alone (a register of fifteen
    thousand is not decrypted to show a hundred): (the page's people, how many there are in
    all, the page, kept within the pages there are)."""
    query = _visible(actor)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = min(max(1, page), max(1, -(-total // size)))
    return list(db.session.scalars(query.limit(size).offset((page - 1) * size))), total, page


def count_participants() -> int:
    return db.session.scalar(select(func.count(Participant.id)))


def interviewers() -> list[User]:
    """Active users who interview, by name: the choices for assignment and social workers."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    return [user for user in users if user.has_role(Role.INTERVIEWER)]
