"""What a release is counted and filtered by, without identifying anyone: the year of the
interview, the age band on the interview day and the years-in-care band of the placement
followed up. Worked out once when the release is made (the birth date is encrypted, so the
database cannot band it) and kept on the release."""

from datetime import date

from sqlalchemy import select

from app.core.db import db

AGE_BANDS = (("15-17", 15, 17), ("18-20", 18, 20), ("21-24", 21, 24), ("25+", 25, 200))
CARE_BANDS = (("0-1", 0, 1), ("2-4", 2, 4), ("5-9", 5, 9), ("10+", 10, 100))


def years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def band(value: int | None, bands) -> str:
    for name, low, high in bands:
        if value is not None and low <= value <= high:
            return name
    return ""


def describe(interview) -> tuple[int, str, str]:
    """(year, age band, years-in-care band) of an interview."""
    day = interview.conducted_on or interview.scheduled_at.date()
    participant = interview.participant
    age = years_between(participant.birth_date, day) if participant.birth_date else None
    placement = interview.offer.placement
    care = years_between(placement.started_on, placement.ended_on) if placement.ended_on else None
    return day.year, band(age, AGE_BANDS), band(care, CARE_BANDS)


def stamp(release) -> None:
    release.year, release.age_band, release.care_band = describe(release.interview)


def stamp_missing() -> int:
    """Stamp releases made before releases were stamped; returns how many."""
    from app.releases.models import Release

    missing = db.session.scalars(select(Release).where(Release.year.is_(None))).all()
    for release in missing:
        stamp(release)
    if missing:
        db.session.flush()
    return len(missing)
