"""Theme counts obey consent: a researcher counts only interviews with research use; the
team's own review (coordinator, review group, a pack) counts every interview taken part in;
nobody counts a withdrawn one. Reading and coding inside the team needs no research use;
anything that leaves the team does."""

from datetime import date

import pytest
from sqlalchemy import update

from app.consent import gate
from app.consent import services as consent
from app.consent.gate import ConsentMissing
from app.consent.scopes import Scope as ConsentScope
from app.core.db import db
from app.core.users import Role
from app.exchange import export
from app.interviews.models import Interview
from app.releases import services as releases
from app.reviews import packs, sessions
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.workspace import access, retrieval
from app.workspace.queries import codable_releases
from tests.releases.test_releases import release_all, world  # noqa: F401 (a fixture)
from tests.themes.test_themes import code, mark

NO_RESEARCH = tuple(s for s in ConsentScope if s is not ConsentScope.RESEARCH_USE)
TEAM, RESEARCH = Scope(path="themes.count"), Scope(path="research.count")


@pytest.fixture
def mixed(world, make_user):  # noqa: F811
    """Five released interviews with codes A and B on each: the first two consent to
    research use, the other three only to everything else."""
    interviewer, interview_with = world
    released = []
    for n in range(5):
        _, transcript = interview_with(scopes=tuple(ConsentScope) if n < 2 else NO_RESEARCH)
        released.append(release_all(interviewer, transcript)[1])
    boss = make_user(roles=[Role.COORDINATOR])
    researcher = make_user(roles=[Role.RESEARCHER])
    member = make_user(roles=[Role.REVIEW_MEMBER])
    a, b = code("A"), code("B")
    for release in released:
        mark(release, a.id, 0, 20, boss.id)
        mark(release, b.id, 10, 30, boss.id)
    theme = themes.save_theme(boss, None, name="Belonging", description="", formed_year=2024,
                              revised_year=None, code_ids=[a.id])  # fmt: skip
    other = themes.save_theme(boss, None, name="Origins", description="", formed_year=2024,
                              revised_year=None, code_ids=[b.id])  # fmt: skip
    db.session.commit()
    return {"releases": released, "boss": boss, "researcher": researcher, "member": member,
            "codes": (a, b), "themes": (theme, other), "interviewer": interviewer}  # fmt: skip


def counts(scope: Scope) -> dict:
    """Every count the themes pages and packs are made of."""
    (theme, code_a) = aggregates.theme_year(scope), aggregates.per_year(scope, "code")
    bands = aggregates.by_attribute(scope, "theme", "age_band")
    return {
        "released": aggregates.released_per_year(scope),
        "coded": aggregates.coded_per_year(scope),
        "theme": {(k, y): n for k, y, n, _ in theme},
        "code": {(k, y): n for k, y, n, _ in code_a},
        "bands": (sorted(bands["touching"]), bands["coded"]),
        "together": aggregates.cooccurrence(scope, "theme", "interview"),
        "passages": aggregates.cooccurrence(scope, "theme", "passage"),
    }


def test_a_researcher_counts_only_interviews_with_research_use(mixed):
    (t1, t2), (a, b) = mixed["themes"], mixed["codes"]
    team, research = counts(TEAM), counts(RESEARCH)
    assert team["released"] == team["coded"] == {2026: 5}
    assert research["released"] == research["coded"] == {2026: 2}
    assert team["theme"] == {(t1.id, 2026): 5, (t2.id, 2026): 5}
    assert research["theme"] == {(t1.id, 2026): 2, (t2.id, 2026): 2}
    assert research["code"] == {(a.id, 2026): 2, (b.id, 2026): 2}
    assert research["bands"] == ([(t1.id, "25+", 2), (t2.id, "25+", 2)], {"25+": 2})
    assert team["bands"][1] == {"25+": 5}
    assert team["together"] == team["passages"] == {(t1.id, t2.id): 5}
    assert research["together"] == research["passages"] == {(t1.id, t2.id): 2}
    assert aggregates.released_per_year(Scope()) == {2026: 2}  # the strictest by default


def test_each_viewer_gets_the_counts_their_purpose_allows(mixed, make_user):
    boss, researcher, member = mixed["boss"], mixed["researcher"], mixed["member"]
    sessions.create_session(boss, title="R", year=2026, held_on=date(2026, 12, 1),
                           scope_from=None, scope_to=None, members=[member])  # fmt: skip
    both = make_user(roles=[Role.COORDINATOR, Role.RESEARCHER])
    assert themes.count_path(boss) == themes.count_path(member) == "themes.count"
    assert themes.count_path(researcher) == themes.count_path(both) == "research.count"
    assert str(themes.overview(boss, TEAM).released) == "5"
    assert str(themes.overview(member, TEAM).released) == "5"
    # the team's path asked for by a researcher is narrowed to research use
    view = themes.overview(researcher, TEAM)
    assert str(view.released) == "< 3" and view.coded_total == 2
    theme = mixed["themes"][0]
    assert str(themes.code_rows(researcher, theme, view)[0].total) == "< 3"
    assert str(themes.code_rows(boss, theme, themes.overview(boss, TEAM))[0].total) == "5"


def test_the_pages_count_for_the_viewer_and_the_pack_for_the_team(mixed, client):
    boss, researcher, member = mixed["boss"], mixed["researcher"], mixed["member"]
    session = sessions.create_session(boss, title="R", year=2026, held_on=date(2026, 12, 1),
                                     scope_from=None, scope_to=None, members=[member])  # fmt: skip
    db.session.commit()
    for user, shown in ((researcher, "Released interviews in scope: &lt; 3"),
                        (boss, "Released interviews in scope: 5"),
                        (member, "Released interviews in scope: 5")):  # fmt: skip
        client.post("/login", data={"username": user.username,
                                    "password": "amber-falcon-thimble-73"})  # fmt: skip
        assert shown in client.get("/themes/").get_data(as_text=True)
        client.post("/logout")
    assert packs.released_in_scope(session) == 5
    pack = packs.build_pack_now(boss, session)
    assert pack.data["released"] == "5"


def test_withdrawn_interviews_count_for_nobody(mixed):
    first, third = mixed["releases"][0].interview, mixed["releases"][2].interview
    # research use taken back: out of the research counts, still the team's to learn from
    consent.withdraw(mixed["interviewer"], first, scopes=[ConsentScope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    # an interview withdrawn whose release was left behind (erasure does remove it; a
    # count must not lean on that)
    db.session.execute(update(Interview).where(Interview.id == third.id)
                       .values(status="withdrawn"))  # fmt: skip
    db.session.commit()
    assert counts(RESEARCH)["released"] == {2026: 1}
    assert counts(TEAM)["released"] == counts(TEAM)["coded"] == {2026: 4}
    assert counts(TEAM)["together"] == {tuple(sorted(t.id for t in mixed["themes"])): 4}


def test_the_team_reads_and_codes_without_research_use_but_nothing_leaves_it(mixed):
    boss, researcher = mixed["boss"], mixed["researcher"]
    shared, team_only = mixed["releases"][0], mixed["releases"][2]
    # the coordinator reads and codes a release without research use, for the team
    assert access.read_release(boss, team_only) is team_only
    assert team_only in codable_releases(boss)
    # the researcher can neither read, code nor count it
    with pytest.raises(ConsentMissing):
        access.read_release(researcher, team_only)
    with pytest.raises(ConsentMissing):
        releases.read_release(researcher, team_only)
    assert team_only not in codable_releases(researcher)
    assert shared in codable_releases(researcher)
    # what leaves the team (a .qdpx, an exported retrieval) needs research use, whoever
    # exports it; on the coordinator's screen the passage is there
    a = mixed["codes"][0]
    for actor in (boss, researcher):
        _, exported = export.export_project(actor)
        assert shared in exported and team_only not in exported
        found = retrieval.passages(actor, retrieval.Query(code_id=a.id), for_export=True)
        assert {p.release.id for p in found} == {r.id for r in mixed["releases"][:2]}
    on_screen = retrieval.passages(boss, retrieval.Query(code_id=a.id))
    assert {p.release.id for p in on_screen} == {r.id for r in mixed["releases"]}


def test_the_guardian_flag_follows_the_day_the_birth_date_and_the_rules(
    app, make_participant, make_offer, make_user
):
    from datetime import UTC, datetime

    from app.guides.services import sync_guides
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.participants.eligibility import Rules

    sync_guides()
    boss = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER])
    participant = make_participant(birth_date=date(2008, 12, 1))
    offer = make_offer(participant.placements[0], answer="accepted",
                       interviewer_id=interviewer.id)  # fmt: skip
    interview = interviews.book(
        boss, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
        mode=Mode.IN_PERSON, interviewer=interviewer, language="en",
    )  # fmt: skip
    db.session.commit()
    assert interview.guardian_needed is True  # 17 on the day
    interview.scheduled_at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    db.session.commit()
    assert interview.guardian_needed is False  # 18 by then
    participant.birth_date = date(2009, 1, 5)
    db.session.commit()
    assert interview.guardian_needed is True
    app.config["ELIGIBILITY_RULES"] = Rules(guardian_age=15)
    assert gate.stamp_stale() >= 1 and interview.guardian_needed is False


def test_a_passage_count_never_shows_beside_hidden_interviews(mixed):
    """Two research interviews, but seven pairs of passages in them: the pairs would tell
    what the "< 3" interviews hide, so they are hidden with them (the walk-through found a
    "9" beside a "< 3")."""
    (a, b), boss = mixed["codes"], mixed["boss"]
    first = mixed["releases"][0]
    for start in (40, 60, 80, 100, 120):
        mark(first, a.id, start, start + 10, boss.id)
        mark(first, b.id, start + 5, start + 15, boss.id)
    db.session.commit()
    assert aggregates.cooccurrence(RESEARCH, "theme", "passage") == {
        tuple(sorted(t.id for t in mixed["themes"])): 7
    }
    view = themes.overview(mixed["researcher"], RESEARCH)
    assert str(view.together[0][1]) == "< 3"
    hidden = view.passages[0][1]
    assert hidden.suppressed and hidden.secondary and str(hidden) == "–"
    # the team counts five interviews: its pairs show
    team = themes.overview(boss, TEAM)
    assert str(team.together[0][1]) == "5" and str(team.passages[0][1]) == "10"
