"""A project from upload to import: the file waits, encrypted in the file store, while the
person looks at the preview and makes their choices; "Import" then applies exactly those,
and only to the same file, the same codebook and the same transcripts the preview showed.

A waiting file belongs to the person who uploaded it, is gone once imported or discarded,
and expires (``PREVIEW_LIFETIME``): nobody else sees it, and it does not stay for ever.
"""

import hashlib
import io
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.services import CodingError
from app.core import audit, storage
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.exchange.imports import MAX_QDPX_BYTES, apply_plan, read_project, readable
from app.exchange.models import STORE, ImportState, ProjectImport
from app.exchange.plan import Plan, make_plan, release_label
from app.workspace.queries import codable_releases

audit.ACTION_LABELS.update({
    "project.import_upload": _l("Project uploaded for an import preview (REFI-QDA)"),
    "project.import_discard": _l("Project import discarded"),
    "project.import_undo": _l("Project import undone (REFI-QDA)"),
})  # fmt: skip


def start(actor, filename: str, data: bytes) -> ProjectImport:
    """Keep an uploaded project (encrypted) for its preview; a file that cannot be read is
    refused here and nothing is kept."""
    authorize(actor, "codebook.manage")
    expire_stale()
    project, _ = read_project(data)  # refuses an unreadable file before anything is stored
    stored = storage.save(io.BytesIO(data), STORE, limit=MAX_QDPX_BYTES)
    storage.delete_on_rollback(stored.name)
    record = ProjectImport(imported_by_id=actor.id, filename=(filename or "project.qdpx")[-255:],
                           stored_name=stored.name, sha256=stored.sha256)  # fmt: skip
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "project.import_upload", "project_import", record.id,
                 sources=len(project.sources), bytes=stored.size)  # fmt: skip
    return record


def project_import(actor, import_id: int) -> ProjectImport | None:
    """The import ``import_id`` if it is ``actor``'s own (else None: nobody else sees it)."""
    authorize(actor, "codebook.manage")
    record = db.session.get(ProjectImport, import_id)
    return record if record is not None and record.imported_by_id == actor.id else None


def _waiting(actor, record: ProjectImport) -> None:
    authorize(actor, "codebook.manage")
    if record.imported_by_id != actor.id:
        raise CodingError(_l("This import is someone else's."))
    if record.state != ImportState.PREVIEWED.value or not record.stored_name:
        raise CodingError(_l("This file has already been imported or discarded."))
    if record.expired:
        raise CodingError(_l("The preview has expired; upload the file again."))


def preview(actor, record: ProjectImport, choices: dict | None = None) -> Plan:
    """What importing the waiting file with ``choices`` would do (``make_plan``); changes
    nothing. Refused when the file is not the one uploaded (its SHA-256 differs)."""
    _waiting(actor, record)
    try:
        data = b"".join(storage.open_plaintext(record.stored_name))
    except FileNotFoundError:
        raise CodingError(_l("The uploaded file is gone; upload it again.")) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != record.sha256:
        raise CodingError(_l("The uploaded file is not the one previewed; upload it again."))
    project, report = read_project(data)
    return make_plan(actor, project, report, digest, choices)


def apply(actor, record: ProjectImport, digest: str, choices: dict) -> dict:
    """Import the waiting file with the choices made on its preview. Refused, changing
    nothing, when the file, the codebook or the transcripts are no longer what the preview
    (whose ``digest`` the form brings back) showed, or a confirmed similar transcript is not
    the one shown."""
    plan = preview(actor, record, choices)
    shown = choices.get("confirmed", {})
    if digest != plan.digest or any(
        row.kind != "similar" or row.release.id != shown[row.index]
        for row in plan.sources
        if row.index in shown
    ):
        raise CodingError(_l("The codebook or the transcripts have changed since the preview; "
                             "look at it again before importing."))  # fmt: skip
    result, added = apply_plan(actor, plan, record.id)
    result["filename"] = record.filename
    storage.delete_after_commit(record.stored_name)
    record.stored_name = None
    record.state, record.imported_at = ImportState.IMPORTED.value, utcnow()
    record.report = json.dumps(result, ensure_ascii=False)
    record.added = json.dumps(added)
    return result


def discard(actor, record: ProjectImport) -> None:
    """Give up a waiting file: it is removed and cannot be imported."""
    authorize(actor, "codebook.manage")
    if record.imported_by_id != actor.id or record.state != ImportState.PREVIEWED.value:
        return
    _forget(record)
    audit.record(actor, "project.import_discard", "project_import", record.id)


def _forget(record: ProjectImport) -> None:
    if record.stored_name:
        storage.delete_after_commit(record.stored_name)
    record.stored_name, record.state = None, ImportState.DISCARDED.value


def expire_stale() -> int:
    """Remove every waiting file past its lifetime; returns how many."""
    stale = [r for r in db.session.scalars(select(ProjectImport).where(
        ProjectImport.state == ImportState.PREVIEWED.value)) if r.expired]  # fmt: skip
    for record in stale:
        _forget(record)
        audit.record(None, "project.import_discard", "project_import", record.id, expired=True)
    return len(stale)


def report_of(actor, record: ProjectImport) -> dict:
    """The import's report for its page: each transcript named as ``actor`` may see it
    now (one erased or out of reach since is named as no longer available)."""
    authorize(actor, "codebook.manage")
    if record.imported_by_id != actor.id:
        raise CodingError(_l("This import is someone else's."))
    result = record.report_dict
    labels = {r.id: release_label(r) for r in codable_releases(actor)}
    return readable(result, labels)
