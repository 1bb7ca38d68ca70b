"""The demo data's 2026 pack and themes page: every number shown is true, and every quote
is a passage coded with its theme.

A count says "< 3" only when it is under 3; a count hidden to protect another says "–";
every number shown is the count itself."""

from sqlalchemy import or_, select

from app.consent import gate
from app.core.calendar import today
from app.core.text import clean
from app.core.users import User
from app.demo import load_demo
from app.demo.stories import all_stories
from app.offers.reports import attrition
from app.participants.services import rules
from app.releases.models import Release
from app.reviews import packs
from app.reviews.models import ReviewSession
from app.reviews.pack import _quote_text
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.workspace.models import Coding


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
    pack = packs.build_pack_now(coordinator, session)
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
    # The researcher's page counts only interviews with research-use consent, truly too.
    lena = User.by_username("lena")
    research = Scope()
    counts = {(k, y): n for k, y, n, _p in aggregates.theme_year(research)}
    view = themes.overview(lena, research)
    for row in view.rows:
        for cell, year in zip(row.cells, view.years, strict=True):
            assert true_to(str(cell), counts.get((row.key, year), 0)), (row.label, year)
    for cell, year in zip(view.coded, view.years, strict=True):
        assert true_to(str(cell), aggregates.coded_per_year(research).get(year, 0))


def test_the_demo_pack_quotes_only_passages_coded_with_their_theme(app):
    from app.core.db import db

    load_demo()
    db.session.commit()
    coordinator = User.by_username("kerstin")
    session = db.session.scalar(select(ReviewSession).where(ReviewSession.year == today().year))
    data = packs.build_pack_now(coordinator, session).data
    codes = aggregates.theme_codes()
    unquotable = [s.text for s in all_stories() if s.consent == "no_quotation"]
    counted = db.session.scalars(
        select(Coding).where(or_(Coding.round_id.is_(None), Coding.consensus))
    ).all()
    releases = {r.id: r for r in db.session.scalars(select(Release))}
    quoted = []
    for theme in data["themes"]:
        assert theme["quotes"], theme["name"]
        for quote in theme["quotes"]:
            sources = [
                c for c in counted if c.code_id in codes[theme["id"]]
                and clean(_quote_text(releases[c.release_id].text[c.start_offset:c.end_offset]))
                == quote["text"]
            ]  # fmt: skip
            assert sources, (theme["name"], quote["text"])
            assert all(gate.allows(releases[c.release_id].interview, "review.quote")
                       for c in sources)  # fmt: skip
            assert not any(quote["text"] in text for text in unquotable)
            quoted.append(quote["text"])
    # The stories are all different, so the pack never repeats one quote under several
    # themes unless that passage was coded with both.
    assert len(set(quoted)) >= len(quoted) - 2
