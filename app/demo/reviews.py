"""Demo material for themes and the annual review: one theme per category of the starting
codebook, and a review session for every year of the demo's interviews. The past sessions
were held and their minutes approved, with notes, learning points and actions, and each
followed up the actions of the one before; this year's session is being planned and
carries last year's actions, one of them overdue.

Everything is written relative to today: ``years_ago`` 4 is four years before this one."""

from datetime import date, timedelta

from sqlalchemy import select

from app.codebook.models import Code
from app.core.db import db
from app.core.users import User
from app.reviews import actions, sessions
from app.reviews.models import ActionStatus, SessionStatus
from app.themes import services as themes

# agenda items of the default template, by place
IMPRESSIONS, THEMES, PRACTICE = 1, 2, 4  # 3 goes goal by goal

#: years_ago -> what the session said and decided. An action is (key, what, owner, days
#: after the meeting it is due or None for "three weeks ago", theme); a follow-up is (key,
#: status, what became of it), written in the session of that year about an earlier one's.
SESSIONS = {
    4: {
        "notes": [
            (
                IMPRESSIONS,
                "anna",
                "Nästan alla nämnde hur ofta de bytt socialsekreterare. Det var svårt att höra.",
            ),
            (
                THEMES,
                "per",
                "Flera var stolta över att bli tillfrågade, och några sa att "
                "intervjun kändes som ett avslut.",
            ),
        ],
        "learning": "Kontinuitet: byt inte handläggare under placeringens sista år om det "
        "går att undvika.",
        "actions": [
            (
                "continuity",
                "Rutin: ett byte av handläggare under placeringens sista år "
                "stäms alltid av med metodhandledaren först.",
                "kerstin",
                120,
                "Socialsekreteraren",
            ),
            (
                "talk",
                "Erbjud ett uppföljande samtal till den som vill prata vidare efter intervjun.",
                "anna",
                90,
                "Själva intervjun",
            ),
        ],
        "follow_ups": [],
    },
    3: {
        "notes": [
            (
                IMPRESSIONS,
                "malin",
                "Syskonen kom upp i nästan varje intervju, oftast som något som gick förlorat.",
            ),
            (
                PRACTICE,
                "kerstin",
                "Vi planerar umgänge med föräldrar men sällan med syskon. "
                "Det händer av sig självt, eller inte alls.",
            ),
        ],
        "learning": "Syskonkontakt behöver planeras lika noga som kontakt med föräldrarna.",
        "actions": [
            (
                "siblings",
                "Syskonumgänge ska finnas med i varje genomförandeplan.",
                "malin",
                150,
                "Nätverk",
            ),
            (
                "parents",
                "Ta fram en rutin för kontakt med föräldrarna efter placeringen.",
                "kerstin",
                200,
                "Ursprung och biologiska föräldrar",
            ),
        ],
        "follow_ups": [
            (
                "continuity",
                ActionStatus.DONE,
                "Rutinen antogs i mars. Två byten sköts upp till efter att placeringen tog slut.",
            ),
            ("talk", ActionStatus.DONE, "Tre unga tackade ja till ett samtal till."),
        ],
    },
    2: {
        "notes": [
            (
                IMPRESSIONS,
                "per",
                "Många oroade sig för tiden efter 18: pengar, boende och att ingen längre ringer.",
            ),
            (THEMES, "anna", "Färre än förra året nämner många handläggarbyten."),
        ],
        "learning": "Flytten hemifrån behöver planeras från 16 års ålder, inte månaden innan.",
        "actions": [
            (
                "moving",
                "Checklista för eget boende som gås igenom från 16 års ålder.",
                "anna",
                120,
                "Att flytta hemifrån",
            ),
            (
                "school",
                "Fråga efter en kontaktperson på skolan vid varje ny placering.",
                "malin",
                180,
                "Nätverk",
            ),
        ],
        "follow_ups": [
            ("siblings", ActionStatus.IN_PROGRESS, "Finns i ungefär hälften av planerna."),
            ("parents", ActionStatus.DROPPED, "Ersätts av regionens gemensamma rutin."),
        ],
    },
    1: {
        "notes": [
            (
                IMPRESSIONS,
                "malin",
                "Flera nämnde checklistan för eget boende utan att vi frågade om den.",
            ),
            (
                THEMES,
                "kerstin",
                "Kontinuitet tas upp mer sällan nu än för tre år sedan; "
                "att bli lyssnad på tas upp lika ofta som förut.",
            ),
        ],
        "learning": "Rutinen om handläggarbyten verkar ha gjort skillnad. Vi behåller den.",
        "actions": [
            (
                "letter",
                "Skriv brevet tillbaka till de unga om vad vi lärt oss i år.",
                "kerstin",
                400,
                "Själva intervjun",
            ),
            (
                "newcomers",
                "Introduktion för nya kollegor med tre citat ur årets pack.",
                "anna",
                None,
                "Socialsekreteraren",
            ),
        ],
        "follow_ups": [
            ("siblings", ActionStatus.DONE, "Syskonumgänge finns nu i alla nya planer."),
            (
                "moving",
                ActionStatus.DONE,
                "Används sedan i våras; flera i årets intervjuer nämner den.",
            ),
            ("school", ActionStatus.IN_PROGRESS, "Påbörjat med två skolor."),
        ],
    },
}


def _themes(coordinator: User, formed_year: int) -> dict[str, int]:
    made = {}
    categories = db.session.scalars(
        select(Code).where(Code.parent_id.is_(None)).order_by(Code.position)
    ).all()
    for category in categories:
        children = [c.id for c in category.children if c.codable]
        if children:
            theme = themes.save_theme(coordinator, None, name=category.name,
                                      description=category.definition,
                                      formed_year=formed_year, revised_year=None,
                                      code_ids=children)  # fmt: skip
            made[category.name] = theme.id
    return made


def load_review_demo(coordinator: User, members: list[User], today: date) -> int:
    """The themes and a session per year; returns how many sessions."""
    theme_ids = _themes(coordinator, today.year - max(SESSIONS))
    everyone = [coordinator, *members]
    decided = {}
    for years_ago in sorted(SESSIONS, reverse=True):
        plan, year = SESSIONS[years_ago], today.year - years_ago
        held = date(year, 11, 18)
        session = sessions.create_session(
            coordinator, title=f"Återblick {year}", year=year, held_on=held,
            scope_from=None, scope_to=date(year, 11, 1), members=everyone,
        )  # fmt: skip
        for item, author, body in plan["notes"]:
            actions.add_note(User.by_username(author), session, item=item, body=body)
        actions.add_note(coordinator, session, item=PRACTICE, learning=True,
                         body=plan["learning"])  # fmt: skip
        for key, status, said in plan["follow_ups"]:
            actions.update_action(coordinator, decided[key], status=status.value,
                                  follow_up=said, in_session=session)  # fmt: skip
        for key, what, owner, days, theme in plan["actions"]:
            # one of last year's actions is overdue whatever the day the demo is loaded
            due = today - timedelta(days=21) if days is None else held + timedelta(days=days)
            decided[key] = actions.add_action(
                coordinator, session, what=what, owner=User.by_username(owner),
                due_on=max(due, held), theme_id=theme_ids.get(theme),
            )  # fmt: skip
        sessions.set_status(coordinator, session, SessionStatus.HELD)
        sessions.set_status(coordinator, session, SessionStatus.APPROVED)
    sessions.create_session(
        coordinator, title=f"Återblick {today.year}", year=today.year,
        held_on=today + timedelta(days=21), scope_from=None, scope_to=None, members=everyone,
    )  # fmt: skip
    db.session.flush()
    return len(SESSIONS) + 1
