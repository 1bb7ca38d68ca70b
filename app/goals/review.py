"""The goals in a review pack: a section per goal in force with its evidence in the
session's scope (suppressed as on the goal's page), the group's latest evaluations, and the
actions that serve it; frozen into the pack like the rest of it."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from app.core.db import db
from app.core.i18n import format_day
from app.core.permissions import can
from app.core.text import clean
from app.goals import evaluations, queries
from app.goals import evidence as goal_evidence
from app.goals.models import Goal, Guideline
from app.reviews.refusals import ReviewError

#: the latest evaluations shown per goal
EVALUATIONS_SHOWN = 3


def pack_goals(actor, scope, actions: list) -> list[dict]:
    """One entry per goal in force: its wording, its evidence per year in ``scope``, the
    latest evaluations, and those of ``actions`` (the ones the session follows up, and its
    own) that serve it."""
    found = []
    for goal in queries.goals():
        shown = goal_evidence.evidence(actor, goal, scope=scope)
        view = shown.view if shown.has_data else None
        found.append({
            "id": goal.id, "title": goal.title, "kind": str(goal.kind_label),
            "result": goal.current.result, "language": goal.current.language,
            "linked": shown.linked,
            "years": view.years if view else [],
            "coded": [str(c) for c in view.coded] if view else [],
            "rows": [{"label": row.label, "cells": [str(c) for c in row.cells],
                      "shares": [c.percent() for c in row.cells], "total": str(row.total)}
                     for row in view.rows] if view else [],
            "coded_all": str(view.coded_all) if view else "",
            "secondary": bool(view and view.has_secondary),
            "evaluations": [
                {"year": e.year, "verdict": str(e.current.verdict_label),
                 "evidence": e.current.evidence}
                for e in evaluations.evaluations(goal)[:EVALUATIONS_SHOWN]
            ],
            "actions": [
                {"what": a.what, "status": str(a.status_enum.label),
                 "due_on": format_day(a.due_on)}
                for a in actions if a.goal_id == goal.id
            ],
        })  # fmt: skip
    return found


def docx_goals(document, goals: list[dict], note: str, table) -> None:
    """The goals' sections of the pack's DOCX (``table`` draws a table as the pack does)."""
    document.add_heading(_("Goal by goal"), level=1)
    if not goals:
        document.add_paragraph(_("The team has no goals in force."))
    for goal in goals:
        document.add_heading(clean(goal["title"]), level=2)
        document.add_paragraph(clean(f"{goal['kind']}: {goal['result']}"))
        if not goal["linked"]:
            document.add_paragraph(
                _("No code or theme is linked to this goal yet, so there is no evidence.")
            )
        elif not goal["rows"]:
            document.add_paragraph(
                _("No coded interviews in this scope yet, so there is nothing to count.")
            )
        else:
            table(document, [_("Direction"), *map(str, goal["years"]), _("All years")],
                  [[_("Coded interviews"), *goal["coded"], goal["coded_all"]]]
                  + [[r["label"], *r["cells"], r["total"]] for r in goal["rows"]])  # fmt: skip
            if goal["secondary"]:
                document.add_paragraph(note)
        for e in goal["evaluations"]:
            line = f"{e['year']}: {e['verdict']}" + (f" – {e['evidence']}" if e["evidence"] else "")
            document.add_paragraph(clean(_("Evaluation %(text)s", text=line)), style="List Bullet")
        for a in goal["actions"]:
            document.add_paragraph(
                clean(_("Action: %(what)s (%(status)s, due %(due)s)", what=a["what"],
                        status=a["status"], due=a["due_on"])),
                style="List Bullet",
            )  # fmt: skip


def served(goal_id: int | None, guideline_id: int | None) -> tuple[int | None, int | None]:
    """The goal (and guideline) a new action may name: one in force. A goal retired later
    stays named by the actions decided before (registered in app.reviews.actions)."""
    if guideline_id is not None:
        guideline = db.session.get(Guideline, guideline_id)
        if guideline is None or guideline.retired_on is not None or guideline.goal.retired:
            raise ReviewError(_l("Choose a goal or guideline in force."), "serves")
        return guideline.goal_id, guideline.id
    if goal_id is not None:
        goal = db.session.get(Goal, goal_id)
        if goal is None or goal.retired:
            raise ReviewError(_l("Choose a goal or guideline in force."), "serves")
    return goal_id, None


def _serves_choices() -> list[SelectChoice]:
    """Goals and guidelines in force: a retired one is not offered for a new action."""
    choices = []
    for goal in queries.goals():
        choices.append(SelectChoice(f"goal:{goal.id}", goal.title))
        choices += [SelectChoice(f"guideline:{g.id}", f"{goal.title} – {g.title}")
                    for g in queries.guidelines(goal) if g.retired_on is None]  # fmt: skip
    return choices


def session_panel(actor, carried: list) -> dict:
    """What a review session's page shows of the goals (registered in app.reviews.routes):
    the goals in force, what may be named by a new action, and under each action it follows
    up that serves a goal what the interviews said before and after (each goal counted once).
    """
    if not can(actor, "goals.view"):
        return {"serves": _serves_choices()}
    counted = {}
    for a in carried:
        if a.goal is not None and a.goal_id not in counted:
            counted[a.goal_id] = goal_evidence.evidence(actor, a.goal)
    return {
        "serves": _serves_choices(),
        "goals_in_force": queries.goals(),
        "lag_years": evaluations.LAG_YEARS,
        "goal_evidence": {a.id: evaluations.action_evidence(actor, a, counted[a.goal_id])
                          for a in carried if a.goal is not None},
    }  # fmt: skip


def minutes_goals(document, session) -> None:
    """The goals in a session's minutes (registered in app.reviews.minutes): each goal in
    force with the group's evaluations up to the session's year and the session's actions
    that serve it. No counts: the pack holds those, suppressed."""
    document.add_heading(_("Goal by goal"), level=2)
    goals = queries.goals()
    if not goals:
        document.add_paragraph(_("The team has no goals in force."))
    for goal in goals:
        document.add_paragraph(clean(goal.title), style="Heading 3")
        shown = [e for e in evaluations.evaluations(goal) if e.year <= session.year]
        for e in shown[:EVALUATIONS_SHOWN]:
            line = f"{e.year}: {e.current.verdict_label}"
            line += f" – {e.current.evidence}" if e.current.evidence else ""
            document.add_paragraph(clean(_("Evaluation %(text)s", text=line)), style="List Bullet")
        if not shown:
            document.add_paragraph(_("No evaluation yet."))
        for a in (a for a in session.actions if a.goal_id == goal.id):
            document.add_paragraph(
                clean(_("Action: %(what)s (%(status)s, due %(due)s)", what=a.what,
                        status=a.status_enum.label, due=format_day(a.due_on))),
                style="List Bullet",
            )  # fmt: skip
