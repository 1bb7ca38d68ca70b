"""A fictional placement register for the demo: about 60 placements over several years.

Every name, number and date is invented. Phone numbers are from the range Sweden's telecom
regulator keeps for fiction (070-174 06 05 to 070-174 06 99). Dates are relative to today,
so the dashboard always has something due, overdue, waiting and opening soon, and every
eligibility outcome and attrition reason appears.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from stdnum import luhn

from app.consent import gate
from app.consent import services as consent
from app.consent.models import Channel as WithdrawalChannel
from app.consent.models import ConsentForm, Giver, Method
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY
from app.core.users import User
from app.interviews import services as interviews
from app.interviews.models import FlagCategory, Mode, Status
from app.offers import services as offers
from app.offers.models import Answer, Attrition, Channel
from app.participants import services
from app.participants.eligibility import Setting, add_months
from app.participants.models import Relation
from app.releases import services as releases
from app.transcripts import services as transcripts

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
PLAN = [
    # windows closed: every way a follow-up can end
    (8, 52, 15, "interviewed"),
    (2, 50, 16, Attrition.DECLINED),
    (2, 48, 14, Attrition.UNREACHABLE),
    (1, 47, 16, Attrition.UNABLE),
    (1, 46, 17, Attrition.TOO_FAR),
    (1, 45, 15, Attrition.PRACTICAL),
    (1, 44, 16, Attrition.OTHER),
    (2, 43, 15, "missed"),
    (4, 40, 16, "interviewed"),
    # windows open now
    (4, 30, 14, "due"),
    (2, 35, 16, "overdue"),
    (4, 28, 15, "awaiting"),
    (3, 31, 13, "accepted_assigned"),
    (4, 27, 16, "accepted"),
    (3, 33, 15, "interviewed"),
    (1, 29, 15, Attrition.DECLINED),
    # windows about to open
    (3, 23, 14, "upcoming"),
    # not eligible, for each reason
    (3, None, 12, "ongoing"),
    (3, 30, 14, "too_short"),
    (3, 30, 15, Setting.INSTITUTION),
    (3, 30, 13, "custody"),
    (2, 30, 7, "too_young"),
]


def load_register_demo(coordinator: User, interviewers: list[User], today: date) -> int:
    """Register the fictional placements with their offers; returns how many."""
    # Not for secrets: a fixed seed keeps the fictional demo the same on every machine.
    rng = random.Random(2000)  # noqa: S311
    made = 0
    for count, months_ago, age, fate in PLAN:
        for _ in range(count):
            made += 1
            _one(rng, made, coordinator, interviewers, today, months_ago, age, fate)
    return made


def _one(rng, n, coordinator, interviewers, today, months_ago, age, fate) -> None:
    ended = add_months(today, -(months_ago or 0)) - timedelta(days=rng.randint(0, 20))
    if fate == "too_young":
        age = 6  # turns 15 only after the window has closed
    born = date(ended.year - age, rng.randint(1, 12), rng.randint(1, 28))
    length = 3 if fate == "too_short" else rng.randint(14, 96)
    started = max(add_months(ended, -length), add_months(born, 2))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    participant = services.create_participant(
        coordinator,
        code=f"P-{started.year}-{n:03d}",
        name=f"{first} {last}",
        birth_date=born,
        id_number=_personnummer(born, 200 + n),
        phone=f"+46 70 174 06 {5 + n:02d}",
        email=f"{first.lower()}.{n}@example.org".replace("å", "a").replace("ä", "a"),
        address=f"Exempelgatan {n}, 123 45 Exempelstad",
        guardian=_adult(rng) if today < date(born.year + 18, born.month, born.day) else None,
        language="da" if last in ("Jensen", "Kjær", "Mortensen", "Nørgaard", "Olsen") else "sv",
    )
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
    services.add_person(coordinator, participant, Relation.FOSTER_PARENT.value, _adult(rng))
    services.add_person(coordinator, participant, Relation.FOSTER_PARENT.value, _adult(rng))
    services.add_person(coordinator, participant, Relation.BIRTH_PARENT.value, _adult(rng))
    if rng.random() < 0.6:
        sibling = f"{rng.choice(FIRST)} {last}"
        services.add_person(coordinator, participant, Relation.SIBLING.value, sibling)
    _follow_up(rng, coordinator, interviewers, placement, today, fate)


def _follow_up(rng, coordinator, interviewers, placement, today, fate) -> None:
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
    held = min(add_months(answered, 1), today)
    interviewer = suggestion.interviewer
    when = datetime.combine(held if fate == "interviewed" else today + timedelta(days=7),
                            time(10), UTC)  # fmt: skip
    interview = interviews.book(
        coordinator, offer, scheduled_at=when, place="Familjecentralen, samtalsrum 2",
        mode=Mode.IN_PERSON, interviewer=interviewer,
        language=placement.participant.language or "sv",
    )  # fmt: skip
    if fate != "interviewed":
        return
    scopes = _demo_consent(rng, interviewer, interview, held)
    interviews.conduct(interviewer, interview, held)
    for key, memo in DEMO_MEMOS.items():
        interviews.save_memo(interviewer, interview, key, memo, 0)
    interviews.advance(interviewer, interview, Status.DOCUMENTED)
    if interview.id % 2:  # every other one typed up elsewhere and imported, to be checked
        transcripts.import_transcript(interviewer, interview, DEMO_TRANSCRIPT, "samtal.srt")
    elif interview.id % 4 == 0:  # some documented with memos only, released for coding
        interviews.advance(interviewer, interview, Status.VERIFIED)
        _, found = releases.propose(interviewer, interview)
        releases.release(interviewer, interview, additions=[], renames={},
                         accepted=[(p.start, p.end, p.label, p.text) for p in found])  # fmt: skip
    if Scope.RESEARCH_USE in scopes and rng.random() < 0.1:
        consent.withdraw(coordinator, interview, scopes=[Scope.RESEARCH_USE],
                         giver=Giver.YOUNG_PERSON, withdrawn_on=today,
                         channel=WithdrawalChannel.PHONE)  # fmt: skip
    if rng.random() < 0.15:
        interviews.raise_flag(
            interviewer, interview, category=FlagCategory.CHILD_AT_RISK,
            disclosure="Berättade att en yngre halvsyster bor hos pappan, där det är oroligt.",
            follow_up="Stäm av med samordnaren och bedöm om en orosanmälan ska göras.",
            responsible=coordinator, due_on=today + timedelta(days=3),
        )  # fmt: skip


def _demo_consent(rng, interviewer, interview, on) -> list[Scope]:
    """A verbal consent on the interview day; most say yes to everything, some not."""
    scopes = [s for s in Scope if s is Scope.PARTICIPATION or rng.random() < 0.85]
    form = ConsentForm.latest(FORM_KEY, interview.language)
    givers = [(Giver.YOUNG_PERSON, None)]
    if gate.guardian_required(interview):
        givers.append((Giver.GUARDIAN, interview.participant.guardian or "Vårdnadshavare"))
    for giver, guardian_name in givers:
        consent.record(
            interviewer, interview, giver=giver, scopes=scopes, form=form,
            method=Method.VERBAL, given_on=on, witness="Kollega på enheten",
            guardian_name=guardian_name,
        )  # fmt: skip
    return scopes


#: a fictional transcript excerpt, as subtitles with times and speakers
DEMO_TRANSCRIPT = """1
00:00:02,000 --> 00:00:06,500
Intervjuare: Hur har du det i dag, jämfört med när du bodde i familjehemmet?

2
00:00:07,000 --> 00:00:15,200
Den unga: Bättre, tror jag. Jag har en egen lägenhet och läser på komvux.

3
00:00:15,800 --> 00:00:24,000
Den unga: Men i början visste jag inte varför jag flyttade. Ingen sa något.

4
00:00:24,500 --> 00:00:29,000
Intervjuare: Vad hade du behövt få veta då?

5
00:00:29,600 --> 00:00:38,900
Den unga: Att det inte var mitt fel. Och att någon pratade med mamma också.
""".encode()

#: fictional memos for the demo's conducted interviews
DEMO_MEMOS = {
    "life_now": "Bor i egen lägenhet sedan ett år. Läser på komvux och jobbar helger på ett "
    'lager. "Jag är stolt över att jag klarar mig själv."',
    "placement": 'Minns dagen då hen flyttade till familjehemmet: "Ingen sa varför, jag '
    'trodde att det var mitt fel." Fick förklaringen först vid 13 års ålder.',
    "social_services": 'Hade fyra olika socialsekreterare. Den sista "lyssnade på riktigt" '
    "och kom tillbaka när det var svårt.",
    "closing": 'Tyckte att det var bra att bli tillfrågad. "Nu känns det som ett avslut."',
}
