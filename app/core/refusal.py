"""The one error type for a change the rules refuse.

Each area's refusal (``CodingError``, ``ConsentMissing``, ...) subclasses ``Refused``, so the
request's error handler treats them all alike without knowing any area: the transaction is
rolled back and the person reads the message. This module imports nothing of the application.
"""


class Refused(Exception):
    """A refused change; ``message`` (a lazy string is fine) is for the user, ``field`` names
    the form field it belongs to. Uncaught, it undoes the whole request: see core.transaction.
    """

    #: the status a JSON caller gets, and a page when ``page`` is true
    status = 400
    #: true: show an error page with the status; false: flash and go back
    page = False

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field
