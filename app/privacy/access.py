"""Subject access (GDPR article 15): everything held about one participant, in one ZIP.

The ZIP holds a readable summary (``summary.html``, in the young person's language, whoever
made the export: ``report.young_persons_language``), the same data as ``data.json``, and the
participant's files decrypted (recordings, consent scans), less what the coordinator chose
to leave out to protect others (GDPR art. 15(4); see ``report.collect``). It is built by a
background job and streamed straight into the encrypted file store, so no plaintext copy
touches the disk; it is kept for ``KEEP`` and then removed.
"""

import json
import os
import threading
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select

from app.core import audit, job_queue, jobs, storage
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.participants.models import Participant
from app.privacy.erasure import export_subject
from app.privacy.report import COPY_KEPT_DAYS, collect, summary_labels, young_persons_language

EXPORT = "privacy.subject_access"
KEEP = timedelta(days=COPY_KEPT_DAYS)
jobs.KIND_LABELS[EXPORT] = _l("Subject access export")


class ExportRefused(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def exports_of(participant: Participant) -> list[jobs.Job]:
    return list(db.session.scalars(
        select(jobs.Job).where(jobs.Job.subject == export_subject(participant.id))
        .order_by(jobs.Job.id.desc())
    ))  # fmt: skip


def expire_exports() -> int:
    """Remove the export files older than KEEP (their rows stay, marked expired)."""
    done = 0
    cutoff = utcnow() - KEEP
    for job in db.session.scalars(select(jobs.Job).where(
        jobs.Job.kind == EXPORT, jobs.Job.state == jobs.JobState.SUCCEEDED.value,
        jobs.Job.finished_at < cutoff,
    )):  # fmt: skip
        name = job.result_dict.get("file")
        if name:
            storage.delete_after_commit(name)
            job.result = json.dumps({"expired": True})
            done += 1
    return done


def discard_exports(participant: Participant) -> int:
    """Remove the participant's export files still in the store (participation withdrawn:
    they copy what is erased); the rows stay, marked expired. How many went."""
    done = 0
    for job in exports_of(participant):
        if job.active:
            jobs.cancel(job)
        name = job.result_dict.get("file")
        if name:
            storage.delete_after_commit(name)
            job.result = json.dumps({"expired": True})
            done += 1
    return done


def start_export(
    actor,
    participant: Participant,
    withhold_flags: bool = True,
    withhold_others: bool = True,
    controller: str = "",
) -> jobs.Job:
    """Queue the export; one at a time per participant. ``withhold_flags`` and
    ``withhold_others`` are the coordinator's review (see ``report.collect``): kept in the
    job and in the audit entry. ``controller`` is whom the summary tells the young person
    to contact (the team or municipality); empty: the configured consent contact."""
    authorize(actor, "privacy.access")
    expire_exports()
    subject = export_subject(participant.id)
    if jobs.active_job(subject) is not None:
        raise ExportRefused(_l("An export for %(code)s is already being made.",
                               code=participant.code))  # fmt: skip
    choices = {"withhold_flags": bool(withhold_flags), "withhold_others": bool(withhold_others)}
    controller = " ".join((controller or "").split())[:300]
    job = job_queue.submit(EXPORT, actor, subject=subject, participant_id=participant.id,
                      controller=controller, **choices)  # fmt: skip
    audit.record(actor, "participant.access_export", "participant", participant.id, job=job.id,
                 **choices)  # fmt: skip
    return job


def export_file(actor, job: jobs.Job) -> tuple[Participant, str]:
    """The participant and stored file of a finished export, audited as a download."""
    authorize(actor, "privacy.access")
    participant_id = job.params_dict.get("participant_id")
    participant = db.session.get(Participant, participant_id) if participant_id else None
    name = job.result_dict.get("file")
    if job.kind != EXPORT or participant is None or not name or not storage.exists(name):
        raise ExportRefused(_l("This export is not available (any more)."))
    audit.record(actor, "participant.access_download", "participant", participant.id, job=job.id)
    return participant, name


def _save_streamed(write: Callable[[BinaryIO], int]) -> tuple[storage.StoredFile, int]:
    """Encrypt into the store what ``write`` writes, through a pipe: no plaintext on disk."""
    app = current_app._get_current_object()
    read_end, write_end = os.pipe()
    outcome = {}

    def consume():
        with app.app_context(), os.fdopen(read_end, "rb") as src:
            try:
                outcome["stored"] = storage.save(src, "exports")
            except BaseException as error:  # handed to the writer's thread below
                outcome["error"] = error

    thread = threading.Thread(target=consume, name="export-writer", daemon=True)
    thread.start()
    try:
        with os.fdopen(write_end, "wb") as sink:
            count = write(sink)
    except BaseException:
        thread.join()
        if "stored" in outcome:  # the reader saw the pipe close and kept a partial file
            storage.delete(outcome["stored"].name)
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["stored"], count


def _write_zip(sink: BinaryIO, data: dict, files: list[tuple[str, str]], progress) -> int:
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=1, ensure_ascii=False, default=str))
        # No request here: the template is rendered without the page's context processors.
        summary = current_app.jinja_env.get_template("privacy/summary.html")
        archive.writestr(
            "summary.html",
            summary.render(
                data=data, language=str(get_locale()), has_files=bool(files), **summary_labels()
            ),
        )
        for done, (stored_name, name) in enumerate(files, start=1):
            info = zipfile.ZipInfo(f"files/{name}", date_time=utcnow().timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED  # audio and scans are compressed already
            with archive.open(info, "w", force_zip64=True) as dst:
                for chunk in storage.open_plaintext(stored_name):
                    dst.write(chunk)
            progress(done / (len(files) + 1))
    return len(files)


@jobs.handler(EXPORT)
def build_export(job: jobs.Job) -> dict:
    """The job: collect, write the ZIP into the store, record the read of identity data."""
    actor = job.created_by
    params = job.params_dict
    participant = db.session.get(Participant, params["participant_id"])
    if participant is None:
        raise jobs.JobError(_("The participant is no longer in the register."))
    authorize(actor, "privacy.access")
    # The summary is for the young person: in their language, whoever made the export.
    with force_locale(young_persons_language(participant)):
        # A job queued before the review existed has no choices: the safe side is to withhold.
        data, files = collect(
            participant,
            withhold_flags=params.get("withhold_flags", True),
            withhold_others=params.get("withhold_others", True),
            controller=params.get("controller", ""),
        )
        jobs.set_progress(job, 0.05)
        stored, count = _save_streamed(
            lambda sink: _write_zip(sink, data, files, lambda s: jobs.set_progress(job, s))
        )
    storage.delete_on_rollback(stored.name)
    audit.record(actor, "participant.identity_read", "participant", participant.id,
                 purpose="subject_access")  # fmt: skip
    return {"file": stored.name, "size": stored.size, "files": count, "withheld": data["withheld"]}


@job_queue.periodic(crontab(minute="47", hour="3"), "remove_old_exports", seconds=3600)
def remove_old_exports() -> None:
    """Nightly: remove the export files older than KEEP."""
    expire_exports()
