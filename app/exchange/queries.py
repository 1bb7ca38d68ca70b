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


def coding_guids() -> set[str]:
    """The GUID of every coding here: a coding that comes in again is not doubled."""
    return set(db.session.scalars(select(Coding.guid)).all())


def all_codes() -> list[Code]:
    """Every code of the codebook, retired and merged ones too, in a stable order."""
    return db.session.scalars(select(Code).order_by(Code.id)).all()


def release_guids() -> dict[int, str]:
    """release id -> the GUID exports gave it (none for a release never exported)."""
    rows = db.session.execute(select(ExchangeGuid.entity_id, ExchangeGuid.guid)
                              .where(ExchangeGuid.kind == "release"))  # fmt: skip
    return dict(rows.all())
