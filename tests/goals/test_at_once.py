"""Two first saves at once (two people, two machines) on PostgreSQL, where the second
transaction really waits for the first: the second is told, never a server error (500)."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import threading

import pytest

from app.core.db import db
from app.goals import evaluations
from app.goals.services import GoalConflict
from tests.conftest import PG_URL
from tests.goals.test_red_thread import thread  # noqa: F401 (a fixture)
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="two transactions wait on each other only in PostgreSQL"
)


def at_once(app, first, second) -> dict:
    """Run ``first`` here, uncommitted, and ``second`` in another transaction meanwhile;
    commit the first, and return what the second raised or gave."""
    first()
    seen = {}

    def other_machine():
        with app.app_context():
            try:
                seen["result"] = second()
                db.session.commit()
            except Exception as error:  # the test reads what it was
                seen["error"] = error
            finally:
                db.session.rollback()
                db.session.remove()

    worker = threading.Thread(target=other_machine)
    worker.start()
    worker.join(timeout=1)
    assert worker.is_alive(), "the second save did not wait for the first"
    db.session.commit()
    worker.join(timeout=20)
    return seen


@needs_postgres
def test_two_first_evaluations_at_once_refuse_the_second_with_the_conflict(app, thread):
    t = thread
    goal_id, member_id, boss_id = t["goal"].id, t["member"].id, t["boss"].id

    def save(user_id, verdict, evidence):
        from app.core.users import User
        from app.goals.models import Goal

        return lambda: evaluations.evaluate(
            db.session.get(User, user_id), db.session.get(Goal, goal_id), year=2026,
            version=0, verdict=verdict, evidence=evidence,
        )  # fmt: skip

    seen = at_once(app, save(member_id, "partly", "Most"), save(boss_id, "met", "All"))
    assert isinstance(seen.get("error"), GoalConflict), seen
    (found,) = evaluations.evaluations(t["goal"])
    assert [v.verdict for v in found.versions] == ["partly"]


@needs_postgres
def test_two_coordinators_linking_one_code_at_once_tell_the_second(app, corpus, make_user):
    from app.codebook.models import Code
    from app.core.users import Role, User
    from app.goals import services
    from app.goals.models import Goal, GoalError
    from tests.goals.test_goals import FIELDS

    goal = services.create_goal(corpus["boss"], kind="team", **FIELDS)
    other = make_user(roles=[Role.COORDINATOR])
    db.session.commit()
    goal_id, code_id, boss_id, other_id = (
        goal.id,
        corpus["codes"][1].id,
        corpus["boss"].id,
        other.id,
    )

    def link(user_id):
        return lambda: services.link(
            db.session.get(User, user_id), db.session.get(Goal, goal_id), direction="for",
            code=db.session.get(Code, code_id),
        )  # fmt: skip

    seen = at_once(app, link(boss_id), link(other_id))
    assert isinstance(seen.get("error"), GoalError) and "a moment ago" in str(seen["error"])
    db.session.expire_all()
    assert len(db.session.get(Goal, goal_id).links) == 1
