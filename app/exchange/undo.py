"""One undo for a whole project import: its codings and the codes it added go, all of them
or none, and only while nothing has been built on them since.

Built on means: a coding made since with an added code (in the workspace or in a round), a
code placed under one, merged into one or one merged away, an added code edited, in a theme
or linked to a goal, or an imported coding moved to another code or another passage. Then the
undo is refused and says what stands in its way; the person can remove that first.
"""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.codebook.models import Code
from app.codebook.services import CodingError
from app.core import audit
from app.core.audit_entry import AuditEntry
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.exchange.models import ImportState, ProjectImport
from app.workspace.models import Coding


class UndoBlocked(CodingError):
    """The undo is refused: ``blockers`` says what was built on the import since."""

    def __init__(self, blockers: list[str]):
        super().__init__(_l("The import cannot be undone: %(why)s.", why="; ".join(blockers)))
        self.blockers = blockers


#: Areas above this one hang things on codes (a theme, a goal): each adds a check here that
#: gets the imported codes and returns, in words, which of them something was built on.
USES: list[Callable[[list[Code]], str | None]] = []


def names(codes: list[Code]) -> str:
    """Up to three codes' paths, and how many more."""
    shown = [c.path for c in codes[:3]]
    more = len(codes) - len(shown)
    return ", ".join(shown) + (f" (+{more})" if more else "")


def referenced(column, codes: list[Code], message) -> str | None:
    """``message`` (lazy, with ``%(codes)s``) naming those of ``codes`` that a row refers to
    by ``column`` (a code id column of the registering area), or None when none does."""
    used = set(db.session.scalars(select(column).where(column.in_([c.id for c in codes]))))
    return str(message % {"codes": names([c for c in codes if c.id in used])}) if used else None


def blockers(record: ProjectImport) -> list[str]:
    """What was built on the import since, in words; empty when it can be undone."""
    added = record.added_dict
    code_ids = set(added.get("codes", []))
    mine = {row[0]: tuple(row[1:]) for row in added.get("codings", [])}
    codes = db.session.scalars(select(Code).where(Code.id.in_(code_ids)).order_by(Code.id)).all()
    found = []
    used = db.session.execute(
        select(Coding.code_id, Coding.id, Coding.round_id, Coding.consensus)
        .where(Coding.code_id.in_(code_ids))
    ).all()  # fmt: skip
    since = [row for row in used if row.id not in mine]
    # a round's codings other than its consensus may be blind to the importer: that some
    # exist is said, never how many nor with which code (as the workspace hides them)
    shared = [row for row in since if row.round_id is None or row.consensus]
    if shared:
        by = [c for c in codes if c.id in {row.code_id for row in shared}]
        found.append(ngettext("%(num)d coding was made since with %(codes)s",
                              "%(num)d codings were made since with %(codes)s",
                              len(shared), codes=names(by)))  # fmt: skip
    if any(row.round_id is not None for row in since):
        found.append(str(_l("imported codes were used in a coding round")))
    under = db.session.scalars(select(Code).where(Code.parent_id.in_(code_ids),
                                                  Code.id.not_in(code_ids))).all()  # fmt: skip
    if under:
        found.append(str(_l("codes were placed under an imported code since: %(codes)s",
                            codes=names(under))))  # fmt: skip
    merged = db.session.scalars(select(Code).where(Code.merged_into_id.in_(code_ids))).all()
    merged += [c for c in codes if c.merged_into_id]
    if merged:
        found.append(str(_l("codes were merged since: %(codes)s", codes=names(merged))))
    found += [said for check in USES if (said := check(codes))]
    edited = db.session.scalars(select(AuditEntry.object_id).where(
        AuditEntry.object_type == "code", AuditEntry.object_id.in_([str(i) for i in code_ids]),
        AuditEntry.action.in_(("codebook.change", "codebook.merge")),
        AuditEntry.at >= record.imported_at)).all()  # fmt: skip
    if edited:
        changed = [c for c in codes if str(c.id) in set(edited)]
        found.append(str(_l("imported codes were changed in the codebook since: %(codes)s",
                            codes=names(changed))))  # fmt: skip
    now = [row for part in _parts(list(mine)) for row in db.session.execute(
        select(Coding.id, Coding.code_id, Coding.start_offset, Coding.end_offset)
        .where(Coding.id.in_(part))
    ).all()]  # fmt: skip
    moved = sum(1 for row in now if tuple(row[1:]) != mine[row.id])
    if moved:
        found.append(ngettext("%(num)d imported coding was changed since (another code or passage)",
                              "%(num)d imported codings were changed since (another code or "
                              "passage)", moved))  # fmt: skip
    return [str(b) for b in found]


#: ids per query: SQLite takes at most 32,766 parameters in one statement
PART = 10_000


def _parts(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + PART] for i in range(0, len(ids), PART)]


def undo(actor, record: ProjectImport) -> dict:
    """Remove what the import added: its codings (those on codes it merged into as well)
    and its codes; all or nothing, refused (``UndoBlocked``) when something was built on
    them since. An imported coding removed since is simply gone already. Returns the
    counts removed."""
    authorize(actor, "codebook.manage")
    if record.imported_by_id != actor.id:
        raise CodingError(_l("This import is someone else's."))
    if record.state != ImportState.IMPORTED.value:
        raise CodingError(_l("Only an import that is in place can be undone."))
    found = blockers(record)
    if found:
        raise UndoBlocked(found)
    added = record.added_dict
    coding_ids = [row[0] for row in added.get("codings", [])]
    removed = 0
    for part in _parts(coding_ids):
        for coding in db.session.scalars(select(Coding).where(Coding.id.in_(part))):
            db.session.delete(coding)
            removed += 1
    db.session.flush()
    codes = db.session.scalars(select(Code).where(Code.id.in_(added.get("codes", [])))).all()

    def depth(code: Code) -> int:
        return 0 if code.parent is None else 1 + depth(code.parent)

    # the deepest first, so that no code is removed before the codes under it
    for code in sorted(codes, key=depth, reverse=True):
        db.session.delete(code)
        db.session.flush()
    record.state, record.undone_at = ImportState.UNDONE.value, utcnow()
    audit.record(actor, "project.import_undo", "project_import", record.id,
                 codes=len(codes), codings=removed)  # fmt: skip
    return {"codes": len(codes), "codings": removed}
