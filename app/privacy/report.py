"""Everything the platform holds about one participant, as plain data for the export.

What concerns other people can be left out after the coordinator's review (GDPR art. 15(4):
the copy must not adversely affect the rights and freedoms of others); see ``collect``.
Other people's names are found and replaced by ``other_names``.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.pseudonymise import LABELS
from app.core.db import db, utcnow
from app.interviews.models import FlagCategory, Interview, Status
from app.letters.models import LetterSent
from app.offers.models import Answer
from app.participants.models import Participant, Relation
from app.privacy.other_names import NameRedactor, is_own_name, name_parts, redact_placements
from app.releases.models import PseudonymMap
from app.reviews.models import ReviewSession
from app.transcripts.models import Recording
from app.workspace.models import Coding

#: 2: ``withheld``, and ``ethics_flags`` as a count where they were left out; 3: ``about``
#: (GDPR art. 15(1)), memos in guide order, other people's names replaced in the texts
FORMAT = 3
#: days an export stays in the store (``access.KEEP``)
COPY_KEPT_DAYS = 7
#: the supervisory authority a young person complains to, by the installation's country
AUTHORITIES = {"SE": "IMY", "DK": "Datatilsynet"}
#: why something was left out, in data.json (which is not translated)
OTHERS_REASON = "rights of others, GDPR art. 15(4)"
WITHHELD_FLAGS = "ethics_flags"
WITHHELD_NAMES = "names_of_other_people"
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


def _sections(interview: Interview) -> dict[str, str]:
    """The section titles of the guide version the interview was held with, in the guide's
    order."""
    guide = interview.guide_version.guide
    return {section.key: section.title for section in (*guide.sections, guide.closing)}


def _memos(interview: Interview) -> list[dict]:
    """The memos in the order of the interview guide (a section the guide no longer has,
    last), as the interview went."""
    titles = _sections(interview)
    order = {key: position for position, key in enumerate(titles)}
    memos = sorted(interview.memos, key=lambda m: (order.get(m.section_key, len(order)),
                                                   m.section_key))  # fmt: skip
    return [{"section": m.section_key, "section_title": titles.get(m.section_key),
             "text": m.text, "updated_at": m.updated_at} for m in memos]  # fmt: skip


def _flags(interview: Interview, withhold: bool) -> list[dict] | dict:
    if withhold:
        return {"count": len(interview.flags), "withheld": True}
    return [{
        "category": f.category, "disclosure": f.disclosure, "follow_up": f.follow_up,
        "due_on": f.due_on, "raised_at": f.raised_at, "resolved_at": f.resolved_at,
        "resolution": f.resolution} for f in interview.flags]  # fmt: skip


def _interview(interview: Interview, files: list, withhold_flags: bool) -> dict:
    return {
        "id": interview.id, "scheduled_at": interview.scheduled_at, "place": interview.place,
        "mode": interview.mode, "interviewer": _user(interview.interviewer),
        "language": interview.language, "status": interview.status,
        "conducted_on": interview.conducted_on, "cancel_reason": interview.cancel_reason,
        "memos": _memos(interview),
        "ethics_flags": _flags(interview, withhold_flags),
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
        "relation_label": lambda value: label(Relation, value),
    }


def young_persons_language(participant: Participant) -> str:
    """The language to write to the young person in: the one they prefer, else the one
    their newest interview was held in, else the installation's."""
    languages = current_app.config.get("LANGUAGES", ("sv", "da", "en"))
    if participant.language in languages:
        return participant.language
    interviews = [i for p in participant.placements
                  for i in (p.offer.interviews if getattr(p, "offer", None) else [])]  # fmt: skip
    for interview in sorted(interviews, key=lambda i: i.id, reverse=True):
        if interview.language in languages:
            return interview.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _in_force(placements: list[dict], scope: str) -> bool:
    return any(grant["scope"] == scope and grant["active"]
               for p in placements for i in p["interviews"] for c in i["consents"]
               for grant in c["scopes"])  # fmt: skip


def _about(placements: list[dict], controller: str) -> dict:
    """What GDPR art. 15(1) asks to be told beside the data, as the summary says it."""
    config = current_app.config
    return {
        "controller": controller or config.get("CONSENT_CONTACT", ""),
        "supervisory_authority": AUTHORITIES.get(config.get("COUNTRY", "SE"), "IMY"),
        "audio_kept_days": config.get("AUDIO_RETENTION_DAYS", 30),
        "copy_kept_days": COPY_KEPT_DAYS,
        "research_use": _in_force(placements, "research_use"),
        "quotation": _in_force(placements, "quotation"),
    }


def _pseudonym_map(participant: Participant, withhold_others: bool) -> tuple[dict, list[str], int]:
    """The participant's pseudonym map, and the names of the other people it holds that
    were left out (to be left out of the texts as well)."""
    found = db.session.scalar(
        select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    )
    entries = found.entry_dict if found else {}
    if not withhold_others:
        return entries, [], 0
    parts = name_parts(participant.name)
    kept = {key: entry for key, entry in entries.items() if is_own_name(key, entry, parts)}
    names = []
    for key, entry in entries.items():
        prefix, colon, surface = key.partition(":")
        if not colon or prefix.upper() not in LABELS:
            prefix, surface = "", key
        if key not in kept and (prefix or str(entry.get("label") or "")).upper() == "PERSON":
            names.append(surface)
    return kept, names, len(entries) - len(kept)


def collect(
    participant: Participant,
    withhold_flags: bool = True,
    withhold_others: bool = True,
    controller: str = "",
) -> tuple[dict, list[tuple[str, str]]]:
    """The data (for data.json and the summary) and the files: (stored name, name in ZIP).

    What the coordinator chose to leave out to protect others (GDPR art. 15(4)); both by
    default, so that nothing about others goes out unreviewed:

    ``withhold_flags``
        Each interview's ``ethics_flags`` becomes ``{"count": n, "withheld": true}``. A
        flag records what the young person disclosed, mostly about someone else ("little
        brother is beaten at home"), and the team's follow-up (a report to social services),
        so neither the text nor the category goes out; the count tells that there were some.

    ``withhold_others``
        ``people`` keeps each person's relation to the participant (that is about the
        participant) without the name. The pseudonym map keeps only the entries that are
        the participant's own name or parts of it (``is_own_name``). Everything else in it
        (other people's names, and places, organisations, numbers and dates, which the map
        cannot tell whose they are) is left out, since the map is a key from real names
        to the pseudonyms of the research material.

        The names left out of the register and the map are also left out of every free
        text of the copy (memos, transcripts, releases and their coded passages, flags when
        included, staff notes): ``NameRedactor`` puts "[name left out]" in their place, so
        that the summary's promise holds where the young person reads their own words.

    Not changed: consents (with the guardian's and the witness's names), the participant's
    own guardian, and the staff who worked with them (interviewers, social workers): records
    of what was done with the young person. A name the platform does not know (neither in
    the register nor in the map) stays in the texts, which is why the coordinator reads the
    summary before handing it over.

    ``data["withheld"]`` lists what was left out, with counts and the reason, one item per
    kind and only where something was: ``[{"what": "ethics_flags", "count": 1, "reason":
    ...}, {"what": "names_of_other_people", "people": 2, "pseudonym_map_entries": 3,
    "passages": 4, "reason": ...}]``. An empty list: nothing was left out. ``data["about"]``
    is what GDPR art. 15(1) asks to be told besides: ``controller`` (whom to contact; the
    configured consent contact when empty), the supervisory authority, how long recordings
    and the copy are kept, and whether research use and quotation are in force.

    Call it in the young person's language (``young_persons_language``): the marker is
    written in it.
    """
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
            "interviews": [_interview(i, files, withhold_flags)
                           for i in (offer.interviews if offer else [])],
        })  # fmt: skip
    pseudonyms, map_names, map_withheld = _pseudonym_map(participant, withhold_others)
    people = [{"relation": p.relation, "name": p.name} for p in participant.people]
    people_withheld = passages = 0
    if withhold_others:
        people_withheld = sum(1 for p in people if p["name"])
        redact = NameRedactor([*(p["name"] for p in people if p["name"]), *map_names],
                              name_parts(participant.name), _("[name left out]"))  # fmt: skip
        redact_placements(placements, redact)
        passages = redact.count
        people = [{"relation": p["relation"]} for p in people]
    withheld = []
    flags_withheld = 0
    if withhold_flags:
        flags_withheld = sum(i["ethics_flags"]["count"]
                             for p in placements for i in p["interviews"])  # fmt: skip
    if flags_withheld:
        withheld.append({"what": WITHHELD_FLAGS, "count": flags_withheld,
                         "reason": OTHERS_REASON})  # fmt: skip
    if people_withheld or map_withheld or passages:
        withheld.append({"what": WITHHELD_NAMES, "people": people_withheld,
                         "pseudonym_map_entries": map_withheld, "passages": passages,
                         "reason": OTHERS_REASON})  # fmt: skip
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
        "people": people,
        "placements": placements,
        "pseudonym_map": pseudonyms,
        "withheld": withheld,
        "about": _about(placements, controller),
        "letters_sent": _letters_sent(participant),
    }
    return data, files


def _letters_sent(participant: Participant) -> list[dict]:
    """The letters after the annual review sent to the participant: year, day, language."""
    rows = db.session.execute(
        select(ReviewSession.year, LetterSent.sent_on, LetterSent.language)
        .join(ReviewSession, ReviewSession.id == LetterSent.session_id)
        .where(LetterSent.participant_id == participant.id).order_by(LetterSent.sent_on)
    )  # fmt: skip
    return [{"review_year": y, "sent_on": d, "language": lang} for y, d, lang in rows]
