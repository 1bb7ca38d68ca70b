"""The JSON bodies the workspace's script sends, checked before any service sees them.

Strict: a JSON value must already have the type (``"5"`` is not a code id, ``true`` is not
an offset). A refused body gets the message the service gives for the same value, so the
workspace reads the same whatever refused it.
"""

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, ValidationError

from app.codebook.services import CodingError
from app.workspace.services import CODE_GONE, OUTSIDE

#: a refused field -> what the person reads
MESSAGES = {"code": CODE_GONE, "start": OUTSIDE, "end": OUTSIDE}
NOT_SAVED = _l("The coding could not be saved.")


class Body(BaseModel):
    model_config = ConfigDict(strict=True)


class Apply(Body):
    """A new coding: the code and the passage [start, end) in code points, and a memo."""

    code: int | None = None
    start: int | None = None
    end: int | None = None
    memo: str | None = None


class Change(Body):
    """``{"memo": ...}`` sets a coding's memo; ``{"delete": true}`` removes it."""

    memo: str | None = None
    delete: bool = False


class Passage(Body):
    """A passage to suggest codes for."""

    start: int | None = None
    end: int | None = None


def parse(model: type[Body], payload) -> Body:
    """``payload`` as ``model``, or a CodingError with the message for its first problem."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        where = error.errors()[0]["loc"]
        raise CodingError(MESSAGES.get(where[0] if where else None, NOT_SAVED)) from None
