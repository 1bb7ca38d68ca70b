"""SQLite in WAL mode, as the app configures it, survives a writer killed mid-stream: the
file passes integrity_check and every row whose commit returned is there."""

import signal
import sqlite3
import subprocess
import sys
import textwrap

from sqlalchemy.engine import make_url

from tests.robustness.conftest import ROOT, needs_sqlite, until

WRITER = textwrap.dedent("""
    import sys
    from sqlalchemy import create_engine, text
    import app.core.db  # the app's connection settings: WAL, synchronous=NORMAL, busy timeout

    engine = create_engine(sys.argv[1])
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS crash_probe "
                                "(n INTEGER PRIMARY KEY, payload TEXT NOT NULL)"))
    n = 0
    while True:
        n += 1
        with engine.begin() as connection:  # a transaction of several statements
            connection.execute(text("INSERT INTO crash_probe VALUES (:n, :p)"),
                               {"n": n, "p": "x" * 2000})
            connection.execute(text("UPDATE crash_probe SET payload = :p WHERE n = :m"),
                               {"p": "y" * 2000, "m": max(1, n - 1)})
        print(n, flush=True)  # only after the commit returned
""")


@needs_sqlite
def test_a_killed_writer_loses_no_committed_row(database_uri):
    path = make_url(database_uri).database
    writer = subprocess.Popen([sys.executable, "-c", WRITER, database_uri], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    committed = []
    try:
        until(lambda: committed.append(int(writer.stdout.readline())) or len(committed) >= 300,
              seconds=60, every=0, what="300 commits")  # fmt: skip
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    committed += [int(line) for line in writer.stdout.read().split()]  # printed before the kill
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = dict(connection.execute("SELECT n, payload FROM crash_probe").fetchall())
        assert set(committed) <= set(rows)
        # every transaction is whole: a row exists only with its neighbour's update done
        assert all(rows[n] == "y" * 2000 for n in rows if n + 1 in rows)
        assert all(len(payload) == 2000 for payload in rows.values())
        # and the app's own tables came through untouched
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    finally:
        connection.close()
