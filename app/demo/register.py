"""A fictional placement register for the demo: about 80 placements over several years.

Every name, number and date is invented. Phone numbers are from the range Sweden's telecom
regulator keeps for fiction (070-174 06 05 to 070-174 06 99). Dates are relative to today,
so the dashboard always has something due, overdue, waiting and opening soon, and every
eligibility outcome and attrition reason appears. The young people who were interviewed
come from the demo's stories (``app.demo.stories``): their placements are dated so that
each interview falls in the year and at the age its story says; this module books those
interviews, and ``app.demo.interviews`` holds and documents them.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from stdnum import luhn

from app.core.db import db
from app.core.users import User
from app.interviews import services as interviews
from app.interviews.models import Interview, Mode
from app.offers import services as offers
from app.offers.models import Answer, Attrition, Channel
from app.participants import services
from app.participants.eligibility import Setting, add_months
from app.participants.models import Relation

FIRST = [
    "Alva", "Elias", "Maja", "Liam", "Saga", "Noah", "Ebba", "Hugo", "Freja", "Oskar",
    "Ida", "Malte", "Nora", "Emil", "Wilma", "Viggo", "Signe", "Anton", "Tuva", "Lucas",
    "Astrid", "Isak", "Klara", "Melvin", "Selma", "Albin", "Agnes", "Theo", "Ella", "Sixten",
]  # fmt: skip
LAST = [
    "Lindberg", "Nyström", "Holmgren", "Sandberg", "Åkesson", "Björk", "Dahl", "Ekström",
    "Fransson", "Grahn", "Hedlund", "Jensen", "Kjær", "Lund", "Mortensen", "Nørgaard",
    "Olsen", "Pedersen", "Rasmussen", "Søndergaard",
]  # fmt: skip
DANISH = ("Jensen", "Kjær", "Mortensen", "Nørgaard", "Olsen")
ADULTS = [
    "Birgitta", "Lars", "Helena", "Mikael", "Karin", "Anders", "Susanne", "Henrik", "Lotte",
    "Søren", "Camilla", "Jesper", "Eva", "Thomas", "Marianne", "Peter",
]  # fmt: skip
FORMER_WORKERS = ["Gunilla Ohlsson", "Bo Strand", "Hanne Vestergaard"]


def _personnummer(born: date, serial: int) -> str:
    digits = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}-{serial:03d}{luhn.calc_check_digit(digits)}"


def _adult(rng: random.Random) -> str:
    return f"{rng.choice(ADULTS)} {rng.choice(LAST)}"


#: (how many, months ago the placement ended, age in years when it ended, what to make of it)
#: Those interviewed are not here: each has a story of its own.
PLAN = [
    # windows closed: every way a follow-up can end without an interview
    (1, 74, 16, Attrition.DECLINED),
    (1, 50, 16, Attrition.DECLINED),
    (1, 62, 14, Attrition.UNREACHABLE),
    (1, 48, 14, Attrition.UNREACHABLE),
    (1, 47, 16, Attrition.UNABLE),
    (1, 46, 17, Attrition.TOO_FAR),
    (1, 45, 15, Attrition.PRACTICAL),
    (1, 44, 16, Attrition.OTHER),
    (2, 43, 15, "missed"),
    (1, 40, 16, Attrition.DECLINED),
    # windows open now
    (4, 30, 14, "due"),
    (2, 35, 16, "overdue"),
    (4, 28, 15, "awaiting"),
    (3, 31, 13, "accepted_assigned"),
    (4, 27, 16, "accepted"),
    (1, 29, 15, Attrition.DECLINED),
    (1, 32, 16, Attrition.UNREACHABLE),
    # windows about to open
    (3, 23, 14, "upcoming"),
    # not eligible, for each reason
    (3, None, 12, "ongoing"),
    (3, 30, 14, "too_short"),
    (3, 30, 15, Setting.INSTITUTION),
    (3, 30, 13, "custody"),
    (2, 30, 7, "too_young"),
]


def load_register_demo(coordinator: User, interviewers: list[User], today: date,
                       stories: list) -> tuple[int, list[tuple[Interview, object]]]:  # fmt: skip
    """Register the fictional placements with their offers; returns how many, and the
    interviews booked for the stories (held on their day, not yet conducted)."""
    # Not for secrets: a fixed seed keeps the fictional demo the same on every machine.
    rng = random.Random(2000)  # noqa: S311
    made, booked = 0, []
    for count, months_ago, age, fate in PLAN:
        for _ in range(count):
            made += 1
            _one(rng, made, coordinator, interviewers, today, months_ago, age, fate)
    for story in stories:
        made += 1
        booked.append((_storied(rng, made, coordinator, story), story))
    return made, booked


def _participant(rng, n, coordinator, today, born, started, language=None):
    last = rng.choice(DANISH if language == "da" else [x for x in LAST if x not in DANISH])
    if language is None:
        last = rng.choice(LAST)
    first = rng.choice(FIRST)
    return services.create_participant(
        coordinator,
        code=f"P-{started.year}-{n:03d}",
        name=f"{first} {last}",
        birth_date=born,
        id_number=_personnummer(born, 200 + n),
        phone=f"+46 70 174 06 {5 + n:02d}",
        email=f"{first.lower()}.{n}@example.org".replace("å", "a").replace("ä", "a"),
        address=f"Exempelgatan {n}, 123 45 Exempelstad",
        guardian=_adult(rng) if today < date(born.year + 18, born.month, born.day) else None,
        language=language or ("da" if last in DANISH else "sv"),
    )


def _people(rng, coordinator, participant) -> None:
    last = participant.name.split()[-1]
    services.add_person(coordinator, participant, Relation.FOSTER_PARENT.value, _adult(rng))
    services.add_person(coordinator, participant, Relation.FOSTER_PARENT.value, _adult(rng))
    services.add_person(coordinator, participant, Relation.BIRTH_PARENT.value, _adult(rng))
    if rng.random() < 0.6:
        sibling = f"{rng.choice(FIRST)} {last}"
        services.add_person(coordinator, participant, Relation.SIBLING.value, sibling)


def _storied(rng, n, coordinator, story) -> Interview:
    """A placement whose follow-up interview is held on the story's day by its interviewer:
    the placement ended 27 months before, so the offer window opened three months before."""
    held = story.held_on
    ended = add_months(held, -27) - timedelta(days=rng.randint(0, 10))
    # the birthday falls before the interview day in its year, so the age is the story's
    if held.month > 1:
        born = date(held.year - story.age, rng.randint(1, held.month - 1), rng.randint(1, 28))
    else:
        born = date(held.year - story.age, 1, rng.randint(1, max(1, held.day - 1)))
    started = max(add_months(ended, -rng.randint(18, 110)), add_months(born, 2))
    participant = _participant(rng, n, coordinator, story.today, born, started, story.language)
    placement = services.add_placement(
        coordinator, participant, started_on=started, ended_on=ended,
        setting_at_end=Setting.FAMILY_HOME, custody_transferred=False,
        worker_ids=[story.interviewer.id] if story.own_worker else [],
        worker_names=[] if story.own_worker else [rng.choice(FORMER_WORKERS)],
    )  # fmt: skip
    _people(rng, coordinator, participant)
    offer = offers.record_offer(coordinator, placement, offered_on=add_months(held, -2),
                                channel=rng.choice(list(Channel)))  # fmt: skip
    answered = add_months(held, -2) + timedelta(days=12)
    offers.record_answer(coordinator, offer, answer=Answer.ACCEPTED, answered_on=answered)
    offers.assign(coordinator, offer, story.interviewer, on=answered)
    return interviews.book(
        coordinator, offer, scheduled_at=datetime.combine(held, time(10), UTC),
        place=story.place, mode=Mode.IN_PERSON, interviewer=story.interviewer,
        language=story.language,
    )  # fmt: skip


def _one(rng, n, coordinator, interviewers, today, months_ago, age, fate) -> None:
    ended = add_months(today, -(months_ago or 0)) - timedelta(days=rng.randint(0, 20))
    if fate == "too_young":
        age = 6  # turns 15 only after the window has closed
    born = date(ended.year - age, rng.randint(1, 12), rng.randint(1, 28))
    length = 3 if fate == "too_short" else rng.randint(14, 96)
    started = max(add_months(ended, -length), add_months(born, 2))
    participant = _participant(rng, n, coordinator, today, born, started)
    worker_ids = [rng.choice(interviewers).id] if rng.random() < 0.6 else []
    worker_names = [] if worker_ids else [rng.choice(FORMER_WORKERS)]
    placement = services.add_placement(
        coordinator,
        participant,
        started_on=started,
        ended_on=None if fate == "ongoing" else ended,
        setting_at_end=fate if isinstance(fate, Setting) else Setting.FAMILY_HOME,
        custody_transferred=fate == "custody",
        worker_ids=worker_ids,
        worker_names=worker_names,
    )
    _people(rng, coordinator, participant)
    _follow_up(rng, coordinator, placement, today, fate)


def _follow_up(rng, coordinator, placement, today, fate) -> None:
    eligibility = placement.eligibility(services.rules())
    if not eligibility.eligible or fate in ("due", "overdue", "upcoming", "missed"):
        return
    opens = eligibility.window_opens
    offered_on = min(add_months(opens, 1), today)
    offer = offers.record_offer(
        coordinator, placement, offered_on=offered_on, channel=rng.choice(list(Channel))
    )
    if fate == "awaiting":
        offers.add_reminder(coordinator, offer, sent_on=min(add_months(offered_on, 1), today),
                            channel=Channel.PHONE)  # fmt: skip
        return
    answered = min(add_months(offered_on, 1), today)
    if isinstance(fate, Attrition):
        answer = {Attrition.DECLINED: Answer.DECLINED, Attrition.UNREACHABLE: Answer.UNREACHABLE}
        offers.record_answer(
            coordinator, offer, answer=answer.get(fate, Answer.ACCEPTED), answered_on=answered
        )
        if fate not in answer:
            note = "Flyttat utomlands och vill vänta." if fate is Attrition.OTHER else None
            offers.close_without_interview(coordinator, offer, reason=fate, note=note)
        return
    offers.record_answer(coordinator, offer, answer=Answer.ACCEPTED, answered_on=answered)
    if fate == "accepted":
        return
    suggestion = offers.suggest_interviewer(placement, answered.year)
    offers.assign(coordinator, offer, suggestion.interviewer, on=answered)
    # one room: the day's bookings follow each other two hours apart, not all at ten
    day = datetime.combine(today + timedelta(days=7), time(9), UTC)
    that_day = (Interview.scheduled_at >= day, Interview.scheduled_at < day + timedelta(days=1))
    slot = db.session.scalar(select(func.count(Interview.id)).where(*that_day))
    # with no preference recorded, the young person meets the interviewer in their language
    # (and its guide): a Danish interviewer does not lead a Swedish guide
    language = placement.participant.language or suggestion.interviewer.language or "sv"
    interviews.book(
        coordinator, offer, scheduled_at=day + timedelta(hours=2 * slot),
        place="Familjecentralen, samtalsrum 2", mode=Mode.IN_PERSON,
        interviewer=suggestion.interviewer, language=language,
    )  # fmt: skip
