"""The quotes a review pack picks, pinned on a small synthetic corpus against a plain reading
of the rules (``expected``): released passages of the newest release of each interview in
scope, shared or agreed codings of the theme's codes, newest first, one per interview, three
per theme, and only from interviews whose consent covers quotation (asked of the gate one
interview at a time, as a service would)."""

from datetime import date

import pytest
from sqlalchemy import select

from app.benchdata import CorpusSpec, build_corpus
from app.consent import gate
from app.consent import services as consent
from app.consent.scopes import Scope as ConsentScope
from app.core.db import db
from app.core.text import clean
from app.core.users import User
from app.interviews.models import Interview
from app.releases.models import Release
from app.reviews import pack as builder
from app.reviews import packs, sessions
from app.themes import aggregates
from app.workspace.models import Coding, CodingRound
from tests.conftest import PASSWORD, TODAY


def expected(session, count: int = builder.QUOTES_PER_THEME) -> dict[int, list[tuple]]:
    """Per theme, its first ``count`` quotes as (text, year, language, interview), worked
    out row by row in Python."""
    scope = sessions.scope_of(session)
    interviews = {i.id: i for i in db.session.scalars(select(Interview))}
    newest: dict[int, Release] = {}
    for release in db.session.scalars(select(Release).order_by(Release.id)):
        newest[release.interview_id] = release
    counted = {
        r.id: r for r in newest.values()
        if gate.allows(interviews[r.interview_id], "themes.count")
        and (scope.year_from is None or r.year >= scope.year_from)
        and (scope.year_to is None or r.year <= scope.year_to)
    }  # fmt: skip
    codings = db.session.scalars(select(Coding).order_by(Coding.id.desc())).all()
    found = {}
    for theme_id, code_ids in aggregates.theme_codes().items():
        candidates = [c for c in codings if c.code_id in code_ids and c.release_id in counted
                      and (c.round_id is None or c.consensus)]  # fmt: skip
        chosen, seen = [], set()
        for c in candidates:
            interview = interviews[counted[c.release_id].interview_id]
            if interview.id in seen or not gate.allows(interview, "review.quote"):
                continue
            seen.add(interview.id)
            chosen.append(c)
        found[theme_id] = [
            (clean(builder._quote_text(counted[c.release_id].text[c.start_offset : c.end_offset])),
             counted[c.release_id].year, interviews[counted[c.release_id].interview_id].language,
             counted[c.release_id].interview_id)
            for c in chosen[:count]
        ]  # fmt: skip
    return found


@pytest.fixture
def bench(app):
    """40 interviews over three years with about 30 codings each, and what the pack's rules
    turn on: quotation withdrawn from the interviews of the newest codings (so that the
    pack must look past them), a guardian's withdrawal, an interview withdrawn, a newer
    release of an interview, and a coding round with blind and agreed codings."""
    for _step in build_corpus(CorpusSpec(interviews=40, years=3, codings=30, batch=20), PASSWORD):
        db.session.commit()
    coordinator = User.by_username("bench-coordinator")
    listed = db.session.scalars(select(Interview).order_by(Interview.id.desc())).all()
    quoting = [i for i in listed if gate.allows(i, "review.quote")]
    for interview in quoting[1:9]:  # the newest quoting one keeps its consent
        consent.withdraw(coordinator, interview, scopes=[ConsentScope.QUOTATION],
                         giver="young_person", withdrawn_on=TODAY, channel="phone")  # fmt: skip
    minor = next(i for i in quoting[9:] if i.guardian_needed)
    consent.withdraw(coordinator, minor, scopes=[ConsentScope.QUOTATION], giver="guardian",
                     withdrawn_on=TODAY, channel="phone")  # fmt: skip
    quoting[-1].status = "withdrawn"
    # a newer release of the newest interview: the passages of its first are no longer quoted
    old = db.session.scalar(select(Release).where(Release.interview_id == listed[0].id))
    db.session.add(Release(interview_id=old.interview_id, version=2, content=old.content,
                           length=old.length, summary=old.summary, year=old.year,
                           age_band=old.age_band, care_band=old.care_band,
                           released_by_id=coordinator.id))  # fmt: skip
    # a round on an older quoting interview: its blind codings are never quoted, the agreed
    # one is (all of them newer than any shared coding)
    target = db.session.scalar(select(Release).where(Release.interview_id == quoting[12].id))
    code_ids = sorted({c for ids in aggregates.theme_codes().values() for c in ids})
    round_ = CodingRound(name="Round", created_by_id=coordinator.id)
    db.session.add(round_)
    db.session.flush()
    for n, code_id in enumerate(code_ids):
        db.session.add(Coding(release_id=target.id, code_id=code_id, start_offset=n,
                              end_offset=n + 40, round_id=round_.id,
                              consensus=n % 3 == 0))  # fmt: skip
    db.session.commit()
    members = db.session.scalars(select(User).where(User.username.like("bench-member%"))).all()
    found = sessions.create_session(
        coordinator, title="Återblick", year=2026, held_on=date(2026, 12, 1), scope_from=None,
        scope_to=None, members=list(members) or [coordinator],
    )  # fmt: skip
    db.session.commit()
    return coordinator, found


def shown(found: dict[int, list[tuple]]) -> dict[int, list[tuple[str, int, str]]]:
    """The quotes as the pack keeps them: without their interview."""
    return {t: [q[:3] for q in qs] for t, qs in found.items()}


def quotes(pack) -> dict[int, list[tuple[str, int, str]]]:
    return {t["id"]: [(q["text"], q["year"], q["lang"]) for q in t["quotes"]]
            for t in pack.data["themes"]}  # fmt: skip


@pytest.mark.parametrize("batch", [None, 7])
def test_the_pack_quotes_what_the_rules_pick(bench, batch, monkeypatch):
    if batch:  # a small batch: a theme's quotes come from several
        monkeypatch.setattr(builder, "CANDIDATES", batch)
    coordinator, session = bench
    want = shown(expected(session))
    pack = packs.build_pack_now(coordinator, session)
    db.session.commit()
    got = quotes(pack)
    assert got == {t: want[t] for t in got}
    assert sum(len(q) for q in got.values()) >= 12  # the corpus quotes something
    # what the fixture withdrew is not quoted, whatever it is coded with
    quoted = set(pack.quoted_ids)
    ended = {i.id for i in db.session.scalars(select(Interview))
             if not gate.allows(i, "review.quote")}  # fmt: skip
    assert ended and not quoted & ended


def test_a_session_of_some_years_quotes_only_those(bench):
    coordinator, session = bench
    year = max(y for y in db.session.scalars(select(Release.year)))
    session.scope_from = session.scope_to = date(year - 1, 6, 1)
    db.session.commit()
    want = shown(expected(session))
    pack = packs.build_pack_now(coordinator, session)
    db.session.commit()
    got = quotes(pack)
    assert got == {t: want[t] for t in got}
    assert {y for qs in got.values() for _, y, _ in qs} == {year - 1}


def test_the_gate_in_python_has_the_last_word_on_each_quote(bench, monkeypatch):
    """Should the gate's SQL ever keep an interview the gate refuses, that interview is not
    quoted, and the next one is."""
    coordinator, session = bench
    four = expected(session, 4)
    theme, first = next((t, q) for t, q in four.items() if len(q) == 4)
    refused = first[0][3]
    asked = gate.consenting
    monkeypatch.setattr(gate, "consenting", lambda interviews, path: [
        i for i in asked(interviews, path) if i.id != refused])  # fmt: skip
    pack = packs.build_pack_now(coordinator, session)
    got = quotes(pack)[theme]
    assert got == [q[:3] for q in first[1:]]
    assert refused not in pack.quoted_ids
