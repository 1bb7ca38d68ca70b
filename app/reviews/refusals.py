"""The refusal of the review area: a change to a session, its agenda, notes, actions or pack
that cannot be made as asked, with the message for the user.
"""

from app.core.refusal import Refused


class ReviewError(Refused):
    """A review could not be changed as asked; the message is for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field
