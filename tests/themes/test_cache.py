"""Counts kept under the change token: every change of what the themes and goal pages count
(codings, consent, releases, erasure, a theme's codes, an interview's day or status) gives
the pages a new number at once, in every process; a kept count is never a stale one."""

import re
from datetime import date

import pytest
from sqlalchemy import event, select, text, update

from app.consent import services as consent
from app.consent.scopes import Scope as ConsentScope
from app.core import cache
from app.core.db import db
from app.core.users import Role
from app.goals import evidence
from app.goals import services as goals
from app.interviews.models import Interview
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.themes.models import AggregateVersion
from app.workspace import services as coding
from app.workspace.models import Coding
from tests.conftest import PASSWORD
from tests.goals.test_goals import FIELDS
from tests.releases.test_releases import release_all

TEAM, RESEARCH = Scope(path="themes.count"), Scope(path="research.count")


def counts(scope: Scope) -> dict:
    """Every raw count the themes pages, goal pages and packs are made of."""
    return {
        "released": aggregates.released_per_year(scope),
        "coded": aggregates.coded_per_year(scope),
        "themes": sorted(aggregates.theme_year(scope)),
        "codes": sorted(aggregates.per_year(scope, "code")),
        "bands": {a: aggregates.by_attribute(scope, "theme", a) for a in aggregates.ATTRIBUTES},
        "together": aggregates.cooccurrence(scope, "theme", "interview"),
        "passages": aggregates.cooccurrence(scope, "code", "passage"),
    }


def fresh(monkeypatch, scope: Scope) -> dict:
    """The counts as the database gives them now, nothing kept."""
    with monkeypatch.context() as patched:
        patched.setattr(cache, "token", lambda version=cache.AGGREGATES: None)
        return counts(scope)


class Queries:
    """Counts the count queries a block of code sends to the database."""

    def __init__(self):
        self.n = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        lowered = statement.lower()
        if "transcript_release" in statement and ("count(" in lowered or "sum(" in lowered):
            self.n += 1


def test_counts_are_kept_and_read_without_counting_again(corpus):
    first = counts(RESEARCH)
    db.session.commit()
    with Queries() as queries:
        again = counts(RESEARCH)
    assert again == first and queries.n == 0
    # the team's counts are kept apart from the researcher's
    with Queries() as queries:
        counts(TEAM)
    assert queries.n > 0


def test_a_writing_transaction_neither_reads_nor_keeps(corpus):
    before = counts(RESEARCH)
    db.session.commit()
    a = corpus["codes"][0]
    release = corpus["releases"][3]
    coding.apply(corpus["researcher"], release, a.id, 60, 70)  # flushed, not committed
    with Queries() as queries:
        inside = counts(RESEARCH)
    assert queries.n > 0
    assert inside["codes"] != before["codes"]  # its own change is counted
    db.session.rollback()
    assert counts(RESEARCH) == before  # what it saw was never kept


def _code(corpus):
    c = corpus["codes"][2]
    coding.apply(corpus["researcher"], corpus["releases"][3], c.id, 40, 50)


def _uncode(corpus):
    found = db.session.scalar(select(Coding).where(Coding.code_id == corpus["codes"][2].id))
    coding.remove(corpus["researcher"], found)


def _move(corpus):
    # a passage moved so that it no longer overlaps: only the passage pairs change
    a = corpus["codes"][0]
    db.session.execute(
        update(Coding)
        .where(Coding.code_id == a.id, Coding.release_id == corpus["releases"][0].id)
        .values(start_offset=60, end_offset=80)
    )


def _withdraw(scope):
    def change(corpus):
        consent.withdraw(corpus["interviewer"], corpus["releases"][0].interview, scopes=[scope],
                         giver="young_person", withdrawn_on=date(2026, 11, 20),
                         channel="phone")  # fmt: skip

    return change


def _release_again(corpus):
    # a new release of interview 0: its codings stay with the old one, which no longer counts
    release_all(corpus["interviewer"], corpus["releases"][0].transcript)


def _regroup(corpus):
    (a, _b, c), (belonging, _origins) = corpus["codes"], corpus["themes"]
    themes.save_theme(corpus["boss"], belonging, name="Belonging", description="",
                      formed_year=2024, revised_year=None, code_ids=[a.id, c.id])  # fmt: skip


def _restamp_year(corpus):
    corpus["releases"][1].year = 2024


def _cancel_day(corpus):
    # an interview's day moved out of a review session's period
    db.session.execute(
        update(Interview)
        .where(Interview.id == corpus["releases"][2].interview_id)
        .values(conducted_on=date(2025, 6, 1))
    )


CHANGES = {
    "a passage coded": (_code, RESEARCH),
    "a coding removed": (_uncode, RESEARCH),
    "a coding moved": (_move, RESEARCH),
    "research use withdrawn": (_withdraw(ConsentScope.RESEARCH_USE), RESEARCH),
    "participation withdrawn (erasure)": (_withdraw(ConsentScope.PARTICIPATION), TEAM),
    "released again": (_release_again, TEAM),
    "a theme's codes changed": (_regroup, RESEARCH),
    "a release's year stamp": (_restamp_year, TEAM),
    "an interview's day": (_cancel_day, Scope(date(2026, 1, 1), None, path="themes.count")),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_of_what_is_counted_gives_new_counts(corpus, monkeypatch, change):
    do, scope = CHANGES[change]
    before = counts(scope)
    db.session.commit()
    assert counts(scope) == before  # kept
    token = db.session.get(AggregateVersion, 1).token
    do(corpus)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AggregateVersion, 1).token != token
    after = counts(scope)
    assert after == fresh(monkeypatch, scope)
    assert after != before


def test_an_edit_that_counts_nothing_keeps_the_token(corpus):
    counts(RESEARCH)
    db.session.commit()
    token = db.session.get(AggregateVersion, 1).token
    found = db.session.scalar(select(Coding).where(Coding.code_id == corpus["codes"][2].id))
    coding.set_memo(corpus["researcher"], found, "a memo changes no count")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AggregateVersion, 1).token == token


def test_a_rolled_back_change_leaves_no_count_behind(corpus, monkeypatch):
    before = counts(RESEARCH)
    db.session.commit()
    _code(corpus)
    counts(RESEARCH)  # counted inside the writing transaction
    db.session.rollback()
    _uncode(corpus)
    db.session.commit()
    assert counts(RESEARCH) == fresh(monkeypatch, RESEARCH) != before


def test_a_missing_token_row_counts_afresh(corpus, monkeypatch):
    before = counts(RESEARCH)
    db.session.commit()
    db.session.execute(AggregateVersion.__table__.delete())  # as a TRUNCATE leaves it
    db.session.commit()
    with Queries() as queries:
        assert counts(RESEARCH) == before
    assert queries.n > 0
    _code(corpus)  # the next change writes the row again, with a new token
    db.session.commit()
    assert db.session.get(AggregateVersion, 1) is not None
    assert counts(RESEARCH) == fresh(monkeypatch, RESEARCH)


def _login(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


#: a form's CSRF token, which changes with the second it was made in
TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*>')


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return TOKEN.sub("", response.get_data(as_text=True))


def _page_without_cache(client, monkeypatch, url: str) -> str:
    with monkeypatch.context() as patched:
        patched.setattr(cache, "token", lambda version=cache.AGGREGATES: None)
        return _page(client, url)


@pytest.mark.parametrize("role", ["researcher", "boss"])
def test_the_themes_page_shows_the_new_number_after_a_withdrawal(corpus, client, monkeypatch,
                                                                 role):  # fmt: skip
    _login(client, corpus[role])
    first = _page(client, "/themes/")
    assert _page(client, "/themes/") == first  # the kept counts
    scope = ConsentScope.RESEARCH_USE if role == "researcher" else ConsentScope.PARTICIPATION
    _withdraw(scope)(corpus)
    db.session.commit()
    page = _page(client, "/themes/")
    assert page != first
    assert page == _page_without_cache(client, monkeypatch, "/themes/")


def test_the_goal_page_shows_the_new_number_after_a_change(corpus, client, monkeypatch,
                                                           make_user):  # fmt: skip
    leader = make_user(roles=[Role.LEADER])
    goal = goals.create_goal(leader, kind="team", **FIELDS)
    goals.link(leader, goal, direction="for", theme=corpus["themes"][0])
    db.session.commit()
    _login(client, corpus["boss"])
    url = f"/goals/{goal.id}"
    first = _page(client, url)
    assert _page(client, url) == first
    _withdraw(ConsentScope.PARTICIPATION)(corpus)
    db.session.commit()
    page = _page(client, url)
    assert page != first
    assert page == _page_without_cache(client, monkeypatch, url)
    kept = evidence.evidence(corpus["boss"], goal).view
    with monkeypatch.context() as patched:
        patched.setattr(cache, "token", lambda version=cache.AGGREGATES: None)
        counted = evidence.evidence(corpus["boss"], goal).view
    assert [str(c) for c in kept.rows[0].cells] == [str(c) for c in counted.rows[0].cells]
    assert str(kept.released) == str(counted.released)


def test_counts_kept_in_redis_are_shared_and_renewed(corpus, app_factory, redis_url,
                                                     monkeypatch):  # fmt: skip
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    first, second = app_factory(REDIS_URL=redis_url), app_factory(REDIS_URL=redis_url)
    with first.app_context():
        before = counts(RESEARCH)
        db.session.rollback()
    assert Redis.from_url(redis_url).keys(cache.PREFIX + "*")
    with second.app_context(), Queries() as queries:  # another machine: nothing in memory
        assert counts(RESEARCH) == before
        db.session.rollback()
    assert queries.n == 0
    _withdraw(ConsentScope.RESEARCH_USE)(corpus)
    db.session.commit()
    with second.app_context():
        after = counts(RESEARCH)
        assert after == fresh(monkeypatch, RESEARCH) and after != before
        db.session.rollback()


def test_without_redis_the_counts_are_made_fresh(corpus, app_factory, monkeypatch):
    unreachable = app_factory(REDIS_URL="redis://127.0.0.1:9/0")
    with unreachable.app_context():
        assert counts(RESEARCH) == fresh(monkeypatch, RESEARCH)
        db.session.rollback()


def test_the_worker_counts_again_after_a_change(corpus, app_factory, redis_url, monkeypatch,
                                                make_user):  # fmt: skip
    from redis import Redis

    from app.themes import tasks

    Redis.from_url(redis_url).flushdb()
    leader = make_user(roles=[Role.LEADER])
    goal = goals.create_goal(leader, kind="team", **FIELDS)
    goals.link(leader, goal, direction="for", theme=corpus["themes"][0])
    _withdraw(ConsentScope.RESEARCH_USE)(corpus)
    db.session.commit()
    worker, web = app_factory(REDIS_URL=redis_url), app_factory(REDIS_URL=redis_url)
    monkeypatch.setattr("app.core.job_queue._worker_app", worker)
    tasks.warm_theme_counts.call_local()
    with web.app_context(), Queries() as queries:
        for scope in (TEAM, RESEARCH):
            assert counts(scope)["themes"]  # the page's counts, all kept
            evidence.evidence(corpus["boss"], db.session.get(type(goal), goal.id))
        db.session.rollback()
    # nothing counted: the code rows are kept too (the goal pages check against them), and
    # the codes' pairs of passages are what the themes' pairs are summed from
    assert queries.n == 0


def test_the_worker_keeps_the_register_figures(corpus, app_factory, redis_url, monkeypatch):
    """The head of unit's follow-up figures are worked out by the worker too: the page then
    reads no placement until the register changes."""
    from redis import Redis

    from app.core.calendar import today
    from app.offers import reports
    from app.participants.services import rules
    from app.themes import tasks

    Redis.from_url(redis_url).flushdb()
    worker, web = app_factory(REDIS_URL=redis_url), app_factory(REDIS_URL=redis_url)
    monkeypatch.setattr("app.core.job_queue._worker_app", worker)
    tasks.warm_theme_counts.call_local()
    reads = []

    def seen(conn, cursor, statement, *args):
        reads.append(statement)

    with web.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        figures = reports.offers_made(today(), rules()), reports.attrition(today(), rules())
        event.remove(db.engine, "before_cursor_execute", seen)
        db.session.rollback()
    assert sum(figures[0].values()) and figures[1]
    assert not [s for s in reads if "FROM placement" in s]


def test_counts_are_planned_for_their_own_values(corpus):
    """A statement sent often is prepared by the driver; its generic plan, blind to the
    consent scopes asked for, counted a million codings in loops (PostgreSQL)."""
    aggregates.released_per_year(RESEARCH)
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    db.session.rollback()
