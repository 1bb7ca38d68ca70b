"""The demo's goals load on the starting codebook and its themes."""

from datetime import date

from app.coding.models import Code
from app.coding.services import seed_codebook
from app.core.db import db
from app.core.users import Role
from app.demo.goals import load_goals_demo
from app.goals import queries
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
