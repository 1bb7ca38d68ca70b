"""Coding a release: applying a code to a passage, changing its memo, removing it, and the
codes suggested for a passage. Who may code what is checked in ``access``."""

from flask_babel import lazy_gettext as _l

from app.codebook.models import Code
from app.codebook.queries import codebook
from app.codebook.services import MAX_MEMO, CodingError, whole
from app.core.db import db
from app.core.text import clean
from app.releases.models import Release
from app.transcripts.models import is_speaker, speaker_label
from app.workspace.access import check_release, check_round_member
from app.workspace.models import Coding

#: what a refused code and a refused selection say, here and to a JSON body that is refused
CODE_GONE = _l("That code does not exist or has been retired.")
OUTSIDE = _l("The selection is outside the text; select the passage again.")


def _applicable(code_id) -> Code:
    code = db.session.get(Code, code_id) if whole(code_id) else None
    if code is None or not code.active:
        raise CodingError(CODE_GONE, "code")
    if not code.codable:
        raise CodingError(_l("%(name)s is a category: choose one of its codes.", name=code.name),
                          "code")  # fmt: skip
    return code


def apply(actor, release: Release, code_id, start, end, *, coding_round=None, memo="") -> Coding:
    """Mark [start, end) of the release's text (code points) with a code."""
    check_release(actor, release)
    if coding_round is not None:
        check_round_member(actor, coding_round, release)
        if not coding_round.is_open:
            raise CodingError(_l("The round is closed: its codings no longer change."))
    code = _applicable(code_id)
    length = release.text_length
    if not (whole(start) and whole(end) and start < end <= length):
        raise CodingError(OUTSIDE)
    coding = Coding(release=release, code=code, coder_id=actor.id, start_offset=start,
                    end_offset=end, memo=clean(memo or "").strip()[:MAX_MEMO] or None,
                    round_id=coding_round.id if coding_round else None)  # fmt: skip
    db.session.add(coding)
    db.session.flush()
    return coding


def _own(actor, coding: Coding) -> None:
    check_release(actor, coding.release)
    if coding.coder_id != actor.id or coding.consensus:
        raise CodingError(_l("Only the coder who made a coding can change it."))
    if coding.round is not None and not coding.round.is_open:
        raise CodingError(_l("The round is closed: its codings no longer change."))


def remove(actor, coding: Coding) -> None:
    _own(actor, coding)
    db.session.delete(coding)
    db.session.flush()


def set_memo(actor, coding: Coding, memo: str) -> None:
    _own(actor, coding)
    coding.memo = clean(memo or "").strip()[:MAX_MEMO] or None
    db.session.flush()


def coding_json(coding) -> dict:
    """A coding (or a row of COLUMNS) as the workspace's script reads it."""
    return {"id": coding.id, "code": coding.code_id, "coder": coding.coder_id,
            "start": coding.start_offset, "end": coding.end_offset, "memo": coding.memo or "",
            "consensus": coding.consensus}  # fmt: skip


def suggestions(actor, release: Release, start: int, end: int, limit: int = 5) -> list[dict]:
    """Codes proposed for a passage from their keywords and definitions; never applied."""
    from analysis.suggest import CodeInfo, suggester

    check_release(actor, release)
    text = release.text
    if not (whole(start) and whole(end) and start < end <= len(text)):
        raise CodingError(OUTSIDE)
    codes = [c for c in codebook() if c.active and c.codable]
    infos = tuple(CodeInfo(id=c.id, name=c.name,
                      definition=" ".join((c.definition, c.when_to_use, c.example)),
                      keywords=tuple(c.keyword_list)) for c in codes)  # fmt: skip
    found = suggester(release.interview.language, infos).suggest(text[start:end], limit=limit)
    return [{"code": s.code_id, "score": round(s.score, 3), "triggers": list(s.triggers),
             "similarity": round(s.similarity, 3)} for s in found]  # fmt: skip


def speaker_marks(release: Release) -> list[dict]:
    """Where each segment of the released text starts (code points) and who speaks in it,
    as a role ("Interviewer", "Speaker 2"): never a name, the text is pseudonymised."""
    marks, start = [], 0
    for segment in release.segments:
        if segment.get("speaker") and is_speaker(segment["speaker"]):
            marks.append({"start": start, "speaker": str(speaker_label(segment["speaker"]))})
        start += len(segment["text"]) + 1
    return marks
