"""What the codebook's pages, and the packages above it, read of the codebook."""

from sqlalchemy import select

from app.codebook.models import Code
from app.core.db import db


def codebook() -> list[Code]:
    """Every code, categories before their codes, in the codebook's order; each carries its
    ``depth`` below the top level."""
    codes = db.session.scalars(select(Code).order_by(Code.position, Code.id)).all()
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def walk(parent_id, depth):
        for code in children.get(parent_id, []):
            code.depth = depth
            ordered.append(code)
            walk(code.id, depth + 1)

    walk(None, 0)
    return ordered


def code(code_id) -> Code | None:
    """The code with this id, or None."""
    return db.session.get(Code, code_id) if code_id else None


def shared_uses(code: Code) -> int:
    """How many shared and consensus codings apply ``code``; a round's blind codings do not
    count. A consensus coding always belongs to its round, so the two counts never overlap
    (``code.codings`` is the query of the code's codings; the coding model is above this
    package)."""
    return code.codings.filter_by(round_id=None).count() + (
        code.codings.filter_by(consensus=True).count()
    )
