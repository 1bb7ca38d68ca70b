"""Pseudonymising a verified transcript (or the memos of an interview documented without a
recording) and releasing it for analysis.

The interviewer reviews what the detector found (accepts, rejects, renames placeholders,
marks what it missed) and releases: the released version is frozen. Researchers see only
released versions, and only of interviews whose consent covers research use.
"""

import json
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from analysis import pseudonymise as pii
from app.consent import gate
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import PermissionDenied, authorize, can
from app.interviews.models import Status
from app.releases.attributes import stamp
from app.releases.models import PseudonymMap, Release
from app.transcripts.models import Transcript

#: the word of each category's placeholder ("[Person 1]", "[Place 2]")
PLACEHOLDER_WORDS = {
    "PERSON": _l("Person"),
    "LOCATION": _l("Town"),
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


class ReleaseError(ValueError):
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


def _map(participant, lock: bool = False) -> PseudonymMap:
    query = select(PseudonymMap).where(PseudonymMap.participant_id == participant.id)
    # Two releases for the same young person at once must not both number "[Person 3]".
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        found = PseudonymMap(participant_id=participant.id, entries="{}")
        db.session.add(found)
    return found


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


def _assign(entries: dict, spans, words: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(key, placeholder, genitive) for each span; new keys get the next number and are
    added to ``entries``. The same text and map always give the same numbers."""
    near = frozenset(pii.map_key(label, surface) for _, _, label, surface in spans)
    assigned = []
    for _, _, label, surface in spans:
        placeholder, key, genitive = pii.placeholder_for(entries, label, surface, near)
        if placeholder is None:
            numbered = pii.next_placeholder(entries, words[label])
            entries[key] = {"label": label, "placeholder": numbered, "numbered": numbered}
            placeholder = numbered + ("s" if genitive else "")
        assigned.append((key, placeholder, genitive))
    return assigned


def propose(actor, interview) -> tuple[Source, list[Proposal]]:
    """What is to be released, and what the detector finds in it with the placeholders the
    map has or would give. Reads the content and the map, so audited."""
    found = _reviewable(actor, interview)
    text = found.text
    sources: list[str] = []
    spans = _spans(interview, text, sources)
    entries = _map(interview.participant).entry_dict
    read = {"transcript": found.transcript.id} if found.transcript else {"memos": True}
    audit.record(actor, "pseudonym_map.read", "participant", interview.participant.id,
                 interview=interview.id, **read)  # fmt: skip
    assigned = _assign(entries, spans, _words(interview.language))
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


def _renamed(entries: dict, renames: dict[str, str]) -> None:
    """Rename placeholders all at once (so that two can be swapped); refuse a name that
    another entry keeps."""
    wanted = {}
    for old, new in renames.items():
        new = " ".join((new or "").split()).strip("[]").strip()[:60]
        if new and f"[{new}]" != old:
            wanted[old] = f"[{new}]"
    final = {key: wanted.get(e["placeholder"], e["placeholder"]) for key, e in entries.items()}
    owners: dict[str, set[str]] = {}
    for key, placeholder in final.items():
        owners.setdefault(placeholder, set()).add(entries[key]["placeholder"])
    for placeholder, before in owners.items():
        if len(before) > 1:
            raise ReleaseError(_l("The placeholder %(name)s is already used for something else.",
                                  name=placeholder), "renames")  # fmt: skip
    for key, placeholder in final.items():
        entries[key]["placeholder"] = placeholder


def release(actor, interview, *, accepted, additions, renames, note="") -> Release:
    """Freeze a pseudonymised version: ``accepted`` is [(start, end, label, surface)] from
    the review page, ``additions`` [(surface, label)] for what was missed, ``renames``
    {placeholder: new name}. All of it happens, or nothing does."""
    found = _reviewable(actor, interview)
    text = found.text
    spans = _accepted(text, accepted)
    for surface, label in additions:
        if label not in pii.LABELS:
            raise ReleaseError(_l("Choose what kind of passage it is."), "additions")
        where = pii.occurrences(text, surface)
        if not where:
            raise ReleaseError(_l("\"%(text)s\" is not in the transcript.", text=surface.strip()),
                               "additions")  # fmt: skip
        spans += [(s, e, label, text[s:e]) for s, e in where]
    spans = _without_overlaps(spans)
    mapping = _map(interview.participant, lock=True)
    entries = mapping.entry_dict
    words = _words(interview.language)
    # Number as the review page did (every detection, ticked or not), then what was added.
    shown = _spans(interview, text)
    planned = dict(entries)
    _assign(planned, shown, words)
    for key in planned.keys() - entries.keys():
        if any(pii.map_key(label, surface) == key or
               pii.genitive_base(label, surface, {key}) == key
               for _, _, label, surface in spans):  # fmt: skip
            entries[key] = planned[key]
    assigned = _assign(entries, spans, words)
    _renamed(entries, renames)
    replaced = [
        (start, end, entries[key]["placeholder"] + ("s" if genitive else ""))
        for (start, end, _, _), (key, _, genitive) in zip(spans, assigned, strict=True)
    ]
    released_text = pii.replace_spans(text, replaced)
    counted: dict[str, int] = {}
    for _, _, label, _ in spans:
        counted[label] = counted.get(label, 0) + 1
    lines = released_text.split("\n")
    segments = [{**s, "text": line} for line, s in zip(lines, found.segments, strict=True)]
    previous = interview.releases[-1] if interview.releases else None
    summary = {"replaced": counted, "note": (note or "").strip()[:2000]}
    if previous is not None:
        summary["changed_segments"] = sum(
            a != b for a, b in zip(previous.text.split("\n"), lines, strict=False)
        )
        summary["previous"] = previous.version
    mapping.entries, mapping.updated_at = json.dumps(entries, ensure_ascii=False), utcnow()
    entry = Release(
        interview=interview, transcript=found.transcript, version=(previous.version + 1 if previous
        else 1), content=json.dumps(segments, ensure_ascii=False),
        summary=json.dumps(summary, ensure_ascii=False), released_by_id=actor.id,
        length=len(released_text),
    )  # fmt: skip
    stamp(entry)
    db.session.add(entry)
    if interview.status == Status.VERIFIED.value:
        interview.advance(Status.RELEASED)
    db.session.flush()
    audit.record(actor, "transcript.release", "interview", interview.id, release=entry.id,
                 version=entry.version, replaced=counted)  # fmt: skip
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
