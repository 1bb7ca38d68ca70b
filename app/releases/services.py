"""Pseudonymising a verified transcript (or the memos of an interview documented without a
recording) and releasing it for analysis.

The interviewer reviews what the detector found (accepts, rejects, renames placeholders,
marks what it missed) and releases: the released version is frozen. Researchers see only
released versions, and only of interviews whose consent covers research use.
"""

import hashlib
import json
from dataclasses import dataclass

from flask_babel import force_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from analysis import pseudonymise as pii
from app.consent import gate
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize, can
from app.core.refusal import Refused
from app.interviews.models import Status
from app.releases import placeholders as keys
from app.releases.attributes import stamp
from app.releases.models import PseudonymMap, Release
from app.transcripts.models import Transcript

#: the word of each category's placeholder ("[Person 1]", "[Place 2]")
PLACEHOLDER_WORDS = {
    "PERSON": _l("Person"),
    "LOCATION": lazy_pgettext("placeholder", "Place"),
    "ORG": _l("Organisation"),
    "ID_NUMBER": _l("ID number"),
    "PHONE": _l("Phone number"),
    "EMAIL": _l("E-mail"),
    "DATE": _l("Date"),
}
LABEL_NAMES = {
    "PERSON": _l("Name"),
    "LOCATION": _l("Place"),
    "ORG": _l("School, workplace or organisation"),
    "ID_NUMBER": _l("ID number"),
    "PHONE": _l("Phone number"),
    "EMAIL": _l("E-mail address"),
    "DATE": _l("Date"),
}


class ReleaseError(Refused, ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


@dataclass(frozen=True)
class Proposal:
    start: int
    end: int
    label: str
    text: str
    placeholder: str
    source: str


def register_names(participant) -> list[str]:
    """The names the register holds for this young person's story."""
    found = [participant.name, participant.guardian or ""]
    found += [person.name for person in participant.people]
    found += [w.display_name or "" for p in participant.placements for w in p.workers]
    return [name for name in found if name]


@dataclass(frozen=True)
class Source:
    """What is released: the newest transcript's segments, or, for an interview documented
    with memos only, each memo line under its guide section."""

    transcript: Transcript | None
    segments: list[dict]

    @property
    def text(self) -> str:
        return "\n".join(s["text"] for s in self.segments)


def source(interview) -> Source:
    if interview.transcripts:
        transcript = interview.transcripts[-1]
        return Source(transcript, [
            {"text": s.text, "speaker": s.speaker, "start": s.start_ms, "end": s.end_ms}
            for s in transcript.segments
        ])  # fmt: skip
    guide = interview.guide_version.guide
    saved = {memo.section_key: memo.text for memo in interview.memos}
    segments = [
        {"text": line, "speaker": None, "start": None, "end": None, "section": section.title}
        for section in (*guide.sections, guide.closing)
        for line in (saved.get(section.key) or "").splitlines()
        if line.strip()
    ]
    return Source(None, segments)


def _reviewable(actor, interview) -> Source:
    authorize(actor, "releases.review", interview)
    gate.require(actor, interview, "transcript.release")
    newest = interview.transcripts[-1] if interview.transcripts else None
    if interview.status not in (Status.VERIFIED.value, Status.RELEASED.value) or (
        newest is not None and not newest.verified
    ):
        raise ReleaseError(_l("Only a verified transcript, or the memos of an interview "
                              "marked verified, can be released."))  # fmt: skip
    found = source(interview)
    if not any(s["text"].strip() for s in found.segments):
        raise ReleaseError(_l("There is nothing to release: the transcript or memos are empty."))
    return found


def _stored_map(participant, lock: bool = False) -> PseudonymMap | None:
    query = select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    # Two releases for the same young person at once must not both number "[Person 3]".
    return db.session.scalar(query.with_for_update() if lock else query)


def _words(language: str) -> dict[str, str]:
    with force_locale(language):
        return {label: str(word) for label, word in PLACEHOLDER_WORDS.items()}


def _spans(interview, text: str, sources: list | None = None) -> list[tuple[int, int, str, str]]:
    """What the detector finds, as (start, end, label, surface), never across segments;
    ``sources`` (if given) receives why each was found."""
    found = pii.detector(interview.language).detect(text, register_names(interview.participant))
    spans = []
    for item in found:
        end = item.end if "\n" not in item.text else item.start + item.text.index("\n")
        if end > item.start and text[item.start : end].strip():
            spans.append((item.start, end, item.label, text[item.start : end]))
            if sources is not None:
                sources.append(item.source)
    return spans


def propose(actor, interview) -> tuple[Source, list[Proposal]]:
    """What is to be released, and what the detector finds in it with the placeholders the
    map has or would give. Reads the content and the map, so audited."""
    found = _reviewable(actor, interview)
    text = found.text
    sources: list[str] = []
    spans = _spans(interview, text, sources)
    stored = _stored_map(interview.participant)
    entries = stored.entry_dict if stored else {}
    read = {"transcript": found.transcript.id} if found.transcript else {"memos": True}
    audit.record(actor, "pseudonym_map.read", "participant", interview.participant.id,
                 interview=interview.id, **read)  # fmt: skip
    assigned = keys.assign(entries, spans, _words(interview.language))
    return found, [Proposal(start, end, label, surface, placeholder, why)
                   for (start, end, label, surface), (_, placeholder, _), why
                   in zip(spans, assigned, sources, strict=True)]  # fmt: skip


def _accepted(text: str, accepted) -> list[tuple[int, int, str, str]]:
    spans = []
    for item in accepted:
        try:
            start, end, label, surface = int(item[0]), int(item[1]), str(item[2]), str(item[3])
        except (TypeError, ValueError, IndexError):
            raise ReleaseError(_l("The transcript changed since this page was loaded; "
                                  "reload it.")) from None  # fmt: skip
        if label not in pii.LABELS:
            raise ReleaseError(_l("Choose what kind of passage it is."))
        if not (0 <= start < end <= len(text)) or text[start:end] != surface:
            raise ReleaseError(_l("The transcript changed since this page was loaded; reload it."))
        spans.append((start, end, label, surface))
    return spans


@dataclass(frozen=True)
class Mark:
    """A placeholder in the text to be released, and what the reviewer did to it."""

    start: int  # in the released text
    end: int
    label: str
    surface: str  # what it replaces
    placeholder: str
    renamed: bool
    merged: bool
    added: bool


@dataclass
class Plan:
    """A release worked out and not yet made: what the preview shows and the release
    freezes."""

    source: Source
    #: the pseudonymised segments
    segments: list[dict]
    #: every replacement, in text order
    marks: list[Mark]
    #: the map as it will be stored
    entries: dict
    #: how many passages were replaced, by category
    counted: dict[str, int]
    #: {placeholder on the review page: its new name}
    renamed: dict[str, str]
    #: {placeholder: the placeholders it joins}
    merged: dict[str, list[str]]
    #: (passage, category, how many places) the reviewer added
    added: list[tuple[str, str, int]]

    @property
    def text(self) -> str:
        return "\n".join(s["text"] for s in self.segments)

    @property
    def digest(self) -> str:
        """Names the exact text, so that a release confirms what the preview showed."""
        frozen = json.dumps(self.segments, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(frozen.encode()).hexdigest()


def _plan(actor, interview, *, accepted, additions, renames, lock: bool):
    """The release that ``release`` would make, and the stored map (None while the young
    person has none); nothing is written."""
    found = _reviewable(actor, interview)
    text = found.text
    chosen = _accepted(text, accepted)
    spans, added, named = list(chosen), [], {}
    for surface, label, *name in additions:
        if label not in pii.LABELS:
            raise ReleaseError(_l("Choose what kind of passage it is."), "additions")
        where = pii.occurrences(text, surface)
        if not where:
            raise ReleaseError(_l("\"%(text)s\" is not in the transcript.", text=surface.strip()),
                               "additions")  # fmt: skip
        added.append((surface.strip(), label, len(where)))
        spans += [(s, e, label, text[s:e]) for s, e in where]
        if name and keys.clean_name(name[0]):
            named.update(dict.fromkeys(where, name[0]))
    spans = _without_overlaps(spans)
    mapping = _stored_map(interview.participant, lock=lock)
    entries = mapping.entry_dict if mapping else {}
    words = _words(interview.language)
    # Number as the review page did (every detection, ticked or not), then what was added.
    shown = _spans(interview, text)
    planned = dict(entries)
    keys.assign(planned, shown, words)
    # Keep the numbers the page showed for what is released: a passage's own key, the name
    # a genitive belongs to, or the one person a short name is part of ("Tuva" released
    # alone keeps the number "Tuva Björk" gave it on the page).
    for key in planned.keys() - entries.keys():
        if any(pii.map_key(label, surface) == key or
               pii.genitive_base(label, surface, {key}) == key or
               pii.same_person(label, surface, {key}) == key
               for _, _, label, surface in spans):  # fmt: skip
            entries[key] = planned[key]
    assigned = keys.assign(entries, spans, words)
    before = {key: entry["placeholder"] for key, entry in entries.items()}
    renames = dict(renames)
    for (start, end, _, _), (key, _, _) in zip(spans, assigned, strict=True):
        # An added passage named like a placeholder on the page joins it, as a rename would.
        if (start, end) in named:
            renames.setdefault(before[key], named[start, end])
    try:
        renamed, merged = keys.rename(entries, renames)
    except keys.PlaceholderClash as clash:
        raise ReleaseError(_l("The placeholder %(name)s is already used for something else.",
                              name=clash.placeholder), "renames") from None  # fmt: skip
    picked = {(start, end) for start, end, _, _ in chosen}
    marks, replaced, shift = [], [], 0
    for (start, end, label, surface), (key, _, genitive) in zip(spans, assigned, strict=True):
        placeholder = entries[key]["placeholder"] + ("s" if genitive else "")
        replaced.append((start, end, placeholder))
        at = start + shift
        marks.append(Mark(at, at + len(placeholder), label, surface, placeholder,
                          renamed=before[key] != entries[key]["placeholder"],
                          merged=entries[key]["placeholder"] in merged,
                          added=(start, end) not in picked))  # fmt: skip
        shift += len(placeholder) - (end - start)
    lines = pii.replace_spans(text, replaced).split("\n")
    counted: dict[str, int] = {}
    for _, _, label, _ in spans:
        counted[label] = counted.get(label, 0) + 1
    segments = [{**s, "text": line} for line, s in zip(lines, found.segments, strict=True)]
    return Plan(found, segments, marks, entries, counted, renamed, merged, added), mapping


def preview(actor, interview, *, accepted, additions, renames) -> Plan:
    """The release the review page's choices would make, without making it: the text to
    check before it is frozen. Reads the content and the map, so audited."""
    plan, _ = _plan(actor, interview, accepted=accepted, additions=additions, renames=renames,
                    lock=False)  # fmt: skip
    read = {"transcript": plan.source.transcript.id} if plan.source.transcript else {"memos": True}
    audit.record(actor, "pseudonym_map.read", "participant", interview.participant.id,
                 interview=interview.id, preview=True, **read)  # fmt: skip
    return plan


def release(actor, interview, *, accepted, additions, renames, note="", previewed=None) -> Release:
    """Freeze a pseudonymised version: ``accepted`` is [(start, end, label, surface)] from
    the review page, ``additions`` [(surface, label[, placeholder])] for what was missed
    (with the placeholder it is to have, if the reviewer named one), ``renames``
    {placeholder: new name} (the name of another placeholder merges the two). ``previewed``
    is the digest of the preview the reviewer confirmed: the release is refused when the
    text it would freeze is not that one. All of it happens, or nothing does."""
    plan, mapping = _plan(actor, interview, accepted=accepted, additions=additions,
                          renames=renames, lock=True)  # fmt: skip
    if previewed is not None and previewed != plan.digest:
        raise ReleaseError(_l("The text to be released has changed since the preview (the "
                              "transcript or the placeholders were changed meanwhile): check "
                              "it again."), "preview")  # fmt: skip
    if mapping is None:
        mapping = PseudonymMap(participant_id=interview.participant.id)
        db.session.add(mapping)
    lines = plan.text.split("\n")
    previous = interview.releases[-1] if interview.releases else None
    summary = {"replaced": plan.counted, "note": (note or "").strip()[:2000]}
    if previous is not None:
        summary["changed_segments"] = sum(
            a != b for a, b in zip(previous.text.split("\n"), lines, strict=False)
        )
        summary["previous"] = previous.version
    mapping.entries = json.dumps(plan.entries, ensure_ascii=False)
    mapping.updated_at = utcnow()
    entry = Release(
        interview=interview, transcript=plan.source.transcript,
        version=(previous.version + 1 if previous else 1),
        content=json.dumps(plan.segments, ensure_ascii=False),
        summary=json.dumps(summary, ensure_ascii=False), released_by_id=actor.id,
        length=len(plan.text),
    )  # fmt: skip
    stamp(entry)
    db.session.add(entry)
    if interview.status == Status.VERIFIED.value:
        interview.advance(Status.RELEASED)
    db.session.flush()
    for placeholder, joined in plan.merged.items():
        # Placeholders only: the names they stand for stay in the encrypted map.
        audit.record(actor, "pseudonym_map.merge", "participant", interview.participant.id,
                     interview=interview.id, release=entry.id, into=placeholder,
                     merged=joined)  # fmt: skip
    audit.record(actor, "transcript.release", "interview", interview.id, release=entry.id,
                 version=entry.version, replaced=plan.counted, renamed=len(plan.renamed),
                 merged=len(plan.merged), added=len(plan.added))  # fmt: skip
    return entry


def _without_overlaps(spans):
    taken = bytearray(max((e for _, e, _, _ in spans), default=0))
    chosen = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        start, end = span[0], span[1]
        if "\n" not in span[3] and not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            chosen.append(span)
    return sorted(chosen)


def placeholders(entries: dict, proposals: list[Proposal]) -> list[str]:
    """The placeholders on the page, in order of first appearance, for renaming."""
    seen = []
    for proposal in proposals:
        base = proposal.placeholder[:-1] if proposal.placeholder.endswith("]s") else \
            proposal.placeholder  # fmt: skip
        if base not in seen:
            seen.append(base)
    return seen


def read_release(actor, entry: Release) -> Release:
    """A released version: its interviewer in the team, or a researcher with research_use
    consent in force. Audited."""
    interview = entry.interview
    if can(actor, "releases.review", interview):
        gate.require(actor, interview, "transcript.read")
    else:
        authorize(actor, "research.read")
        gate.require(actor, interview, "research.read")
        if entry is not interview.releases[-1]:  # a correction replaces what came before
            raise PermissionDenied("research.read")
    audit.record(actor, "release.read", "release", entry.id, interview=interview.id)
    return entry


def for_research(actor) -> list[Release]:
    """The newest release of every interview whose consent covers research use."""
    authorize(actor, "research.read")
    newest = (select(Release.interview_id, func.max(Release.version).label("version"))
              .group_by(Release.interview_id).subquery())  # fmt: skip
    rows = db.session.scalars(
        select(Release).join(newest, (Release.interview_id == newest.c.interview_id)
                             & (Release.version == newest.c.version)).order_by(Release.id)
    ).all()  # fmt: skip
    allowed = {i.id for i in gate.consenting({r.interview for r in rows}, "research.read")}
    return [r for r in rows if r.interview_id in allowed]


def erase_for_withdrawal(actor, interview) -> list[dict]:
    """participation withdrawn: the released versions go with the transcripts."""
    count = len(interview.releases)
    for entry in list(interview.releases):
        db.session.delete(entry)
    interview.releases.clear()
    db.session.flush()
    return [{"effect": "releases_erased", "count": count}] if count else []
