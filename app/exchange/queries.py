"""What the exchange reads: the codings an export carries, and what an import compares
against."""

from sqlalchemy import select

from app.codebook.models import Code
from app.core.db import db
from app.exchange.models import ExchangeGuid
from app.workspace.models import Coding


def shared_codings(release_ids: list[int]) -> list[Coding]:
    """The shared and consensus codings of these releases, in the order of the text."""
    return db.session.scalars(
        select(Coding).where(Coding.release_id.in_(release_ids),
                             Coding.round_id.is_(None) | Coding.consensus)
        .order_by(Coding.release_id, Coding.start_offset, Coding.id)
    ).all()  # fmt: skip


def root_count() -> int:
    """How many codes are at the codebook's top level."""
    return len(db.session.scalars(select(Code.id).where(Code.parent_id.is_(None))).all())


def coding_guids(among: set[str]) -> set[str]:
    """Which of these GUIDs a coding here has: a coding that comes in again is not doubled.
    Asked in parts, as SQLite takes at most 32,766 parameters in one statement."""
    wanted, found = sorted(among), set()
    for i in range(0, len(wanted), 10_000):
        part = wanted[i : i + 10_000]
        found.update(db.session.scalars(select(Coding.guid).where(Coding.guid.in_(part))))
    return found


def counted_spans(release_id: int) -> set[tuple[int, int, int]]:
    """(code id, start, end) of each coding on the release that counts: the shared ones and
    the consensus of settled rounds, whoever made them. An import does not add one of these
    again. A round's blind codings are left out on purpose: they are one coder's independent
    judgement, seen by nobody else until the round closes and counted nowhere; a passage
    left out of an import because someone coded it blind would tell the importer of a blind
    coding, and leave the shared codings, which retrieval shows, without it."""
    rows = db.session.execute(select(Coding.code_id, Coding.start_offset, Coding.end_offset)
                              .where(Coding.release_id == release_id,
                                     Coding.round_id.is_(None) | Coding.consensus))  # fmt: skip
    return {tuple(row) for row in rows}


def all_codes() -> list[Code]:
    """Every code of the codebook, retired and merged ones too, in a stable order."""
    return db.session.scalars(select(Code).order_by(Code.id)).all()


def release_guids() -> dict[int, str]:
    """release id -> the GUID exports gave it (none for a release never exported)."""
    rows = db.session.execute(select(ExchangeGuid.entity_id, ExchangeGuid.guid)
                              .where(ExchangeGuid.kind == "release"))  # fmt: skip
    return dict(rows.all())
