"""The tally of overlapping coded passages (``coded_pair``, kept by triggers) against the
self-join of the codings that co-occurrence within passages used to run on every count: the
same numbers after random inserts, edits, deletes, consensus flips, merges and erasures, on
SQLite and PostgreSQL."""

import random

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select, update

from app.core.db import db
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.themes.models import CodedPair, theme_code
from app.workspace.models import Coding, CodingRound
from tests.themes.test_themes import code, mark


def _counted(c):
    return or_(c.c.round_id.is_(None), c.c.consensus)


def _pairs_joined(r=None):
    """(release, code of a, code of b) of every pair of overlapping counted codings, each
    pair once: b starts inside a, ties broken by id (the query the tally replaced)."""
    a, b = Coding.__table__.alias("ca"), Coding.__table__.alias("cb")
    query = (
        select(a.c.release_id, a.c.code_id.label("code_a"), b.c.code_id.label("code_b"))
        .select_from(a)
        .join(
            b,
            and_(
                b.c.release_id == a.c.release_id,
                b.c.start_offset >= a.c.start_offset,
                b.c.start_offset < a.c.end_offset,
                or_(b.c.start_offset > a.c.start_offset, b.c.id > a.c.id),
            ),
        )
        .where(_counted(a), _counted(b))
    )
    if r is not None:
        query = query.join(r, r.c.id == a.c.release_id)
    return query, a, b


def old_cooccurrence(scope: Scope, level: str) -> dict:
    """The oracle: co-occurrence within passages as the self-join counted it."""
    r = aggregates.current_releases(scope)
    pairs, a, b = _pairs_joined(r)
    if level == "theme":
        ta, tb = theme_code.alias("ta"), theme_code.alias("tb")
        pairs = (
            pairs.with_only_columns(ta.c.theme_id.label("code_a"), tb.c.theme_id.label("code_b"))
            .join(ta, ta.c.code_id == a.c.code_id)
            .join(tb, tb.c.code_id == b.c.code_id)
        )
    p = pairs.subquery("p")
    low = case((p.c.code_a < p.c.code_b, p.c.code_a), else_=p.c.code_b)
    high = case((p.c.code_a < p.c.code_b, p.c.code_b), else_=p.c.code_a)
    query = select(low, high, func.count()).where(p.c.code_a != p.c.code_b).group_by(low, high)
    return {(x, y): n for x, y, n in db.session.execute(query).all()}


def tally() -> dict:
    return {(t.release_id, t.code_low, t.code_high): t.pairs
            for t in db.session.scalars(select(CodedPair))}  # fmt: skip


def recount() -> dict:
    query, _a, _b = _pairs_joined()
    found: dict = {}
    for release_id, x, y in db.session.execute(query).all():
        key = (release_id, min(x, y), max(x, y))
        found[key] = found.get(key, 0) + 1
    return found


def check(what: str) -> None:
    db.session.flush()
    assert tally() == recount(), what
    for path in aggregates.COUNT_PATHS:
        for level in aggregates.LEVELS:
            scope = Scope(path=path)
            assert aggregates.cooccurrence(scope, level, "passage") == old_cooccurrence(
                scope, level
            ), (what, path, level)


def test_the_pair_tally_gives_what_the_self_join_gave_after_random_changes(corpus):
    rng = random.Random(25)
    boss, researcher = corpus["boss"], corpus["researcher"]
    releases = list(corpus["releases"])
    a, b, c = corpus["codes"]
    d = code("D")
    codes = [a.id, b.id, c.id, d.id]
    # a code in two themes: a pair of it with itself is a pair of the themes
    themes.save_theme(boss, None, name="Both", description="", formed_year=2025,
                      revised_year=None, code_ids=[a.id, b.id, d.id])  # fmt: skip
    blind = CodingRound(name="Blind", releases=releases, coders=[researcher])
    db.session.add(blind)
    db.session.flush()
    check("the corpus")

    def span():
        start = rng.randrange(0, 60)
        return start, start + rng.randrange(1, 25)

    def some_coding():
        found = db.session.scalars(select(Coding).order_by(Coding.id)).all()
        return rng.choice(found) if found else None

    for step in range(160):
        move = rng.random()
        coding = some_coding()
        if move < 0.4 or coding is None:
            start, end = span()
            blinded = rng.random() < 0.3
            mark(rng.choice(releases), rng.choice(codes), start, end, researcher.id,
                 round_id=blind.id if blinded else None,
                 consensus=blinded and rng.random() < 0.5)  # fmt: skip
        elif move < 0.5:
            coding.start_offset, coding.end_offset = span()
        elif move < 0.58:
            coding.code_id = rng.choice(codes)
        elif move < 0.66:  # a round settled, or its consensus taken back
            coding.round_id = blind.id
            coding.consensus = not coding.consensus
        elif move < 0.7:  # back to the shared codings
            coding.round_id, coding.consensus = None, False
        elif move < 0.8:
            db.session.delete(coding)
        elif move < 0.85:  # a merge: one statement moves many rows
            db.session.execute(
                update(Coding).where(Coding.code_id == rng.choice(codes))
                .values(code_id=rng.choice(codes))
            )  # fmt: skip
        elif move < 0.9:  # one statement takes many rows of one release
            db.session.execute(
                delete(Coding).where(Coding.release_id == coding.release_id,
                                     Coding.start_offset < rng.randrange(0, 60))
            )  # fmt: skip
            db.session.expire_all()
        elif move < 0.94:  # one statement shifts many overlapping rows
            db.session.execute(
                update(Coding).where(Coding.release_id == coding.release_id)
                .values(start_offset=Coding.start_offset + 3, end_offset=Coding.end_offset + 7)
            )  # fmt: skip
            db.session.expire_all()
        elif len(releases) > 2:  # a withdrawal erases the release with its codings
            release = releases.pop(rng.randrange(len(releases)))
            db.session.delete(release)
        check(f"step {step}")
        if step % 40 == 39:
            db.session.commit()
    assert tally(), "the changes left some pairs"
    assert all(n > 0 for n in tally().values())


def test_codings_written_at_once_by_two_transactions_are_paired(corpus):
    """Two writers of one release's codings take turns, so each sees the other's coding."""
    import threading

    release, researcher = corpus["releases"][0], corpus["researcher"]
    a, b, _c = corpus["codes"]
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return  # SQLite has one writer at a time
    values = dict(release_id=release.id, coder_id=researcher.id, consensus=False, round_id=None)
    first = engine.connect()
    first_tx = first.begin()
    table = Coding.__table__
    first.execute(table.insert().values(code_id=a.id, start_offset=100, end_offset=120,
                                        guid="g1", **values))  # fmt: skip
    done = threading.Event()

    app = current_app._get_current_object()

    def second_writer():
        with app.app_context(), engine.begin() as second:
            second.execute(table.insert().values(code_id=b.id, start_offset=110,
                                                 end_offset=130, guid="g2", **values))  # fmt: skip
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        waited = not done.wait(0.5)
    finally:
        first_tx.commit()
        first.close()
        thread.join(10)
    assert waited, "the second writer waits for the first"
    assert done.is_set()
    db.session.rollback()
    assert tally() == recount()
    assert tally()[(release.id, a.id, b.id)] == 2  # the corpus's pair, and these two
