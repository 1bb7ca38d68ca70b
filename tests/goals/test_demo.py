"""The demo's goals load on the starting codebook and its themes."""

from datetime import date

from app.coding.models import Code
from app.coding.services import seed_codebook
from app.core.db import db
from app.core.users import Role
from app.goals import queries
from app.goals.demo import load_goals_demo
from app.themes import services as themes


def test_the_demo_goals_load_with_their_links_history_and_guidelines(make_user):
    boss = make_user(roles=[Role.COORDINATOR])
    seed_codebook(boss, "sv")
    category = db.session.scalar(db.select(Code).where(Code.name == "Tillhörighet"))
    themes.save_theme(boss, None, name="Tillhörighet", description="", formed_year=2025,
                      revised_year=None, code_ids=[c.id for c in category.children])  # fmt: skip
    assert load_goals_demo(boss, date(2026, 12, 7)) == 3
    db.session.commit()
    goals = {g.title: g for g in queries.goals()}
    assert len(goals["En vuxen som står kvar"].versions) == 2
    assert sorted(link.direction for g in goals.values() for link in g.links) == [
        "against", "for", "for", "for"]  # fmt: skip
    assert len(queries.guidelines()) == 2


def test_the_demo_goals_carry_evaluations_over_three_past_years(make_user):
    from app.goals import evaluations

    boss = make_user(roles=[Role.COORDINATOR])
    seed_codebook(boss, "sv")
    load_goals_demo(boss, date(2026, 12, 7))
    db.session.commit()
    goals = {g.title: g for g in queries.goals()}
    found = evaluations.evaluations(goals["Barnet känner sin socialsekreterare"])
    assert [e.year for e in found] == [2025, 2024, 2023]
    # no interviews are released here: every year is honestly "cannot tell yet"
    assert {e.current.verdict for e in found} == {"cannot_tell"}
