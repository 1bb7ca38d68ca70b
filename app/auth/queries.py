"""Read queries of the login pages."""

from app.core.db import db
from app.core.users import User


def user(user_id) -> User | None:
    """The account with this id (as the half-way login keeps it in the session), or None."""
    return db.session.get(User, user_id) if isinstance(user_id, int) else None
