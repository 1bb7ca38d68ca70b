"""Today's date where the team works, not where the server's clock happens to be."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """The date in the installation's time zone (REDTHREAD_TIMEZONE).

    The TODAY setting pins the date, so that tests about deadlines do not change meaning as
    the calendar moves on; it is never set in production.
    """
    if current_app.config.get("TODAY"):
        return current_app.config["TODAY"]
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_date(moment: datetime) -> date:
    """The date of an aware datetime in the installation's time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
