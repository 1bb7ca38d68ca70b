"""Fictional goals and guidelines for the demo, linked to the starting codebook's Swedish
codes and to the themes the review demo makes of them (whatever is missing is left out)."""

from datetime import date, timedelta

from sqlalchemy import select

from app.codebook.models import Code
from app.core.db import db
from app.core.users import User
from app.goals import evaluations, queries, services
from app.reviews.models import ReviewAction
from app.themes.models import Theme

_GOALS = [
    {
        "kind": "team", "term": "long",
        "title": "En vuxen som står kvar",
        "result": "Varje ung person har minst en vuxen som står kvar efter placeringen.",
        "work": "Vi planerar övergången från 16 års ålder och stöttar familjehemmet att hålla "
                "kontakten efter 18.",
        "reason": "De unga säger att en trygg anknytning i den sista placeringen betyder mest "
                  "för en bra start i vuxenlivet.",
        "links": [("theme", "Tillhörighet", "for"), ("code", "Stöd efter 18", "for")],
    },
    {
        "kind": "team", "term": "short",
        "title": "Barnet känner sin socialsekreterare",
        "result": "Barnet vet vem socialsekreteraren är och vågar berätta.",
        "work": "Samma socialsekreterare följer barnet, och vi träffar barnet enskilt.",
        "reason": "Barn är rädda att det blir värre om de berättar för någon de inte känner.",
        "links": [("code", "Kontinuitet", "for"),
                  ("code", "Rädsla för att det blir värre om man berättar", "against")],
    },
    {
        "kind": "municipal", "term": None,
        "title": "En trygg och stabil uppväxt",
        "result": "Barn i samhällsvård ska ha en trygg och stabil uppväxt (socialnämndens mål).",
        "work": "", "reason": "", "links": [],
    },
]  # fmt: skip

_GUIDELINES = [
    ("En trygg och stabil uppväxt", "Enskilda samtal med barnet",
     "Socialsekreteraren träffar barnet enskilt minst fyra gånger om året.", "Socialnämnden"),
    ("En vuxen som står kvar", "Planering inför 18 år",
     "Planeringen inför att placeringen upphör börjar när den unga fyller 16.", "Enhetschefen"),
]  # fmt: skip


#: the review demo's actions (by how their text starts) -> the goal and guideline they serve
_ACTION_GOALS = [
    ("Rutin: ett byte av handläggare", "Barnet känner sin socialsekreterare", None),
    ("Syskonumgänge", "En trygg och stabil uppväxt", None),
    ("Checklista för eget boende", "En vuxen som står kvar", "Planering inför 18 år"),
    ("Introduktion för nya kollegor", "Barnet känner sin socialsekreterare", None),
]  # fmt: skip

#: goal -> (years ago, verdict, evidence) for the three past years; a verdict other than
#: "cannot tell yet" becomes "cannot tell yet" for a year without released interviews
_EVALUATIONS = {
    "En vuxen som står kvar": [
        (3, "partly", "Ungefär hälften berättar om en vuxen som fanns kvar efter 18; flera "
                      "saknade stöd när placeringen upphörde."),
        (2, "partly", "Fler nämner familjehemmet som stöd efter 18, men stöd efter 18 saknas "
                      "fortfarande för många."),
        (1, "cannot_tell", "Checklistan för eget boende infördes i fjol; den kan synas i "
                           "intervjuerna först om ungefär två år."),
    ],
    "Barnet känner sin socialsekreterare": [
        (3, "not_met", "Nästan alla nämnde många byten av socialsekreterare."),
        (2, "partly", "Färre nämner byten, men några var fortfarande rädda att berätta."),
        (1, "partly", "Byten nämns mer sällan; rädslan för att det blir värre finns kvar."),
    ],
}  # fmt: skip


def _target(kind: str, name: str):
    found = Theme.name == name if kind == "theme" else Code.named(name)
    return db.session.scalar(select(Theme if kind == "theme" else Code).where(found).limit(1))


def load_goals_demo(actor: User, today: date) -> int:
    """The team's change theory, a municipal goal and two guidelines; returns how many goals
    were made. ``actor`` keeps goals (a coordinator or a head of unit)."""
    adopted = date(today.year - 5, 1, 15)  # before the review demo's first session
    made = {}
    for spec in _GOALS:
        fields = {k: spec[k] for k in ("title", "result", "term", "work", "reason")}
        goal = services.create_goal(actor, kind=spec["kind"], language="sv", adopted_on=adopted,
                                    revised_on=None, **fields)  # fmt: skip
        for kind, name, direction in spec["links"]:
            target = _target(kind, name)
            if target is not None:
                services.link(actor, goal, direction=direction, **{kind: target})
        made[spec["title"]] = goal
    first = made[_GOALS[0]["title"]]
    revised = {k: getattr(first.current, k) for k in services.GOAL_FIELDS}
    revised.update(result=revised["result"] + " Kontakten ska gälla minst till 21 års ålder.",
                   revised_on=today - timedelta(days=60))  # fmt: skip
    services.revise_goal(actor, first, first.version, **revised)
    for goal_title, title, text, owner in _GUIDELINES:
        services.save_guideline(
            actor, None, goal=made[goal_title], title=title, text=text, owner=owner,
            language="sv", adopted_on=adopted, revised_on=None,
        )  # fmt: skip
    _name_goals_in_actions(made, {g.title: g for g in queries.guidelines()})
    for title, said in _EVALUATIONS.items():
        for years_ago, verdict, text in said:
            year = today.year - years_ago
            if evaluations.released_in(year) == 0:
                verdict = "cannot_tell"
            evaluations.evaluate(actor, made[title], year=year, version=0, verdict=verdict,
                                 evidence=text)  # fmt: skip
    # one judgement was revised after a second look, so the history shows two versions
    year = today.year - 2
    if evaluations.released_in(year):
        first = evaluations.evaluation(made["Barnet känner sin socialsekreterare"], year)
        text = first.current.evidence + " Efter samtalet i gruppen: tydligt färre än året innan."
        evaluations.evaluate(
            actor, first.goal, year=year, version=first.version, verdict="partly", evidence=text
        )
    return len(made)


def _name_goals_in_actions(goals: dict, guidelines: dict) -> None:
    """The review demo's sessions were approved before the goals were loaded; here their
    actions name the goal they served, as the team would have when deciding them."""
    for action in db.session.scalars(select(ReviewAction)):
        for start, goal_title, guideline_title in _ACTION_GOALS:
            if action.what.startswith(start):
                action.goal_id = goals[goal_title].id
                if guideline_title in guidelines:
                    action.guideline_id = guidelines[guideline_title].id
    db.session.flush()
