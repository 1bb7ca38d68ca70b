"""Everything the platform holds about one participant, as plain data for the export."""

import json

from sqlalchemy import select

from app.coding.models import Coding
from app.core.db import db, utcnow
from app.interviews.models import FlagCategory, Interview, Status
from app.offers.models import Answer
from app.participants.models import Participant
from app.releases.models import PseudonymMap
from app.transcripts.models import Recording

FORMAT = 1
SCAN_SUFFIX = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _user(user) -> str | None:
    return user.display_name if user is not None else None


def _offer(offer) -> dict | None:
    if offer is None:
        return None
    return {
        "offered_on": offer.offered_on, "channel": offer.channel, "answer": offer.answer,
        "answered_on": offer.answered_on, "interviewer": _user(offer.interviewer),
        "outcome": offer.outcome, "interviewed_on": offer.interviewed_on,
        "attrition_reason": offer.attrition_reason, "attrition_note": offer.attrition_note,
        "reminders": [{"sent_on": r.sent_on, "channel": r.channel} for r in offer.reminders],
    }  # fmt: skip


def _consents(interview: Interview, files: list) -> list[dict]:
    found = []
    for record in interview.consents:
        scan = None
        if record.scan_name:
            scan = f"consent-scan-{record.id}.{SCAN_SUFFIX.get(record.scan_type, 'bin')}"
            files.append((record.scan_name, scan))
        found.append({
            "giver": record.giver, "guardian_name": record.guardian_name,
            "form": f"{record.form.form_key} v{record.form.version} ({record.form.language})",
            "method": record.method, "witness": record.witness, "given_on": record.given_on,
            "scopes": [{"scope": g.scope, "active": g.active} for g in record.grants],
            "scan": scan,
        })  # fmt: skip
    return found


def _recordings(interview: Interview, files: list) -> list[dict]:
    found = []
    for recording in db.session.scalars(
        select(Recording).where(Recording.interview_id == interview.id).order_by(Recording.id)
    ):
        name = None
        if recording.stored_name:
            name = f"recording-{recording.id}.{recording.file_type}"
            files.append((recording.stored_name, name))
        found.append({
            "file_type": recording.file_type, "seconds": recording.duration,
            "uploaded_at": recording.uploaded_at, "destroyed_at": recording.destroyed_at,
            "destroyed_reason": recording.destroyed_reason, "file": name,
        })  # fmt: skip
    return found


def _releases(interview: Interview) -> list[dict]:
    found = []
    for release in interview.releases:
        text = release.text
        codings = db.session.scalars(
            select(Coding).where(Coding.release_id == release.id).order_by(Coding.start_offset)
        )
        found.append({
            "version": release.version, "released_at": release.released_at,
            "segments": release.segments,
            "codings": [{"code": c.code.name, "passage": text[c.start_offset:c.end_offset]}
                        for c in codings],
        })  # fmt: skip
    return found


def _section_titles(interview: Interview) -> dict[str, str]:
    """The section titles of the guide version the interview was held with."""
    guide = interview.guide_version.guide
    return {section.key: section.title for section in (*guide.sections, guide.closing)}


def _interview(interview: Interview, files: list) -> dict:
    titles = _section_titles(interview)
    return {
        "id": interview.id, "scheduled_at": interview.scheduled_at, "place": interview.place,
        "mode": interview.mode, "interviewer": _user(interview.interviewer),
        "language": interview.language, "status": interview.status,
        "conducted_on": interview.conducted_on, "cancel_reason": interview.cancel_reason,
        "memos": [{"section": m.section_key, "section_title": titles.get(m.section_key),
                   "text": m.text, "updated_at": m.updated_at}
                  for m in sorted(interview.memos, key=lambda m: m.section_key)],
        "ethics_flags": [{
            "category": f.category, "disclosure": f.disclosure, "follow_up": f.follow_up,
            "due_on": f.due_on, "raised_at": f.raised_at, "resolved_at": f.resolved_at,
            "resolution": f.resolution} for f in interview.flags],
        "consents": _consents(interview, files),
        "withdrawals": [{
            "scopes": w.scopes, "giver": w.giver, "withdrawn_on": w.withdrawn_on,
            "channel": w.channel, "note": w.note, "effects": w.effect_list}
            for w in interview.withdrawals],
        "recordings": _recordings(interview, files),
        "transcripts": [{
            "version": t.version, "source": t.source, "made_by": t.made_by,
            "verified_at": t.verified_at,
            "segments": [{"start_ms": s.start_ms, "end_ms": s.end_ms, "speaker": s.speaker,
                          "text": s.text} for s in t.segments]} for t in interview.transcripts],
        "releases": _releases(interview),
    }  # fmt: skip


def label(enum, value) -> str:
    """The translated label of a stored enum value (the value itself if it is not one)."""
    try:
        return str(enum(value).label)
    except ValueError:
        return value or "–"


def summary_labels() -> dict:
    """Functions the summary template uses to show stored values as words."""
    return {
        "answer_label": lambda value: label(Answer, value),
        "status_label": lambda value: label(Status, value),
        "flag_label": lambda value: label(FlagCategory, value),
    }


def collect(participant: Participant) -> tuple[dict, list[tuple[str, str]]]:
    """The data (for data.json and the summary) and the files: (stored name, name in ZIP)."""
    files: list[tuple[str, str]] = []
    placements = []
    for placement in participant.placements:
        offer = getattr(placement, "offer", None)
        placements.append({
            "started_on": placement.started_on, "ended_on": placement.ended_on,
            "setting_at_end": placement.setting_at_end,
            "custody_transferred": placement.custody_transferred,
            "social_workers": [w.display_name for w in placement.workers],
            "offer": _offer(offer),
            "interviews": [_interview(i, files) for i in (offer.interviews if offer else [])],
        })  # fmt: skip
    pseudonyms = db.session.scalar(
        select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    )
    data = {
        "format": FORMAT,
        "made_at": utcnow(),
        "participant": {
            "code": participant.code,
            "name": participant.name,
            "birth_date": participant.birth_date,
            "id_number": participant.id_number,
            "phone": participant.phone,
            "email": participant.email,
            "address": participant.address,
            "guardian": participant.guardian,
            "language": participant.language,
            "registered_at": participant.created_at,
        },
        "people": [{"relation": p.relation, "name": p.name} for p in participant.people],
        "placements": placements,
        "pseudonym_map": json.loads(pseudonyms.entries) if pseudonyms else {},
    }
    return data, files
