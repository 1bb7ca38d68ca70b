"""A user's dated items as an iCalendar feed (RFC 5545), built with the icalendar package."""

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.casereview.queries import KIND_LABELS, Dated
from app.core.db import utcnow

#: how long a booked interview is shown as taking
INTERVIEW_LENGTH = timedelta(hours=1, minutes=30)


def summary(item: Dated) -> str:
    label = str(KIND_LABELS[item.kind])
    return f"{label}: {item.code}" if item.code else label


def calendar(items: list[Dated], host: str) -> bytes:
    """The feed: one event per item; whole days except booked interviews. Only kinds and
    pseudonymous codes go in, as calendar servers and phones keep copies."""
    cal = Calendar()
    cal.add("prodid", "-//Red Thread//Case review//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Red Thread"))
    stamp = utcnow()
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", summary(item))
        if item.at is not None:
            event.add("dtstart", item.at)
            event.add("dtend", item.at + INTERVIEW_LENGTH)
        else:
            event.add("dtstart", item.day)
            event.add("dtend", item.day + timedelta(days=1))
        cal.add_component(event)
    return cal.to_ical()
