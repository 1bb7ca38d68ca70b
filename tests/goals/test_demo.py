"""The demo's goals load on the starting codebook and its themes."""

from datetime import date

from app.codebook.models import Code
from app.codebook.services import seed_codebook
from app.core.db import db
from app.core.users import Role
from app.demo.goals import load_goals_demo
from app.goals import queries
from app.themes import services as themes


def test_the_demo_goals_load_with_their_links_history_and_guidelines(make_user):
    boss = make_user(roles=[Role.COORDINATOR])
    seed_codebook(boss)
    category = db.session.scalar(db.select(Code).where(Code.named("Tillhörighet")))
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
    seed_codebook(boss)
    load_goals_demo(boss, date(2026, 12, 7))
    db.session.commit()
    goals = {g.title: g for g in queries.goals()}
    found = evaluations.evaluations(goals["Barnet känner sin socialsekreterare"])
    assert [e.year for e in found] == [2025, 2024, 2023]
    # no interviews are released here: every year is honestly "cannot tell yet"
    assert {e.current.verdict for e in found} == {"cannot_tell"}


def test_a_goal_row_hides_only_the_cells_that_protect_a_small_count(app):
    """In the demo, "against" the social-worker goal is one code, on one interview in each
    of four years. The goal page shows no breakdown by band, so those "< 3" years and a
    hidden total are enough; the row reads as the themes page's row for that code, not as
    a row of "–" hidden to protect bands that no page shows."""
    from app.core.users import User
    from app.demo import load_demo
    from app.goals import evidence
    from app.themes.aggregates import Scope

    load_demo()
    db.session.commit()
    goal = next(g for g in queries.goals() if g.title == "Barnet känner sin socialsekreterare")
    (against,) = queries.direction_codes(goal)["against"]
    coordinator = User.by_username("kerstin")
    overview = themes.overview(coordinator, Scope(path="themes.count"), full=False)
    theme = next(t for t in themes.themes() if against in {c.id for c in t.codes})
    code_row = next(r for r in themes.code_rows(coordinator, theme, overview) if r.key == against)
    for name in ("per", "mette", "kerstin"):
        rows = {r.key: r for r in evidence.evidence(User.by_username(name), goal).view.rows}
        shown = [str(c) for c in [*rows["against"].cells, rows["against"].total]]
        assert shown == [str(c) for c in [*code_row.cells, code_row.total]], name
        assert "< 3" in shown[:-1], name
