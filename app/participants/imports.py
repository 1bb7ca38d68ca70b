"""Importing an existing register: upload, column mapping and preview, then all rows or none.

The uploaded file is kept encrypted in the file store until it is imported or discarded.
The import itself runs as a background job in one transaction: one bad row and nothing is
imported.
"""

import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import support
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.config import LANGUAGES
from app.core import audit, job_queue, jobs, storage
from app.core.calendar import today
from app.core.db import db
from app.core.permissions import authorize
from app.core.users import User
from app.participants import import_columns, import_table, importer
from app.participants.identity import id_number_digest
from app.participants.import_columns import COLUMNS
from app.participants.import_table import ImportProblem, Table
from app.participants.importer import Row
from app.participants.models import (
    SETTING_LABELS,
    ImportState,
    Participant,
    RegisterImport,
    Relation,
)
from app.participants.services import (
    RegisterError,
    add_person,
    add_placement,
    create_participant,
    next_code,
)
from app.participants.services import region as phone_region

PEOPLE_COLUMNS = {
    "foster_parents": Relation.FOSTER_PARENT,
    "birth_parents": Relation.BIRTH_PARENT,
    "siblings": Relation.SIBLING,
    "other_people": Relation.OTHER,
}

jobs.KIND_LABELS["register.import"] = _l("Import a placement register")


@cache
def _catalog(language: str) -> support.Translations:
    return support.Translations.load(str(Path(__file__).parent.parent / "translations"), [language])


def _translated(labels: dict) -> dict:
    """key -> the label in every interface language, so exported files import anywhere.

    Read from the catalogs directly rather than by switching the locale, which depends on
    the request or job context it runs in.
    """
    out = {}
    for key, label in labels.items():
        msgid = getattr(label, "_args", (str(label),))[0]  # a lazy string's English text
        out[key] = [_catalog(language).gettext(msgid) for language in LANGUAGES]
    return out


def header_labels() -> dict[str, list[str]]:
    return _translated({c.key: c.label for c in COLUMNS})


def setting_labels() -> dict:
    names = _translated(SETTING_LABELS)
    return {import_columns.normal_name(n): setting for setting, ns in names.items() for n in ns}


def start(actor, filename: str, stream) -> RegisterImport:
    """Keep an uploaded register file (encrypted) and guess its column mapping."""
    authorize(actor, "participants.register")
    data = stream.read(import_table.MAX_BYTES + 1)
    table = import_table.read_table(data, filename)
    stored = storage.save(io.BytesIO(data), "imports")
    upload = RegisterImport(
        uploaded_by_id=actor.id,
        filename=filename[-255:],
        stored_name=stored.name,
        mapping=json.dumps(import_columns.guess_mapping(table.headers, header_labels())),
    )
    db.session.add(upload)
    db.session.flush()
    audit.record(
        actor, "register_import.upload", "register_import", upload.id, rows=len(table.rows)
    )
    return upload


def table_of(upload: RegisterImport) -> Table:
    if upload.state != ImportState.UPLOADED.value or not upload.stored_name:
        raise ImportProblem(_l("This file has already been imported or discarded."))
    try:
        data = b"".join(storage.open_plaintext(upload.stored_name))
    except FileNotFoundError:
        raise ImportProblem(_l("The uploaded file is gone; upload it again.")) from None
    return import_table.read_table(data, upload.filename)


@dataclass
class Preview:
    table: Table
    rows: list[Row]

    @property
    def errors(self) -> int:
        return sum(len(row.errors) for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def preview(actor, upload: RegisterImport, mapping: dict) -> Preview:
    """Every row checked against the file and the register; shows identity, so audited."""
    authorize(actor, "participants.register")
    table = table_of(upload)
    rows = importer.parse_rows(
        table, mapping, region=phone_region(), today=today(), setting_labels=setting_labels()
    )
    _check_against_register(rows)
    audit.record(actor, "register_import.preview", "register_import", upload.id, rows=len(rows))
    return Preview(table, rows)


def _check_against_register(rows: list[Row]) -> None:
    id_column = next(c for c in COLUMNS if c.key == "id_number")
    code_column = next(c for c in COLUMNS if c.key == "code")
    digests = {
        row.line: id_number_digest(row.values["id_number"])
        for row in rows
        if "id_number" in row.values
    }
    holders = dict(
        db.session.execute(
            select(Participant.id_number_digest, Participant.code).where(
                Participant.id_number_digest.in_(set(digests.values()))
            )
        ).all()
    )
    codes = {row.values["code"] for row in rows if "code" in row.values}
    taken = set(db.session.scalars(select(Participant.code).where(Participant.code.in_(codes))))
    users = {}
    for user in db.session.scalars(select(User)):
        users.setdefault(user.display_name.casefold(), user)
        users.setdefault(user.username.casefold(), user)
    for row in rows:
        holder = holders.get(digests.get(row.line))
        if holder:
            row.error(id_column, _l("already registered as %(code)s", code=holder))
        if row.values.get("code") in taken:
            row.error(code_column, _l("%(code)s is already in use", code=row.values["code"]))
        names = row.values.get("social_workers", [])
        row.values["worker_ids"] = [users[n.casefold()].id for n in names if n.casefold() in users]
        row.values["worker_names"] = [n for n in names if n.casefold() not in users]


def submit(actor, upload: RegisterImport, mapping: dict) -> jobs.Job:
    """Queue the import with this mapping; refused while any row has an error."""
    if upload.job is not None and upload.job.state_enum in jobs.ACTIVE_STATES:
        raise RegisterError(_l("This file is already being imported."))
    result = preview(actor, upload, mapping)
    if result.errors:
        raise RegisterError(_l("Correct the rows with errors first; nothing was imported."))
    upload.mapping = json.dumps(mapping)
    job = job_queue.submit("register.import", actor, import_id=upload.id)
    upload.job_id = job.id
    audit.record(actor, "register_import.submit", "register_import", upload.id, job=job.id)
    return job


@jobs.handler("register.import")
def run_import(job: jobs.Job) -> dict:
    """Background job: import every row in this one transaction, or fail and import none."""
    upload = db.session.get(RegisterImport, job.params_dict["import_id"])
    actor = job.created_by
    try:
        result = preview(actor, upload, {k: int(v) for k, v in json.loads(upload.mapping).items()})
    except ImportProblem as problem:
        raise jobs.JobError(str(problem.message)) from None
    if result.errors:
        raise jobs.JobError(
            ngettext(
                "%(num)d row has errors; nothing was imported.",
                "%(num)d rows have errors; nothing was imported.",
                result.rows_with_errors,
            )
        )
    # Checked: say so, then write every row in the one transaction that the job commits.
    # No progress is committed from here on, so a failure leaves nothing half-imported.
    jobs.set_progress(job, 0.5)
    total = len(result.rows)
    codes = _new_codes({row.values["code"] for row in result.rows if "code" in row.values})
    for row in result.rows:
        _import_row(actor, row, row.values.get("code") or next(codes))
    upload.state = ImportState.IMPORTED.value
    upload.imported_count = total
    storage.delete_after_commit(upload.stored_name)
    upload.stored_name = None
    audit.record(actor, "register_import.done", "register_import", upload.id, rows=total)
    return {"imported": total}


def _new_codes(in_file: set[str]):
    """Codes for the rows that bring none: the year's next numbers, skipping the file's own."""
    first = next_code(today().year)
    prefix, number = first.rsplit("-", 1)
    number = int(number)
    while True:
        code = f"{prefix}-{number:03d}"
        if code not in in_file:
            yield code
        number += 1


def _import_row(actor, row: Row, code: str) -> None:
    values = row.values
    try:
        participant = create_participant(
            actor,
            code=code,
            **{key: values.get(key) for key in ("name", "birth_date", "id_number", "phone")},
            **{key: values.get(key) for key in ("email", "address", "guardian")},
        )
        add_placement(
            actor,
            participant,
            started_on=values["started_on"],
            ended_on=values.get("ended_on"),
            setting_at_end=values["setting_at_end"],
            custody_transferred=values.get("custody_transferred", False),
            worker_ids=values["worker_ids"],
            worker_names=values["worker_names"],
        )
        for key, relation in PEOPLE_COLUMNS.items():
            for name in values.get(key, []):
                add_person(actor, participant, relation.value, name)
    except RegisterError as problem:
        message = _l("Line %(line)s: %(problem)s", line=row.line, problem=problem.message)
        raise jobs.JobError(str(message)) from None


def discard(actor, upload: RegisterImport) -> None:
    authorize(actor, "participants.register")
    if upload.state != ImportState.UPLOADED.value:
        return
    if upload.stored_name:
        storage.delete_after_commit(upload.stored_name)
    upload.state, upload.stored_name = ImportState.DISCARDED.value, None
    audit.record(actor, "register_import.discard", "register_import", upload.id)


def pending(actor) -> list[RegisterImport]:
    authorize(actor, "participants.register")
    return list(
        db.session.scalars(
            select(RegisterImport)
            .where(RegisterImport.state == ImportState.UPLOADED.value)
            .order_by(RegisterImport.id.desc())
        )
    )
