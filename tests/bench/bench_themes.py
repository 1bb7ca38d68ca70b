"""Benchmark: themes, co-occurrence and a review pack over a synthetic corpus of 10,000
interviews over 20 years with about 100 codings each (1,000,000 codings).

Run with ``make bench`` (or ``.venv/bin/python -m tests.bench.bench_themes``). It builds the
corpus (``app.benchdata``) into a fresh SQLite file in a temporary folder and, when
REDTHREAD_TEST_DATABASE_URL or ``--pg URL`` names a PostgreSQL test database, into that
database as well (its schema is dropped and rebuilt), then prints the best and the median of
five runs of each measured call beside its target. It asserts nothing about time.

    --interviews N   interviews in the corpus (default 10000)
    --codings N      codings per interview, on average (default 100)
    --runs N         runs of each call (default 5)
    --sqlite PATH    build the SQLite corpus in PATH and keep it (its keys and files in a
                     folder beside it, NAME-instance); an existing corpus there is measured
                     as it is
    --pg URL         a PostgreSQL database whose name contains "test" or "bench"
    --no-sqlite      PostgreSQL only
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, make_url, select, text

from app import create_app
from app.core.db import db

MIGRATIONS = str(Path(__file__).parents[2] / "migrations")
PASSWORD = "quartz-meadow-lantern-58"


def app_for(url: str, folder: Path):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "HUEY_IMMEDIATE": True, "TESTING": True,
         "MEDIA_ROOT": str(folder / "media"), "RATELIMIT_ENABLED": False,
         "BABEL_DEFAULT_LOCALE": "sv"},
        instance_path=str(folder / "instance"),
    )  # fmt: skip


def reset_postgres(url: str) -> None:
    name = make_url(url).database or ""
    if "test" not in name and "bench" not in name:
        sys.exit(f"refusing to drop the schema of {name!r}: the name must contain test or bench")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build(app, interviews: int, codings: int) -> None:
    from app.benchdata import CorpusSpec, build_corpus
    from app.participants.models import Participant

    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        if db.session.scalar(select(func.count(Participant.id))):
            print("corpus already there: measured as it is")
            return
        began = time.perf_counter()
        spec = CorpusSpec(interviews=interviews, codings=codings)
        for step in build_corpus(spec, PASSWORD):
            db.session.commit()
            if step.interviews % 2000 == 0 or step.interviews == step.total:
                print(f"  {step.interviews:>6}/{step.total} interviews, {step.codings:>8} codings,"
                      f" {time.perf_counter() - began:6.1f} s")  # fmt: skip
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"corpus built in {time.perf_counter() - began:.1f} s (ANALYZE included)")


def timed(label: str, target: float | None, runs: int, call) -> None:
    samples, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - began)
        db.session.rollback()
    best, median = min(samples), statistics.median(samples)
    verdict = ""
    if target is not None:
        goal = f"{target * 1000:.0f} ms" if target < 10 else f"{target:.0f} s"
        verdict = f"target < {goal}: {'met' if median < target else 'MISSED'}"
    size = f"{len(result)} rows" if isinstance(result, list | dict) else ""
    print(f"  {label:<44} best {_ms(best)}  median {_ms(median)}  {verdict}  {size}".rstrip())


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms" if seconds < 10 else f"{seconds:8.2f} s "


def measure(app, runs: int) -> None:
    from app.coding.models import Coding
    from app.core.users import User
    from app.releases.models import Release
    from app.reviews import packs, sessions
    from app.themes.aggregates import Scope, cooccurrence, theme_year

    with app.app_context(), app.test_request_context():
        releases = db.session.scalar(select(func.count(Release.id)))
        codings = db.session.scalar(select(func.count(Coding.id)))
        print(f"  corpus: {releases} released interviews, {codings} codings")
        timed("theme x year table", 0.3, runs, lambda: theme_year(Scope()))
        timed("co-occurrence, codes within interviews", 2.0, runs,
              lambda: cooccurrence(Scope(), level="code", within="interview"))  # fmt: skip
        timed("co-occurrence, codes within passages", 2.0, runs,
              lambda: cooccurrence(Scope(), level="code", within="passage"))  # fmt: skip
        timed("co-occurrence, themes within interviews", 2.0, runs,
              lambda: cooccurrence(Scope(), level="theme", within="interview"))  # fmt: skip
        coordinator = User.by_username("bench-coordinator")
        members = db.session.scalars(select(User).where(User.username.like("bench-member%"))).all()
        year = date.today().year
        session = sessions.create_session(
            coordinator, title=f"Benchmark review {year}", year=year, held_on=date(year, 12, 1),
            scope_from=None, scope_to=None, members=list(members), team="",
            confirmed_duplicate=True,  # a run may follow an earlier run's session
        )  # fmt: skip
        db.session.commit()
        session_id = session.id

        def pack():
            from app.reviews.models import ReviewSession

            built = packs.build_pack_now(coordinator, db.session.get(ReviewSession, session_id))
            db.session.commit()  # the rollback after each run must keep the pack
            return built

        timed("full review pack build (all years)", 10.0, runs, pack)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interviews", type=int, default=10_000)
    parser.add_argument("--codings", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--pg", default=os.environ.get("REDTHREAD_TEST_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    # a kept corpus keeps its instance folder (its data keys) beside it, so that it can be
    # measured again: a new folder would hold new keys that decrypt none of it
    folder = (args.sqlite.resolve().parent / f"{args.sqlite.stem}-instance" if args.sqlite
              else Path(tempfile.mkdtemp(prefix="redthread-bench-themes-")))  # fmt: skip
    backends = []
    if not args.no_sqlite:
        path = args.sqlite or folder / "bench.db"
        backends.append(("SQLite", f"sqlite:///{path.resolve()}"))
    if args.pg.strip():
        backends.append(("PostgreSQL", args.pg.strip()))
    for name, url in backends:
        print(f"== {name}: {args.interviews} interviews x {args.codings} codings ==")
        if name == "PostgreSQL":
            reset_postgres(url)
        app = app_for(url, folder)
        build(app, args.interviews, args.codings)
        measure(app, args.runs)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
