"""Keeping the red thread: goals and their versions, guidelines, and the codes and themes
that speak to a goal.

Every function takes the acting user, checks the permission itself, checks everything it
is given before it changes anything, and only flushes: the request commits.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.codebook.models import Code
from app.config import LANGUAGES
from app.core import audit
from app.core.db import db, utcnow
from app.core.permissions import authorize
from app.exchange import undo
from app.goals import queries
from app.goals.models import (
    Direction,
    Goal,
    GoalError,
    GoalLink,
    GoalVersion,
    Guideline,
    Kind,
    Term,
)
from app.themes.models import Theme

#: the fields of a goal's version, as a save gives them
GOAL_FIELDS = ("title", "result", "term", "work", "reason", "language", "adopted_on", "revised_on")


class GoalConflict(GoalError):
    """Someone saved the goal (or guideline) since this editor loaded it; nothing was
    changed, and the text that was refused is the caller's to keep and show."""


def _goal_fields(kind: str, fields: dict) -> dict:
    """The version's fields, tidied, or GoalError naming the first field that is wrong."""
    clean = {name: fields.get(name) for name in GOAL_FIELDS}
    for name in ("title", "result", "work", "reason"):
        clean[name] = (clean[name] or "").strip()
    clean["term"] = clean["term"] or None
    if not clean["title"]:
        raise GoalError(_l("A goal needs a title."), "title")
    if len(clean["title"]) > 200:
        raise GoalError(_l("A goal's title can be at most 200 characters."), "title")
    if not clean["result"]:
        raise GoalError(_l("Say what result the goal wants for the young people."), "result")
    if clean["term"] is not None and clean["term"] not in {t.value for t in Term}:
        raise GoalError(_l("Choose short or long term."), "term")
    if kind == Kind.TEAM and clean["term"] is None:
        raise GoalError(
            _l("Say whether the result is wanted in the short or the long term."), "term"
        )
    if clean["language"] not in LANGUAGES:
        raise GoalError(_l("Choose the language the goal is written in."), "language")
    _check_dates(clean["adopted_on"], clean["revised_on"])
    return clean


def _check_dates(adopted_on: date | None, revised_on: date | None) -> None:
    if adopted_on is None:
        raise GoalError(_l("Give the date it was adopted."), "adopted_on")
    if revised_on is not None and revised_on < adopted_on:
        raise GoalError(_l("It cannot be revised before it was adopted."), "revised_on")


def create_goal(actor, *, kind: str, **fields) -> Goal:
    """A new goal with its first version."""
    authorize(actor, "goals.edit")
    if kind not in {k.value for k in Kind}:
        raise GoalError(_l("Choose what kind of goal this is."), "kind")
    clean = _goal_fields(kind, fields)
    goal = Goal(kind=kind, version=1, created_by_id=actor.id)
    goal.versions.append(GoalVersion(number=1, saved_by_id=actor.id, **clean))
    db.session.add(goal)
    db.session.flush()
    audit.record(actor, "goal.create", "goal", goal.id, kind=kind)
    return goal


def revise_goal(actor, goal: Goal, version: int, **fields) -> GoalVersion:
    """Save a new version of ``goal`` over version ``version``, the one the editor read.
    Refused with ``GoalConflict`` when another version was saved since (the same words saved
    twice, a double click, are no conflict); the older versions stay as they were."""
    authorize(actor, "goals.edit")
    if goal.retired:
        raise GoalError(_l("A retired goal cannot be changed; its history stays readable."))
    clean = _goal_fields(goal.kind, fields)
    # Compare and set in one statement, so that two saves from the same version (two people,
    # or two windows) cannot both win: the second is refused, never lost.
    moved = db.session.execute(
        update(Goal)
        .where(Goal.id == goal.id, Goal.version == version)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        newest = queries.newest_version(goal)
        if newest is not None and newest.same_text(clean):
            return newest
        raise GoalConflict(
            _l(
                "Someone saved a new version of this goal while you were editing it. Your text "
                "is kept below: compare it with the saved version before you save again."
            )
        )
    saved = GoalVersion(goal_id=goal.id, number=version + 1, saved_by_id=actor.id, **clean)
    db.session.add(saved)
    db.session.flush()
    db.session.expire(goal)
    audit.record(actor, "goal.revise", "goal", goal.id, version=saved.number)
    return saved


def retire_goal(actor, goal: Goal, on: date) -> None:
    """Stop pursuing a goal; it and its history stay readable."""
    authorize(actor, "goals.edit")
    goal.retire(on, actor.id)
    db.session.flush()
    audit.record(actor, "goal.retire", "goal", goal.id)


# --- guidelines ----------------------------------------------------------------------------


def _guideline_fields(fields: dict) -> dict:
    clean = {
        name: fields.get(name)
        for name in ("goal", "title", "text", "owner", "language", "adopted_on", "revised_on")
    }
    for name in ("title", "text", "owner"):
        clean[name] = (clean[name] or "").strip()
    if clean["goal"] is None or clean["goal"].retired:
        raise GoalError(_l("A guideline serves a goal in force."), "goal_id")
    if not clean["title"]:
        raise GoalError(_l("A guideline needs a title."), "title")
    if len(clean["title"]) > 200:
        raise GoalError(_l("A guideline's title can be at most 200 characters."), "title")
    if not clean["owner"]:
        raise GoalError(_l("Say who owns the guideline."), "owner")
    if clean["language"] not in LANGUAGES:
        raise GoalError(_l("Choose the language the goal is written in."), "language")
    _check_dates(clean["adopted_on"], clean["revised_on"])
    return clean


def save_guideline(actor, guideline: Guideline | None, revision: int = 0, **fields) -> Guideline:
    """Create a guideline, or change one read at ``revision`` (refused with
    ``GoalConflict`` when it was saved since)."""
    authorize(actor, "goals.edit")
    clean = _guideline_fields(fields)
    goal = clean.pop("goal")
    if guideline is None:
        guideline = Guideline(goal_id=goal.id, revision=1, updated_by_id=actor.id, **clean)
        db.session.add(guideline)
        db.session.flush()
        audit.record(actor, "guideline.save", "guideline", guideline.id, goal=goal.id)
        return guideline
    if guideline.retired_on is not None:
        raise GoalError(_l("A retired guideline cannot be changed."))
    moved = db.session.execute(
        update(Guideline)
        .where(Guideline.id == guideline.id, Guideline.revision == revision)
        .values(
            goal_id=goal.id,
            revision=revision + 1,
            updated_by_id=actor.id,
            updated_at=utcnow(),
            **clean,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(guideline)
    if moved != 1:
        raise GoalConflict(
            _l(
                "Someone saved this guideline while you were editing it. Your text is kept "
                "below: compare it with the saved one before you save again."
            )
        )
    audit.record(actor, "guideline.save", "guideline", guideline.id, goal=goal.id)
    return guideline


def retire_guideline(actor, guideline: Guideline, on: date) -> None:
    authorize(actor, "goals.edit")
    if guideline.retired_on is not None:
        raise GoalError(_l("The guideline is already retired."))
    if on < guideline.adopted_on:
        raise GoalError(_l("A guideline cannot be retired before it was adopted."))
    guideline.retired_on = on
    guideline.updated_by_id, guideline.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "guideline.retire", "guideline", guideline.id)


# --- evidence links ----------------------------------------------------------------------

_OPPOSITE = {
    Direction.FOR.value: Direction.AGAINST.value,
    Direction.AGAINST.value: Direction.FOR.value,
}


def link(
    actor, goal: Goal, *, direction: str, code: Code | None = None, theme: Theme | None = None
) -> GoalLink:
    """Say that a code's (or a theme's) passages speak for, against or neutrally to
    ``goal``. A code is never both for and against one goal, whether linked itself or
    through a theme: such a link is refused with a message that names where it clashes."""
    authorize(actor, "goals.edit")
    if (code is None) == (theme is None):
        raise GoalError(_l("Choose a code or a theme."), "target")
    if direction not in {d.value for d in Direction}:
        raise GoalError(_l("Choose for, against or neutral."), "direction")
    if goal.retired:
        raise GoalError(_l("A retired goal cannot be changed; its history stays readable."))
    if code is not None and (not code.codable or code.merged_into_id is not None):
        raise GoalError(_l("Only codes of the codebook can be linked to a goal."), "target")
    existing = next(
        (
            x
            for x in goal.links
            if (code is not None and x.code_id == code.id)
            or (theme is not None and x.theme_id == theme.id)
        ),
        None,
    )
    if existing is not None:
        if existing.direction == direction:
            return existing
        raise GoalError(
            _l(
                "%(target)s is already linked to this goal as “%(direction)s”. Remove that link "
                "first to change its direction.",
                target=existing.label,
                direction=existing.direction_label,
            ),
            "target",
        )
    opposite = _OPPOSITE.get(direction)
    if opposite is not None:
        known = queries.code_directions(goal)
        for c in [code] if code is not None else theme.codes:
            clash = known.get(c.id, {}).get(opposite)
            if clash:
                raise GoalError(
                    _l(
                        "The code “%(code)s” would speak both for and against this goal: it "
                        "is already linked as “%(direction)s” through %(where)s. A code can "
                        "only speak one way to a goal; remove or change that link first.",
                        code=c.path,
                        direction=Direction(opposite).label,
                        where=", ".join(f"“{w}”" for w in clash),
                    ),
                    "target",
                )
    found = GoalLink(goal_id=goal.id, code=code, theme=theme, direction=direction,
                     created_by_id=actor.id)  # fmt: skip
    # Two people linking the same code at once: the second's row waits for the first's and
    # clashes with it; they are told, and the request does not fail.
    try:
        with db.session.begin_nested():
            db.session.add(found)
    except IntegrityError:
        raise GoalError(_l("Someone linked it to this goal a moment ago: look at the links "
                           "again."), "target") from None  # fmt: skip
    db.session.expire(goal, ["links"])
    audit.record(
        actor,
        "goal.link",
        "goal",
        goal.id,
        link=found.id,
        direction=direction,
        code=code.id if code else None,
        theme=theme.id if theme else None,
    )
    return found


def unlink(actor, found: GoalLink) -> None:
    authorize(actor, "goals.edit")
    audit.record(actor, "goal.unlink", "goal", found.goal_id, link=found.id)
    goal = found.goal
    goal.links.remove(found)
    db.session.flush()


def _linked(codes: list[Code]) -> str | None:
    """An imported code linked to a goal since holds its import's undo back."""
    return undo.referenced(GoalLink.code_id, codes,
                           _l("imported codes are linked to a goal: %(codes)s"))  # fmt: skip


undo.USES.append(_linked)
