"""Benchmark: themes, co-occurrence and a review pack over a synthetic corpus of 10,000
interviews over 20 years with about 100 codings each (1,000,000 codings).

Run with ``make bench`` (or ``.venv/bin/python -m tests.bench.bench_themes``). It builds the
corpus (``app.benchdata``) into a fresh SQLite file in a temporary folder and, when
REDTHREAD_TEST_DATABASE_URL or ``--pg URL`` names a PostgreSQL test database, into that
database as well (its schema is dropped and rebuilt), then prints the best and the median of
five runs of each measured call beside its target. It asserts nothing about time.

The pages are measured as a browser asks for them (the test client, logged in): the themes
page, a goal's evidence page (a goal linked to two themes, for and against) and the head of
unit's page (every goal's evidence), cold (no counts kept: the first view after a change to
both the codings and the register) and warm (the counts kept under the change tokens,
``app.core.cache``), and the theme × year table both ways; then the themes page and the head
of unit's page as first seen after a coding (the register's figures still kept). The
coordinator's pages that read the register (the follow-up dashboard, the start page, the
register and the coding start page) are measured the same way.

    --interviews N   interviews in the corpus (default 10000)
    --codings N      codings per interview, on average (default 100)
    --runs N         runs of each call (default 5)
    --sqlite PATH    build the SQLite corpus in PATH and keep it (its keys and files in a
                     folder beside it, NAME-instance); an existing corpus there is measured
                     as it is
    --pg URL         a PostgreSQL database whose name contains "test" or "bench"
    --no-sqlite      PostgreSQL only
    --keep           measure the corpus already in the PostgreSQL database (migrated to the
                     newest schema first) instead of dropping and building it again
    --no-pack        leave the review pack build out (the pages only)
    --folder PATH    the folder of the instance (its keys) and media: a kept corpus needs the
                     folder it was built with (printed when it is built)
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from flask import has_app_context
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
         "BABEL_DEFAULT_LOCALE": "sv", "WTF_CSRF_ENABLED": False,
         "REQUIRE_2FA_ROLES": frozenset()},
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


def timed(label: str, target: float | None, runs: int, call, before=None) -> None:
    samples, result = [], None
    for _ in range(runs):
        if before is not None:
            before()
        began = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - began)
        if has_app_context():
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


def measure(app, runs: int, with_pack: bool = True) -> None:
    from app.releases.models import Release
    from app.themes.aggregates import Scope, cooccurrence, theme_year
    from app.workspace.models import Coding

    with app.app_context(), app.test_request_context():
        releases = db.session.scalar(select(func.count(Release.id)))
        codings = db.session.scalar(select(func.count(Coding.id)))
        print(f"  corpus: {releases} released interviews, {codings} codings")

        # the queries themselves: nothing kept between runs
        def cold():
            forget(app)

        timed("theme x year table (query)", 0.3, runs, lambda: theme_year(Scope()), cold)
        timed("co-occurrence, codes within interviews", 2.0, runs,
              lambda: cooccurrence(Scope(), level="code", within="interview"), cold)  # fmt: skip
        timed("co-occurrence, codes within passages", 2.0, runs,
              lambda: cooccurrence(Scope(), level="code", within="passage"), cold)  # fmt: skip
        timed("co-occurrence, themes within interviews", 2.0, runs,
              lambda: cooccurrence(Scope(), level="theme", within="interview"), cold)  # fmt: skip
        timed("co-occurrence, themes within passages", 2.0, runs,
              lambda: cooccurrence(Scope(), level="theme", within="passage"), cold)  # fmt: skip
        if with_pack:
            measure_pack(app, runs)
    measure_pages(app, runs)


def measure_pack(app, runs: int) -> None:
    from app.core.users import User
    from app.reviews import packs, sessions

    with app.app_context(), app.test_request_context():
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

        timed("full review pack build (all years)", 10.0, runs, pack, lambda: forget(app))


def forget(app) -> None:
    """Drop the counts this process keeps (the memory store; with REDIS_URL, a new store
    name), so that the next count is cold, as the first view after a change is."""
    from app.core import cache

    app.extensions.pop(cache._EXTENSION, None)
    if app.config.get("REDIS_URL"):
        cache.PREFIX = f"redthread:aggregates:bench-{time.monotonic_ns()}:"


def bench_goal(app) -> int:
    """A goal linked to two of the corpus's themes, one for and one against, and a second
    goal linked to a theme and a code of another, for the head of unit's page (made once)."""
    from app.admin.services import create_user
    from app.core.users import Role, User
    from app.goals import services as goals
    from app.themes.models import Theme

    with app.app_context():
        found = named_goal("Bench: a stable home")
        if found is not None:
            second_goal(found.created_by_id)
            return found.id
        leader = User.by_username("bench-leader") or create_user(
            actor=None, username="bench-leader", display_name="Bench Leader",
            password=PASSWORD, roles=[Role.LEADER],
        )  # fmt: skip
        goal = goals.create_goal(
            leader, kind="team", title="Bench: a stable home", language="sv",
            result="Every young person has an adult who stays", term="long",
            work="Visits every month", reason="Trust grows", adopted_on=date(2020, 3, 1),
            revised_on=None,
        )  # fmt: skip
        listed = db.session.scalars(select(Theme).order_by(Theme.position)).all()
        goals.link(leader, goal, direction="for", theme=listed[0])
        goals.link(leader, goal, direction="against", theme=listed[1])
        db.session.commit()
        second_goal(leader.id)
        return goal.id


def named_goal(title: str):
    """The oldest goal with a version of ``title`` (a goal's title is its versions')."""
    from app.goals.models import Goal, GoalVersion

    return db.session.scalar(
        select(Goal).join(GoalVersion, GoalVersion.goal_id == Goal.id)
        .where(GoalVersion.title == title).order_by(Goal.id).limit(1)
    )  # fmt: skip


def second_goal(leader_id) -> None:
    """A second goal (made once): the head of unit's page shows every goal's evidence."""
    from app.core.users import User
    from app.goals import services as goals
    from app.themes.models import Theme

    title = "Bench: being heard"
    if named_goal(title) is not None:
        return
    leader = db.session.get(User, leader_id) or User.by_username("bench-leader")
    goal = goals.create_goal(
        leader, kind="team", title=title, language="sv",
        result="Every young person is listened to", term="long", work="Ask, then act",
        reason="Being heard builds trust", adopted_on=date(2021, 3, 1), revised_on=None,
    )  # fmt: skip
    listed = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    goals.link(leader, goal, direction="for", theme=listed[2])
    goals.link(leader, goal, direction="against", code=listed[3].codes[0])
    db.session.commit()


def measure_pages(app, runs: int) -> None:
    from app.themes.aggregates import Scope, theme_year

    goal_id = bench_goal(app)
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-coordinator",
                                           "password": PASSWORD})  # fmt: skip
    assert response.status_code == 302, response.status_code

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return None

        return get

    def cold():
        forget(app)

    with app.app_context():
        timed("theme x year table, cold", 0.1, runs, lambda: theme_year(Scope()), before=cold)
        theme_year(Scope())
        db.session.rollback()
        timed("theme x year table, warm", 0.1, runs, lambda: theme_year(Scope()))
    pages = (("themes page", "/themes/"), ("goal page", f"/goals/{goal_id}"),
             ("leadership page (every goal)", "/goals/leadership"),
             # the coordinator's pages over the corpus's 15,000 placements
             ("follow-up dashboard", "/follow-up/"), ("coordinator's start page", "/home"),
             ("register page", "/participants"), ("coding start page", "/coding/"))  # fmt: skip
    for label, url in pages:
        timed(f"{label}, cold", 1.0, runs, page(url), before=cold)
        page(url)()
        timed(f"{label}, warm", 0.1, runs, page(url))
    with app.app_context():
        timed("apply a code and commit (tally, token)", 0.1, runs, lambda: code_one(app))
    page("/themes/")()
    timed(
        "themes page, first view after a coding",
        1.0,
        1,
        lambda: (code_one(app), page("/themes/")()),
    )
    # a coding moves the themes' token only: the register's figures stay kept
    page("/goals/leadership")()
    timed("leadership page, first view after a coding", 1.0, runs, page("/goals/leadership"),
          before=lambda: code_one(app))  # fmt: skip


def code_one(app) -> None:
    """A coding added to the newest release by the coordinator, committed: what changes the
    token and sends the next view of the pages back to the database."""
    from app.core.users import User
    from app.releases.models import Release
    from app.workspace import services as coding
    from app.workspace.models import Coding

    with app.app_context():
        coordinator = User.by_username("bench-coordinator")
        release = db.session.scalar(select(Release).order_by(Release.id.desc()).limit(1))
        code_id = db.session.scalar(select(func.min(Coding.code_id)))
        coding.apply(coordinator, release, code_id, 0, 10)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interviews", type=int, default=10_000)
    parser.add_argument("--codings", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--pg", default=os.environ.get("REDTHREAD_TEST_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--no-pack", action="store_true")
    args = parser.parse_args()
    # a kept corpus keeps its instance folder (its data keys) beside it, so that it can be
    # measured again: a new folder would hold new keys that decrypt none of it
    folder = (args.folder.resolve() if args.folder else
              args.sqlite.resolve().parent / f"{args.sqlite.stem}-instance" if args.sqlite
              else Path(tempfile.mkdtemp(prefix="redthread-bench-themes-")))  # fmt: skip
    print(f"instance and media folder: {folder}")
    backends = []
    if not args.no_sqlite:
        path = args.sqlite or folder / "bench.db"
        backends.append(("SQLite", f"sqlite:///{path.resolve()}"))
    if args.pg.strip():
        backends.append(("PostgreSQL", args.pg.strip()))
    for name, url in backends:
        print(f"== {name}: {args.interviews} interviews x {args.codings} codings ==")
        if name == "PostgreSQL" and not args.keep:
            reset_postgres(url)
        app = app_for(url, folder)
        build(app, args.interviews, args.codings)
        measure(app, args.runs, with_pack=not args.no_pack)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
