"""The demo data's 2026 pack and themes page: every number shown is true.

A count says "< 3" only when it is under 3; a count hidden to protect another says "–";
every number shown is the count itself."""

from sqlalchemy import select

from app.core.calendar import today
from app.core.users import User
from app.demo import load_demo
from app.offers.reports import attrition
from app.participants.services import rules
from app.reviews import services as reviews
from app.reviews.models import ReviewSession
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope


def true_to(shown: str, value: int) -> bool:
    if shown == "< 3":
        return 0 <= value < 3
    if shown == "–":
        return True
    return shown == str(value)


def test_the_demo_pack_and_themes_show_only_true_numbers(app):
    from app.core.db import db

    load_demo()
    db.session.commit()
    coordinator = User.by_username("kerstin")
    session = db.session.scalar(select(ReviewSession).where(ReviewSession.year == today().year))
    pack = reviews.build_pack_now(coordinator, session)
    data = pack.data
    raw = {y.year: y for y in attrition(today(), rules())}
    marks = []
    for row in data["attrition"]["rows"]:
        year = raw[row["year"]]
        assert true_to(row["eligible"], year.eligible) and true_to(row["offered"], year.offered)
        assert true_to(row["interviewed"], year.interviewed), (row, year)
        assert true_to(row["not_offered"], year.not_offered)
        assert true_to(row["in_progress"], year.in_progress)
        marks += [row["interviewed"], row["not_offered"], row["in_progress"], *row["declined"]]
    if "–" in marks:
        assert data["attrition"]["secondary"]
    # The pack counts for the team's own learning: every interview still taken part in.
    team = Scope(path="themes.count")
    counts = {(k, y): n for k, y, n, _p in aggregates.theme_year(team)}
    coded = aggregates.coded_per_year(team)
    for shown, year in zip(data["coded"], data["years"], strict=True):
        assert true_to(shown, coded[year])
    for theme in data["themes"]:
        for shown, year in zip(theme["cells"], data["years"], strict=True):
            assert true_to(shown, counts.get((theme["id"], year), 0)), (theme["name"], year)
    view = themes.overview(coordinator, team)
    for attribute, (names, rows) in view.bands.items():
        totals = aggregates.by_attribute(team, "theme", attribute)["coded"]
        for c, name in zip(rows[0], names, strict=True):
            assert true_to(str(c), totals.get(name, 0)), (attribute, name)
