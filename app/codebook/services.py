"""Changing the codebook: adding, editing, moving, retiring and merging codes, and the
starting codebook from the Karlstad themes. Every change is audited."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.models import Code
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.core.refusal import Refused

MAX_MEMO = 5000
MAX_KEYWORDS = 40
MAX_ID = 2**62


def whole(value) -> bool:
    """A plain non-negative integer that fits a database column (True is not 1 here)."""
    return type(value) is int and 0 <= value < MAX_ID


class CodingError(Refused, ValueError):
    """A change to the codebook, a coding or a round that the rules refuse."""


def _keywords(raw) -> str:
    if isinstance(raw, str):
        raw = raw.replace(";", ",").replace("\n", ",").split(",")
    words = [" ".join(w.split())[:60] for w in raw if w and w.strip()]
    return json.dumps(list(dict.fromkeys(words))[:MAX_KEYWORDS], ensure_ascii=False)


FIELDS = ("name", "definition", "when_to_use", "when_not", "example", "colour", "codable")


def save_code(actor, code: Code | None, *, parent_id=None, keywords="", **values) -> Code:
    """Create a code (``code`` None) or change one; the name is required and unique among
    its siblings."""
    authorize(actor, "codebook.manage")
    name = " ".join((values.get("name") or "").split())[:200]
    if not name:
        raise CodingError(_l("Give the code a name."), "name")
    parent = db.session.get(Code, parent_id) if parent_id else None
    siblings = [c for c in (parent.children if parent else _roots())
                if c is not code and c.active]  # fmt: skip
    if any(c.name.casefold() == name.casefold() for c in siblings):
        raise CodingError(_l("There is already a code called %(name)s here.", name=name), "name")
    if code is not None and values.get("codable") is False and code.codings.count():
        raise CodingError(_l("Passages are coded with this code, so it cannot become a "
                             "category."), "codable")  # fmt: skip
    if parent is not None and not parent.active:
        raise CodingError(_l("A retired code cannot hold other codes."), "parent_id")
    if code is None:
        code = Code(name=name, parent=parent, position=_next_position(parent))
        db.session.add(code)
    else:
        _place(code, parent)
    for key in FIELDS:
        if key in values and values[key] is not None:
            setattr(code, key, values[key] if key == "codable" else str(values[key]).strip())
    code.name, code.keywords = name, _keywords(keywords)
    db.session.flush()
    audit.record(actor, "codebook.change", "code", code.id, name=name)
    return code


def _roots() -> list[Code]:
    return db.session.scalars(select(Code).where(Code.parent_id.is_(None))).all()


def _next_position(parent: Code | None) -> int:
    siblings = parent.children if parent else _roots()
    return max((c.position for c in siblings), default=-1) + 1


def _place(code: Code, parent: Code | None) -> None:
    """Put ``code`` under ``parent``, refusing a loop (a code under its own descendant)."""
    ancestor = parent
    while ancestor is not None:
        if ancestor is code:
            raise CodingError(_l("A code cannot be moved under itself or one of its own "
                                 "codes."), "parent_id")  # fmt: skip
        ancestor = ancestor.parent
    if parent is not None and not parent.active:
        raise CodingError(_l("A retired code cannot hold other codes."), "parent_id")
    if code.parent is not parent:
        code.parent = parent
        code.position = _next_position(parent)


def move(actor, code: Code, parent: Code | None) -> None:
    authorize(actor, "codebook.manage")
    _place(code, parent)
    db.session.flush()
    audit.record(actor, "codebook.change", "code", code.id, moved_to=parent.id if parent else None)


def retire(actor, code: Code, retired: bool = True) -> None:
    """Retire a code (no new codings; its codings stay) or bring it back."""
    authorize(actor, "codebook.manage")
    if not retired and code.merged_into_id:
        raise CodingError(_l("A merged code cannot be brought back."))
    code.retired_at = utcnow() if retired else None
    db.session.flush()
    audit.record(actor, "codebook.change", "code", code.id, retired=retired)


def merge(actor, code: Code, into: Code) -> int:
    """Move every coding and sub-code of ``code`` to ``into`` and retire ``code``; a coding
    that ``into`` already has (same passage, coder and round) is not doubled. Returns how
    many codings moved."""
    authorize(actor, "codebook.manage")
    if code is into or not into.active or not into.codable:
        raise CodingError(_l("Choose another code, one that is in use, to merge into."), "into")
    _place(into, into.parent)  # into must not be below code
    ancestor = into.parent
    while ancestor is not None:
        if ancestor is code:
            raise CodingError(_l("A code cannot be merged into one of its own codes."), "into")
        ancestor = ancestor.parent

    def key(c):
        return (c.release_id, c.coder_id, c.round_id, c.consensus, c.start_offset,
                c.end_offset)  # fmt: skip

    existing = {key(c): c for c in into.codings}
    moved = 0
    for coding in list(code.codings):
        twin = existing.get(key(coding))
        if twin is not None and coding.memo:
            # the same coder's same passage: one coding, keeping both memos
            twin.memo = "\n\n".join(m for m in (twin.memo, coding.memo) if m)[:MAX_MEMO]
        if twin is not None:
            db.session.delete(coding)
            continue
        existing[key(coding)] = coding
        coding.code = into
        moved += 1
    for child in list(code.children):
        child.parent = into
    code.merged_into, code.retired_at = into, utcnow()
    db.session.flush()
    audit.record(actor, "codebook.merge", "code", code.id, into=into.id, codings=moved)
    return moved


def seed_codebook(actor, language: str) -> int:
    """Add the starting codebook from the Karlstad themes, in ``language``; codes that
    already exist (by name, at the same place) are left as they are. Returns how many
    codes were added."""
    authorize(actor, "codebook.manage")
    added = 0

    def add(entry, parent):
        nonlocal added
        name = entry["name"][language]
        siblings = parent.children if parent else _roots()
        code = next((c for c in siblings if c.name.casefold() == name.casefold()), None)
        if code is None:
            code = Code(
                name=name, parent=parent, position=_next_position(parent),
                definition=entry["definition"][language],
                when_to_use=entry.get("when_to_use", {}).get(language, ""),
                when_not=entry.get("when_not", {}).get(language, ""),
                example=entry.get("example", {}).get(language, ""),
                colour=entry["colour"], codable=entry["codable"],
                keywords=_keywords(entry.get("keywords", {}).get(language, [])),
            )  # fmt: skip
            db.session.add(code)
            db.session.flush()
            added += 1
        for child in entry.get("children", []):
            add(child, code)

    from analysis.codebook import starting_codebook

    for entry in starting_codebook()["codes"]:
        add(entry, None)
    audit.record(actor, "codebook.seed", "code", None, language=language, added=added)
    return added
