"""The guide question each segment of a transcript answers: suggested from the guide's order
and the interviewer's questions, confirmed, changed or cleared by the interviewer.

Only a confirmation is stored (who and when); a suggestion is worked out whenever it is
shown and counts for nothing until someone confirms it. Questions are named by their stable
keys, so a passage is found by its question whichever version of the guide was used.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from analysis.guide_links import GuideQuestion, Suggestion, Turn, carried, suggest
from app.consent import gate
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.guides.files import Guide
from app.transcripts.models import Speaker, Transcript, TranscriptSegment
from app.transcripts.refusals import TranscriptError
from app.transcripts.versions import current


def guide_questions(guide: Guide) -> list[GuideQuestion]:
    """The guide's questions in order, each with the texts that ask it (its probes too)."""
    asked = [q for s in (*guide.sections, guide.closing) for q in s.questions]
    return [GuideQuestion(k.section_key, k.key, (q.text, *q.probes))
            for k, q in zip(guide.questions(), asked, strict=True)]  # fmt: skip


def labels(guide: Guide) -> dict[str, tuple[str, str]]:
    """Each question key's (section title, question text) in this guide version."""
    titles = {s.key: s.title for s in (*guide.sections, guide.closing)}
    return {q.key: (titles[q.section_key], q.text) for q in guide.questions()}


@dataclass
class Row:
    """A segment as the confirmation page shows it."""

    segment: TranscriptSegment
    #: what is shown: the confirmed link, else the suggestion (None: no question)
    section_key: str | None
    question_key: str | None
    confirmed: bool
    #: whether this segment is where the question is asked
    starts: bool


def _fixed(transcript: Transcript) -> dict[int, str | None]:
    segments = enumerate(transcript.segments)
    return {n: s.guide_question for n, s in segments if s.guide_confirmed_at is not None}


def rows(transcript: Transcript) -> list[Row]:
    """Every segment with its confirmed or suggested question. Reads the text: the caller
    has read the transcript through ``versions.read_transcript`` (audited)."""
    guide = transcript.interview.guide_version.guide
    segments = list(transcript.segments)
    found: list[Suggestion | None] = suggest(
        [Turn(s.speaker, s.text) for s in segments], guide_questions(guide),
        interviewer=Speaker.INTERVIEWER.value, fixed=_fixed(transcript),
    )  # fmt: skip
    out = []
    for segment, suggestion in zip(segments, found, strict=True):
        if segment.guide_confirmed_at is not None:
            out.append(Row(segment, segment.guide_section, segment.guide_question, True,
                           bool(suggestion and suggestion.starts)))  # fmt: skip
        else:
            out.append(Row(segment, suggestion.section_key if suggestion else None,
                           suggestion.question_key if suggestion else None, False,
                           bool(suggestion and suggestion.starts)))  # fmt: skip
    return out


def check_linkable(actor, transcript: Transcript) -> None:
    """Refuses unless ``actor`` may edit the transcript: its interviewer, with participation
    consent, on its newest version. A verified transcript may still be linked: the links
    change no word of it."""
    authorize(actor, "transcripts.work", transcript.interview)
    gate.require(actor, transcript.interview, "transcript.write")
    if transcript is not current(transcript.interview):
        raise TranscriptError(_l("Only the newest version of the transcript can be changed."))


def _confirm(segment: TranscriptSegment, actor, section: str | None, question: str | None):
    segment.guide_section, segment.guide_question = section, question
    segment.guide_confirmed_by_id, segment.guide_confirmed_at = actor.id, utcnow()


def confirm_all(actor, transcript: Transcript) -> int:
    """Confirm every suggestion not yet confirmed (a segment before the first question:
    confirmed as answering none). Returns how many segments were confirmed."""
    check_linkable(actor, transcript)
    count = 0
    for row in rows(transcript):
        if not row.confirmed:
            _confirm(row.segment, actor, row.section_key, row.question_key)
            count += 1
    db.session.flush()
    audit.record(actor, "transcript.guide_links", "transcript", transcript.id,
                 interview=transcript.interview_id, confirmed=count)  # fmt: skip
    return count


def set_link(
    actor, transcript: Transcript, position: int, question_key: str | None, carry: bool = False
) -> int:
    """Confirm one segment as answering the question ``question_key`` (None: no question).
    With ``carry``, where the segment is the one that asks its question, the confirmed
    segments after it that had the same old question, up to the next question asked, change
    with it (their answers were confirmed under the question that was wrong). Returns how many
    segments changed besides the one."""
    check_linkable(actor, transcript)
    segment = next((s for s in transcript.segments if s.position == position), None)
    if segment is None:
        raise TranscriptError(_l("That part of the transcript no longer exists."))
    section = None
    if question_key:
        questions = {q.key: q for q in transcript.interview.guide_version.guide.questions()}
        if question_key not in questions:
            raise TranscriptError(_l("Choose a question of the interview's guide."))
        section = questions[question_key].section_key
    following = _answers_after(transcript, position) if carry else []
    _confirm(segment, actor, section, question_key or None)
    for answer in following:
        _confirm(answer, actor, section, question_key or None)
    db.session.flush()
    audit.record(actor, "transcript.guide_links", "transcript", transcript.id,
                 interview=transcript.interview_id, position=position,
                 question=question_key or None, carried=len(following))  # fmt: skip
    return len(following)


def _answers_after(transcript: Transcript, position: int) -> list[TranscriptSegment]:
    """The confirmed segments after the one at ``position``, where that one asks its question,
    that belong to the same question, up to the next question asked (unconfirmed ones follow
    the question before them anyway)."""
    shown = rows(transcript)
    at = next(n for n, row in enumerate(shown) if row.segment.position == position)
    old = shown[at].question_key
    if not old or not shown[at].starts:
        return []
    found = []
    for row in shown[at + 1 :]:
        if row.starts or row.question_key != old:
            break
        if row.confirmed:
            found.append(row.segment)
    return found


LINK_FIELDS = ("guide_section", "guide_question", "guide_confirmed_by_id", "guide_confirmed_at")


def before_edit(transcript: Transcript) -> list[tuple[str, tuple]]:
    """Each segment's text and confirmed link, taken before the editor's save."""
    return [(s.text, tuple(getattr(s, f) for f in LINK_FIELDS)) for s in transcript.segments]


def follow_edit(transcript: Transcript, before: list[tuple[str, tuple]]) -> None:
    """Keep each confirmation on the segment it was given for, wherever a split, merge or
    removal moved it; a segment the edit made new (a split's halves, a merge) is unconfirmed,
    so the interviewer sees a suggestion for it again instead of a link it never had."""
    segments = list(transcript.segments)
    match = carried([text for text, _ in before], [s.text for s in segments])
    for n, segment in enumerate(segments):
        link = before[match[n]][1] if n in match else (None,) * len(LINK_FIELDS)
        for field, value in zip(LINK_FIELDS, link, strict=True):
            if getattr(segment, field) != value:
                setattr(segment, field, value)
