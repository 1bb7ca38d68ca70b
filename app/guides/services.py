"""Synchronising guide files into versions, and comparing two versions."""

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.core import audit
from app.core.db import db
from app.guides.files import Guide, GuideFileError, load_folder
from app.guides.models import GuideVersion

FOLDER = Path(__file__).resolve().parent.parent.parent / "interview_guides"


@dataclass
class SyncReport:
    added: list[GuideVersion] = field(default_factory=list)
    unchanged: int = 0


def sync_guides(folder: Path = FOLDER) -> SyncReport:
    """Store every guide file whose content is new; all files are checked before any is stored.

    A file whose content changed without a new version number is refused: a version, once
    used by an interview, must stay what it was.
    """
    guides = load_folder(folder)
    report = SyncReport()
    for guide in guides:
        digest = guide.content_hash()
        stored = db.session.scalar(select(GuideVersion).where(GuideVersion.content_hash == digest))
        if stored is not None:
            _name_questions(stored, guide, folder)
            report.unchanged += 1
            continue
        clash = db.session.scalar(
            select(GuideVersion).where(
                GuideVersion.guide_key == guide.id,
                GuideVersion.language == guide.language,
                GuideVersion.version == guide.version,
            )
        )
        if clash is not None:
            path = folder / f"{guide.id}.{guide.language}.yaml"
            raise GuideFileError(
                path,
                None,
                f"the content changed but the version is still {guide.version}; "
                "raise the version number",
            )
        version = GuideVersion(
            guide_key=guide.id,
            language=guide.language,
            version=guide.version,
            title=guide.title,
            content=json.dumps(guide.model_dump(), ensure_ascii=False),
            content_hash=digest,
        )
        db.session.add(version)
        db.session.flush()
        report.added.append(version)
        audit.record(None, "guide.sync", "guide_version", version.id, guide=guide.id,
                     language=guide.language, version=guide.version)  # fmt: skip
    return report


def _name_questions(stored: GuideVersion, guide: Guide, folder: Path) -> None:
    """Give a version stored before questions had keys the keys its file now gives; what is
    asked stays as it was (the hashes are equal). Keys once given never change: a passage
    linked to a question is found by its key in every version."""
    old = [q.key for q in stored.guide.questions()]
    new = [q.key for q in guide.questions()]
    if old == new:
        return
    if any(q.key for s in (*stored.guide.sections, stored.guide.closing) for q in s.questions):
        path = folder / f"{guide.id}.{guide.language}.yaml"
        raise GuideFileError(path, None, "a question's key cannot change; keep the key it has")
    stored.content = json.dumps(guide.model_dump(), ensure_ascii=False)
    db.session.flush()
    audit.record(None, "guide.keys", "guide_version", stored.id, guide=guide.id,
                 language=guide.language, version=guide.version)  # fmt: skip


def as_lines(guide: Guide) -> list[str]:
    """The guide as plain lines, in reading order, for comparing versions."""
    lines = [f"# {guide.title}", "", *guide.introduction.splitlines(), ""]
    lines += ["## documentation", *guide.documentation.splitlines(), ""]
    for section in (*guide.sections, guide.closing):
        lines += [f"## {section.title}", *section.purpose.splitlines()]
        for question in section.questions:
            lines.append(f"- {question.text}")
            lines += [f"    - {probe}" for probe in question.probes]
            if question.note:
                lines.append(f"    ({question.note})")
        lines.append("")
    lines += [f"## {guide.ethics.title}", *guide.ethics.guidance.splitlines()]
    return lines


@dataclass(frozen=True)
class DiffLine:
    #: "same", "added" or "removed"
    kind: str
    text: str


def compare(old: GuideVersion, new: GuideVersion) -> list[DiffLine]:
    """Line by line differences from ``old`` to ``new``, with everything unchanged kept."""
    out = []
    for line in difflib.ndiff(as_lines(old.guide), as_lines(new.guide)):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        out.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[tag], text))
    return out
