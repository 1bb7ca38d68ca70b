"""Fictional goals and guidelines for the demo, linked to the starting codebook's Swedish
codes and to the themes the review demo makes of them (whatever is missing is left out)."""

from datetime import date, timedelta

from sqlalchemy import select

from app.coding.models import Code
from app.core.db import db
from app.core.users import User
from app.goals import services
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


def _target(kind: str, name: str):
    model = Theme if kind == "theme" else Code
    return db.session.scalar(select(model).where(model.name == name).limit(1))


def load_goals_demo(actor: User, today: date) -> int:
    """The team's change theory, a municipal goal and two guidelines; returns how many goals
    were made. ``actor`` keeps goals (a coordinator or a head of unit)."""
    adopted = date(today.year - 1, 1, 15)
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
    return len(made)
