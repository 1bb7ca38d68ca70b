"""Fictional case reviews for the demo: last round held with three interviewers (notes, items,
a status to the head of unit), and this round scheduled, with the items not done carried over.

Notes name participants by code only, as a careful coordinator would write them in a demo."""

from datetime import date, timedelta

from app.casereview import queries, services
from app.casereview.models import Section
from app.core.users import User

_ITEMS = [
    ("Ring skolan om tid för intervjun", 10, True),
    ("Påminn om svaret på erbjudandet", 20, False),
    ("Dokumentera minnesanteckningarna från intervjun", 25, False),
]

_REMARK = "Arbetet följer planen; en intervju väntar på bokning."


def load_case_review_demo(coordinator: User, interviewers: list[User], today: date) -> int:
    """Two rounds for the first three interviewers who have cases; returns how many reviews."""
    team = [user for user in interviewers if services.has_cases(user)][:3]
    if not team:
        return 0
    previous_start = today - services.cadence() - timedelta(days=7)
    previous = services.create_round(coordinator, starts_on=previous_start)
    current = services.create_round(coordinator, starts_on=previous.ends_on)
    made = 0
    for n, interviewer in enumerate(team):
        held_on = previous_start + timedelta(days=2 + n)
        review = services.schedule_review(coordinator, previous, interviewer, on=held_on)
        services.add_note(coordinator, review, section=Section.SINCE,
                          text="Två erbjudanden skickade, ett svar kvar.", due_on=None)  # fmt: skip
        for text, days, done in _ITEMS[: 2 + (n % 2)]:
            note = services.add_note(coordinator, review, section=Section.UNTIL, text=text,
                                     due_on=held_on + timedelta(days=days))  # fmt: skip
            if done:
                services.mark_done(interviewer, review, note, on=held_on)
        services.close_review(coordinator, review, on=held_on)
        counts = queries.agenda(review, today).counts()
        services.send_status(coordinator, review, counts=counts, remark=_REMARK)
        day = max(today, current.starts_on) + timedelta(days=2 * n)
        services.schedule_review(coordinator, current, interviewer, on=day)
        made += 2
    return made
