"""Helpers for crash tests: real processes (the worker, gunicorn, a writer) started on this
test's database and instance folder, killed with SIGKILL, and waited for."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.transcripts.conftest import conducted, model_dir  # noqa: F401 (fixtures)

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent.parent


def until(predicate, seconds: float, every: float = 0.05, what: str = "the condition"):
    """Poll ``predicate`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def environment(app, **extra) -> dict:
    """The environment that makes ``redthread`` and gunicorn build the same app as ``app``:
    its instance folder (and so its keys), database, media folder and queue."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REDTHREAD_")}
    env.update(
        REDTHREAD_INSTANCE_PATH=app.instance_path,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDTHREAD_MEDIA_ROOT=app.config["MEDIA_ROOT"],
        REDTHREAD_REQUIRE_2FA_ROLES="none",
        REDTHREAD_DEFAULT_LANGUAGE="en",
        REDTHREAD_DIARIZATION="off",  # as the suite: speaker labels have tests of their own
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process in a group of its own, so that SIGKILL reaches every process it forks."""
    handle = open(log, "ab")  # noqa: SIM115 - closed by the test's kill()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    process.log_handle = handle
    return process


def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)
    process.log_handle.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def processes():
    """Processes a test starts; whatever is left is killed at the end."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            kill(process)


needs_sqlite = pytest.mark.skipif(bool(PG_URL), reason="SQLite's own crash safety")
