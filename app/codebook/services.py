"""Changing the codebook: adding, editing, moving, retiring and merging codes, and the
starting codebook from the Karlstad themes. Every change is audited."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.codebook.models import LANGUAGES, TEXTS, Code, current_language
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


FIELDS = ("colour", "codable")


def save_code(
    actor,
    code: Code | None,
    *,
    language: str | None = None,
    texts: dict[str, dict] | None = None,
    parent_id=None,
    keywords="",
    **values,
) -> Code:
    """Create a code (``code`` None) or change one. ``texts`` holds, per language, the name
    and any of the definition, when to use it, when not and example; a language whose name
    is empty loses its texts. A name, definition... given alone is in ``language`` (the
    editor's by default). The code needs a name in some language, and each name is unique
    among its siblings in its language."""
    authorize(actor, "codebook.manage")
    language = language or current_language()
    texts = {lang: dict(t) for lang, t in (texts or {}).items() if lang in LANGUAGES}
    alone = {key: values.pop(key) for key in TEXTS if key in values}
    if alone:
        texts.setdefault(language, {}).update(alone)
    for text in texts.values():
        text["name"] = " ".join((text.get("name") or "").split())[:200]
    names = {lang: t["name"] for lang, t in texts.items() if t["name"]}
    if code is not None:
        kept = {lang: t.name for lang, t in code.texts.items() if lang not in texts}
        names = {**kept, **names}
    if not names:
        raise CodingError(_l("Give the code a name."), _name_field(language))
    parent = db.session.get(Code, parent_id) if parent_id else None
    siblings = [c for c in (parent.children if parent else _roots())
                if c is not code and c.active]  # fmt: skip
    for lang, name in names.items():
        if any(s.texts.get(lang) and s.texts[lang].name.casefold() == name.casefold()
               for s in siblings):  # fmt: skip
            raise CodingError(_l("There is already a code called %(name)s here.", name=name),
                              _name_field(lang))  # fmt: skip
    if code is not None and values.get("codable") is False and code.codings.count():
        raise CodingError(_l("Passages are coded with this code, so it cannot become a "
                             "category."), "codable")  # fmt: skip
    if parent is not None and not parent.active:
        raise CodingError(_l("A retired code cannot hold other codes."), "parent_id")
    if code is None:
        code = Code(parent=parent, position=_next_position(parent))
        db.session.add(code)
    else:
        _place(code, parent)
    for lang, text in texts.items():
        code.set_texts(lang, **{k: v for k, v in text.items() if k in TEXTS and v is not None})
    for key in FIELDS:
        if key in values and values[key] is not None:
            setattr(code, key, values[key] if key == "codable" else str(values[key]).strip())
    code.keywords = _keywords(keywords)
    db.session.flush()
    audit.record(actor, "codebook.change", "code", code.id, name=code.shown("name", language)[0],
                 languages=sorted(code.texts))  # fmt: skip
    return code


def _name_field(language: str) -> str:
    return f"{language}-name" if language in LANGUAGES else "name"


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


def seed_codebook(actor) -> int:
    """Add the starting codebook from the Karlstad themes, each code with its texts in
    Swedish, Danish and English. A code that is already there (its name in any language, at
    the same place) is not added again: it gets the texts of the languages it lacks.
    The keywords that suggest a code are those of every language. Returns how many codes
    were added."""
    authorize(actor, "codebook.manage")
    added = 0

    def add(entry, parent):
        nonlocal added
        siblings = parent.children if parent else _roots()
        names = {entry["name"][lang].casefold() for lang in LANGUAGES}
        code = next((c for c in siblings if c.names() & names and not c.merged_into_id), None)
        if code is None:
            code = Code(parent=parent, position=_next_position(parent), colour=entry["colour"],
                        codable=entry["codable"])  # fmt: skip
            words = [w for lang in LANGUAGES for w in entry.get("keywords", {}).get(lang, [])]
            code.keywords = _keywords(words)
            db.session.add(code)
            added += 1
        for lang in LANGUAGES:
            if lang not in code.texts:
                code.set_texts(lang, **{f: entry.get(f, {}).get(lang, "") for f in TEXTS})
        db.session.flush()
        for child in entry.get("children", []):
            add(child, code)

    from analysis.codebook import starting_codebook

    for entry in starting_codebook()["codes"]:
        add(entry, None)
    audit.record(actor, "codebook.seed", "code", None, added=added)
    return added
