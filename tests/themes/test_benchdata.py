"""The synthetic corpus of the scale benchmark (``redthread bench-data``), at a small scale."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.codebook.models import Code, CodeText
from app.consent import gate
from app.consent.models import ConsentGrant, ConsentRecord, Withdrawal
from app.consent.scopes import Scope
from app.core.db import db
from app.core.users import Role, User
from app.interviews.models import Interview
from app.offers.models import Offer
from app.offers.reports import attrition
from app.participants.models import Participant, Placement
from app.participants.services import rules
from app.releases.attributes import describe
from app.releases.models import Release
from app.themes.aggregates import Scope as ThemeScope
from app.themes.aggregates import theme_year
from app.themes.models import Theme
from app.workspace.models import Coding
from tests.conftest import TODAY


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def bench_data(runner, *options):
    return runner.invoke(args=["bench-data", *options])


def snapshot(after_release_id: int = 0) -> list:
    """What a corpus says, without its ids: each release's text and bands, and its codings
    as (code name, coder, start, end)."""
    releases = db.session.scalars(
        select(Release).where(Release.id > after_release_id).order_by(Release.id)
    ).all()
    codings = db.session.execute(
        select(Coding.release_id, CodeText.name, User.username, Coding.start_offset,
               Coding.end_offset, Coding.guid)
        .join(CodeText, (CodeText.code_id == Coding.code_id) & (CodeText.language == "sv"))
        .join(User, User.id == Coding.coder_id)
        .where(Coding.release_id > after_release_id).order_by(Coding.id)
    ).all()  # fmt: skip
    by_release: dict[int, list] = {}
    for release_id, *rest in codings:
        by_release.setdefault(release_id, []).append(tuple(rest))
    return [
        (r.text, r.year, r.age_band, r.care_band, r.interview.participant.birth_date,
         by_release.get(r.id, []))
        for r in releases
    ]  # fmt: skip


def test_small_corpus_has_the_right_shape(runner):
    result = bench_data(runner, "--interviews", "30", "--codings", "20", "--years", "5")
    assert result.exit_code == 0, result.output
    assert "corpus ready" in result.output

    assert count(Interview) == count(Release) == 30
    # half as many again were offered an interview and not interviewed
    assert count(Participant) == count(Placement) == count(Offer) == 45
    not_interviewed = db.session.scalars(
        select(Offer).where(Offer.outcome == "not_interviewed")
    ).all()
    assert len(not_interviewed) == 15
    assert all(o.attrition_reason and o.interviewed_on is None for o in not_interviewed)
    codings = count(Coding)
    assert f"{codings} codings" in result.output
    assert 30 * 20 * 0.7 < codings < 30 * 20 * 1.3

    researchers = {u.id for u in db.session.scalars(select(User)) if Role.RESEARCHER in u.roles}
    codable = set(db.session.scalars(select(Code.id).where(Code.codable)))
    for release in db.session.scalars(select(Release)):
        interview = release.interview
        assert interview.status == "released" and release.version == 1
        assert release.length == len(release.text)
        assert 20 <= len(release.segments) <= 40
        assert (release.year, release.age_band, release.care_band) == describe(interview)
        assert TODAY.year - 4 <= release.year <= TODAY.year
        assert release.released_at.date() <= TODAY
        offer = interview.offer
        assert offer.outcome == "interviewed" and offer.interviewed_on == interview.conducted_on
        assert offer.offered_on <= offer.answered_on <= interview.conducted_on
        assert interview.interviewer_id == offer.interviewer_id
        # the consent in force lets researchers read it, guardians included where needed
        assert {Scope.PARTICIPATION, Scope.RESEARCH_USE} <= gate.scopes_in_force(interview)
        assert release.codings, "every release is coded"
        for coding in release.codings:
            assert 0 <= coding.start_offset < coding.end_offset <= release.length
            assert coding.round_id is None and coding.coder_id in researchers
            assert coding.code_id in codable
    guids = db.session.scalars(select(Coding.guid)).all()
    assert len(set(guids)) == len(guids)

    # every placement is eligible, so the attrition report accounts for all of them
    years = attrition(TODAY, rules())
    assert sum(y.eligible for y in years) == sum(y.offered for y in years) == 45
    assert sum(y.interviewed for y in years) == 30
    assert sum(sum(y.reasons.values()) for y in years) == 15

    themes = db.session.scalars(select(Theme)).all()
    assert len(themes) == 8
    assert all(t.codes and t.formed_year <= TODAY.year for t in themes)
    assert {row[1] for row in theme_year(ThemeScope())} <= set(
        range(TODAY.year - 4, TODAY.year + 1)
    )


def test_consent_varies_as_in_life(runner):
    assert bench_data(runner, "--interviews", "200", "--codings", "2").exit_code == 0
    quoting = db.session.scalar(
        select(func.count(func.distinct(ConsentRecord.interview_id)))
        .join(ConsentGrant)
        .where(ConsentGrant.scope == "quotation", ConsentRecord.giver == "young_person")
    )
    assert 0.55 * 200 < quoting < 0.85 * 200
    guardians = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.giver == "guardian")
    ).all()
    assert guardians and all(gate.guardian_required(r.interview) for r in guardians)
    for withdrawal in db.session.scalars(select(Withdrawal)):
        assert Scope.QUOTATION not in gate.scopes_in_force(withdrawal.interview)
    bands = Counter(db.session.scalars(select(Release.age_band)))
    assert set(bands) == {"15-17", "18-20", "21-24", "25+"}
    assert bands["18-20"] > bands["25+"]


def test_some_codes_are_far_more_frequent_and_one_theme_rises(runner):
    options = ("--interviews", "300", "--codings", "10", "--years", "10")
    assert bench_data(runner, *options).exit_code == 0
    rows = db.session.execute(
        select(CodeText.name, func.count(Coding.id))
        .join(Coding, Coding.code_id == CodeText.code_id)
        .where(CodeText.language == "sv")
        .group_by(CodeText.name)
    ).all()
    per_code = Counter(dict(rows))
    ranked = per_code.most_common()
    assert ranked[0][1] > 8 * ranked[-1][1]

    def share(code_name: str, years) -> float:
        rows = db.session.execute(
            select(CodeText.name, func.count(Coding.id))
            .join(Coding, Coding.code_id == CodeText.code_id)
            .join(Release, Release.id == Coding.release_id)
            .where(Release.year.in_(list(years)), CodeText.language == "sv")
            .group_by(CodeText.name)
        ).all()  # fmt: skip
        counts = dict(rows)
        return counts.get(code_name, 0) / sum(counts.values())

    early, late = range(TODAY.year - 9, TODAY.year - 4), range(TODAY.year - 4, TODAY.year + 1)
    assert share("Stöd efter 18", late) > 1.5 * share("Stöd efter 18", early)
    assert share("Kontinuitet", late) < share("Kontinuitet", early)


def test_the_same_seed_gives_the_same_corpus(runner):
    options = ("--interviews", "12", "--codings", "15", "--seed", "7")
    assert bench_data(runner, *options).exit_code == 0
    first = snapshot()
    last = db.session.scalar(select(func.max(Release.id)))

    refused = bench_data(runner, *options)
    assert refused.exit_code != 0
    assert "already has participants" in refused.output
    assert count(Release) == 12

    assert bench_data(runner, *options, "--force").exit_code == 0
    assert count(Release) == 24
    again = snapshot(after_release_id=last)
    assert [row[:5] for row in again] == [row[:5] for row in first]
    assert [[c[:4] for c in row[5]] for row in again] == [[c[:4] for c in row[5]] for row in first]
    # the REFI-QDA identifiers stay unique even for a repeated seed
    assert not {c[4] for row in first for c in row[5]} & {c[4] for row in again for c in row[5]}

    assert bench_data(runner, "--interviews", "12", "--seed", "8", "--force").exit_code == 0
    assert [row[0] for row in snapshot(after_release_id=last + 12)] != [row[0] for row in first]


def test_refuses_a_database_with_participants(runner, app):
    from datetime import date

    db.session.add(Participant(code="P-2026-001", name="Ann Eriksson",
                               birth_date=date(2008, 3, 1)))  # fmt: skip
    db.session.commit()
    result = bench_data(runner, "--interviews", "5")
    assert result.exit_code != 0
    assert "use --force" in result.output
    assert count(Participant) == 1 and count(Release) == 0 and count(User) == 0


def test_ordinary_inserts_work_after_a_corpus(runner):
    """The ids are chosen by the generator; the database's own must carry on after them."""
    from datetime import date

    assert bench_data(runner, "--interviews", "3", "--codings", "3").exit_code == 0
    participant = Participant(code="P-2026-900", name="Bo Ek", birth_date=date(2008, 1, 2))
    db.session.add(participant)
    db.session.flush()
    assert participant.id == count(Participant)


@pytest.mark.parametrize("bad", [["--interviews", "0"], ["--years", "0"], ["--codings", "-1"]])
def test_bad_options_change_nothing(runner, bad):
    result = bench_data(runner, *bad)
    assert result.exit_code == 2
    assert count(Participant) == 0 and count(User) == 0
